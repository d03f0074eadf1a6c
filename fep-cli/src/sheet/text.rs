//! The layout text the import writes: names, string literals, repeats, and the tree of
//! fields and groups rendered as layout lines with their comments.

use std::fmt::Write as _;

/// A layout name from text: kept when it is one, else ASCII words joined by `_`.
pub(super) fn ident(text: &str) -> Option<String> {
    let t = text.trim();
    if is_ident(t) {
        return Some(t.to_owned());
    }
    let words: Vec<String> = t
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut s = words.join("_");
    if s.is_empty() {
        return None;
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s.truncate(64);
    Some(s)
}

pub(super) fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A string literal of the layout language.
pub fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' | '\r' => q.push(' '),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// A comment's text on one line.
pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words of attribute text outside strings: `= "a b" mask` has `=` and `mask`.
pub(super) fn words_outside_strings(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_str = false;
    let mut esc = false;
    let mut cur = String::new();
    for c in s.chars() {
        if in_str {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        if c == '"' {
            in_str = true;
        } else if c.is_whitespace() || c == '(' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The largest repeat count read from a sheet; the layout's own limit is lower, so a
/// larger one is refused here, before any arithmetic on it.
pub(super) const MAX_COUNT: usize = 1_000_000;

/// How a row repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Repeat {
    Fixed(usize),
    Counted {
        count: String,
        bound: usize,
        slots: bool,
    },
}

/// Reads a repeat: `[3]`, `3`, `3회`, `OCCURS 3`, `반복 3`, `[count, max=10]`,
/// `OCCURS 1 TO 10 DEPENDING ON count`, `조회건수 (최대 10)`.
pub(super) fn parse_repeat(text: &str) -> Result<Option<Repeat>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let lower = t.to_lowercase();
    let slots = lower.contains("slots") || lower.contains("슬롯");
    let keywords = [
        "occurs",
        "times",
        "to",
        "depending",
        "on",
        "max",
        "slots",
        "반복",
        "회",
        "최대",
        "건",
        "슬롯",
        "횟수",
        "반복횟수",
        "번",
        "반복부",
    ];
    let mut numbers = Vec::new();
    let mut words = Vec::new();
    for tok in t.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
        let tok = tok.trim_matches('.');
        if tok.is_empty() {
            continue;
        }
        let digits: String = tok.chars().take_while(char::is_ascii_digit).collect();
        let rest = &tok[digits.len()..];
        if !digits.is_empty() && (rest.is_empty() || keywords.contains(&rest)) {
            match digits.parse::<usize>() {
                Ok(n) if n <= MAX_COUNT => numbers.push(n),
                _ => return Err(format!("repeat {t:?}: the count is too large")),
            }
            continue;
        }
        if keywords.contains(&tok.to_lowercase().as_str()) {
            continue;
        }
        words.push(tok.to_owned());
    }
    if let Some(count) = words.first() {
        let Some(&bound) = numbers.iter().max() else {
            return Err(format!(
                "repeat {t:?} names its count field {count:?} but no maximum"
            ));
        };
        return Ok(Some(Repeat::Counted {
            count: count.clone(),
            bound,
            slots,
        }));
    }
    match numbers.as_slice() {
        [n] => Ok(Some(Repeat::Fixed(*n))),
        [] => Ok(None),
        _ => Err(format!("repeat {t:?} gives several counts")),
    }
}

/// A field or group being built.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub(super) name: String,
    pub(super) repeat: Option<Repeat>,
    /// The type for a scalar; the record name for a record reference; None for a group.
    pub(super) ty: Option<String>,
    pub(super) record: bool,
    pub(super) attrs: Vec<String>,
    pub(super) description: Option<String>,
    pub(super) comment: Vec<String>,
    pub(super) children: Vec<Node>,
    /// Bytes of one element (for groups, the sum of the children).
    pub(super) width: usize,
    /// The Korean name, for finding a count field by it.
    pub(super) words: String,
    /// The row, for doubts about the group.
    pub(super) row: usize,
    /// The sensitivity marked on the row (`mask`, `secret`), for its members.
    pub(super) sensitivity: Option<&'static str>,
    /// The sheet's `id` path (`header.system_id`), for nesting.
    pub(super) path: Vec<String>,
    /// The sensitivity attribute came from the mask column (not the options).
    pub(super) col_sens: bool,
    /// The type's column, for a doubt about it found later.
    pub(super) type_col: Option<usize>,
}

impl Node {
    pub(super) fn total(&self) -> Option<usize> {
        if self.ty.as_deref() == Some("") {
            // A field whose length could not be read: the sum is unknown from here.
            return None;
        }
        let w = if self.is_group() && !(self.record && self.children.is_empty()) {
            self.children
                .iter()
                .map(Node::total)
                .sum::<Option<usize>>()?
        } else {
            self.width
        };
        match &self.repeat {
            None => Some(w),
            Some(Repeat::Fixed(n)) => w.checked_mul(*n),
            Some(Repeat::Counted { bound, slots, .. }) => {
                if *slots {
                    w.checked_mul(*bound)
                } else {
                    None
                }
            }
        }
    }
    pub(super) fn is_group(&self) -> bool {
        self.ty.is_none() || self.record
    }
}

pub(super) fn repeat_text(r: &Option<Repeat>) -> String {
    match r {
        None => String::new(),
        Some(Repeat::Fixed(n)) => format!("[{n}]"),
        Some(Repeat::Counted {
            count,
            bound,
            slots,
        }) => format!(
            "[{count}, {}={bound}]",
            if *slots { "slots" } else { "max" }
        ),
    }
}

pub(super) fn render(nodes: &[Node], depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    // Names lined up in a column, as people write layouts.
    let w = nodes
        .iter()
        .filter(|n| n.ty.is_some())
        .map(|n| n.name.len() + repeat_text(&n.repeat).len())
        .max()
        .unwrap_or(0);
    for n in nodes {
        let head = format!("{}{}", n.name, repeat_text(&n.repeat));
        if n.ty.as_deref() == Some("") {
            // No width could be read: the field stays out of the layout, in plain sight.
            let _ = writeln!(
                out,
                "{pad}# {head}  ?  {}  # {}",
                n.description.as_deref().map(quote).unwrap_or_default(),
                one_line(&n.comment.join("; "))
            );
            continue;
        }
        let mut line = format!("{pad}{head}");
        if n.ty.is_none() {
            line.push_str(" {");
        } else if let Some(ty) = &n.ty {
            let _ = write!(line, "{:fill$}  {ty}", "", fill = w - head.len());
            for a in &n.attrs {
                let _ = write!(line, " {a}");
            }
            if let Some(d) = &n.description {
                let _ = write!(line, "  {}", quote(d));
            }
        }
        if !n.comment.is_empty() {
            let _ = write!(line, "  # {}", one_line(&n.comment.join("; ")));
        }
        out.push_str(&line);
        out.push('\n');
        if n.ty.is_none() {
            render(&n.children, depth + 1, out);
            let _ = writeln!(out, "{pad}}}");
        }
    }
}

/// Fields written: scalars and groups, not the ones left out as comments.
pub(super) fn count(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .filter(|n| n.ty.as_deref() != Some(""))
        .map(|n| 1 + if n.record { 0 } else { count(&n.children) })
        .sum()
}

pub(super) fn render_nodes(nodes: &[Node]) -> String {
    let mut s = String::new();
    render(nodes, 1, &mut s);
    s
}
