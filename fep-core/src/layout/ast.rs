//! The syntax tree of a layout file, with byte spans into the source for error positions.
//! Produced by `parse`, consumed by `compile`; nothing outside `layout` sees it.

/// A byte range in the layout source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

#[derive(Debug, Default)]
pub(crate) struct LayoutAst {
    pub encoding: Option<Spanned<String>>,
    pub framing: Option<Spanned<FramingAst>>,
    pub key: Option<Vec<Spanned<String>>>,
    pub key_span: Span,
    pub records: Vec<BlockAst>,
    pub messages: Vec<BlockAst>,
    /// `check` statements, in the order written.
    pub checks: Vec<CheckAst>,
}

/// `check MESSAGE.FIELD = RULE`: a batch file's totals, sequence numbers and header copies.
#[derive(Debug)]
pub(crate) struct CheckAst {
    /// `MESSAGE.FIELD`, the field the rule holds for.
    pub target: Spanned<String>,
    pub rule: Spanned<RuleAst>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RuleAst {
    /// `count(MESSAGE)`.
    Count(Spanned<String>),
    /// `sum(MESSAGE.FIELD)`.
    Sum(Spanned<String>),
    /// `sequence` or `sequence from N`.
    Sequence { from: u64 },
    /// `MESSAGE.FIELD` of the batch's header record.
    Field(Spanned<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FramingAst {
    LengthPrefix {
        digits: u32,
        binary: bool,
        inclusive: bool,
    },
    Lines,
    None,
}

/// A `record` or `message` block.
#[derive(Debug)]
pub(crate) struct BlockAst {
    pub name: Spanned<String>,
    pub length: Option<Spanned<usize>>,
    /// `when` conditions, all of which must hold (messages only).
    pub conditions: Vec<ConditionAst>,
    /// The message's own `key` paths, which take the place of the layout's.
    pub key: Option<Vec<Spanned<String>>>,
    /// `answers NAME...`: the messages whose requests this message answers.
    pub answers: Option<Vec<Spanned<String>>>,
    pub fields: Vec<FieldAst>,
}

#[derive(Debug)]
pub(crate) struct ConditionAst {
    pub path: Spanned<String>,
    pub values: Vec<Spanned<String>>,
}

#[derive(Debug)]
pub(crate) struct FieldAst {
    pub name: Spanned<String>,
    pub repeat: Option<Spanned<RepeatAst>>,
    pub kind: FieldKindAst,
    /// The whole field line (or the group's opening line).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RepeatAst {
    Fixed(usize),
    Counted {
        count: Spanned<String>,
        bound: usize,
        slots: bool,
    },
}

#[derive(Debug)]
pub(crate) enum FieldKindAst {
    Scalar {
        ty: Spanned<TypeAst>,
        attrs: Vec<Spanned<AttrAst>>,
    },
    RecordRef {
        record: Spanned<String>,
        attrs: Vec<Spanned<AttrAst>>,
    },
    Group {
        fields: Vec<FieldAst>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeAst {
    /// `X(n)` or `AN(n)`.
    Text(usize),
    /// `G(n)`.
    Graphic(usize),
    /// `9(n)`, `N(n)`, `9(i)V9(s)`, `N(n,s)`, with `S` in front when signed.
    Number {
        digits: usize,
        scale: usize,
        signed: bool,
    },
    /// `B(n)`.
    Bytes(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TemporalKind {
    Date,
    Time,
    DateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignAst {
    Leading,
    Trailing,
    Overpunch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AttrAst {
    Description(String),
    Temporal(TemporalKind, Option<String>),
    Const(String),
    Default(String),
    Required,
    Raw,
    Mask,
    Secret,
    Lenient,
    AlignRight(bool),
    Pad(String),
    Sign(SignAst),
}
