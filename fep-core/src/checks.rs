//! Batch files: the layout's `check` statements run over a stream of records.
//!
//! A batch is the run of records up to and including each record of a message whose field
//! a `count` or `sum` check fills (the trailer). [`BatchChecker`] keeps, for the open batch,
//! how many records of each message it holds, the running sums and the header values the
//! checks compare with, and nothing else: its memory is the same for ten records or ten
//! million. Readers ([`MessageReader`](crate::MessageReader)) call it for every record;
//! writers ([`MessageWriter`](crate::MessageWriter)) also fill in what it computes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Category, DataPosition, Error, ErrorKind, Position, Result};
use crate::path::{FieldPath, PathSegment};
use crate::schema::Schema;
use crate::schema::checks::{CheckDef, Rule};
use crate::value::{Decimal, Message, Record, Value};

/// Runs a layout's `check` statements over the records of a file, one at a time, in
/// constant memory.
///
/// Feed it every record in file order: [`BatchChecker::record`] for a decoded one,
/// [`BatchChecker::unreadable`] for one that could not be decoded (it still takes its
/// place in the numbering), then [`BatchChecker::finish`] at the end of the input. Each
/// returns the failures it found, as data errors of kind [`ErrorKind::CheckFailed`] that
/// name the record's number and byte offset, the checked field, and the expected and the
/// found value.
///
/// # Example
/// ```
/// let schema = fep_core::Schema::parse(
///     "encoding ascii\nframing lines\n\
///      message d 4 {\n when k = \"D\"\n k X(1) = \"D\"\n amount 9(3)\n}\n\
///      message t 5 {\n when k = \"T\"\n k X(1) = \"T\"\n total 9(4)\n}\n\
///      check t.total = sum(d.amount)\n",
/// )?;
/// let mut checker = fep_core::BatchChecker::new(&schema).expect("the layout has checks");
/// let mut failures = Vec::new();
/// for (offset, line) in [(0, "D100"), (6, "D020"), (12, "T0121")] {
///     let msg = schema.decode(line.as_bytes())?;
///     failures.extend(checker.record(offset, &msg));
/// }
/// failures.extend(checker.finish());
/// assert_eq!(
///     failures[0].to_string(),
///     "record 3 (byte 12): t.total is 121, the d.amount of the batch add up to 120"
/// );
/// # Ok::<(), fep_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BatchChecker {
    schema: Schema,
    index: HashMap<Arc<str>, usize>,
    /// Per message: the checks whose field is in it.
    targets: Vec<Vec<usize>>,
    /// Per message: the sum and header checks that read it.
    sources: Vec<Vec<usize>>,
    /// Per message: a batch ends at each of its records.
    closers: Vec<bool>,
    /// Per message: a header check compares with its records.
    headers: Vec<bool>,
    // ---- the state: bounded by the layout, not by the input ----
    /// Records so far, unreadable ones included.
    records: u64,
    last_offset: u64,
    /// Per message: its records in the open batch.
    seen: Vec<u64>,
    /// Per check: the running sum of a sum check (`None` once past `i128`).
    sums: Vec<Option<i128>>,
    /// Per check: the header value of a header check.
    header_values: Vec<Option<Value<'static>>>,
    /// Records in the open batch, and how many of them could not be read.
    open: u64,
    unreadable: u64,
}

impl BatchChecker {
    /// A checker for the schema's `check` statements; `None` when it has none.
    pub fn new(schema: &Schema) -> Option<BatchChecker> {
        let checks = &schema.inner.checks;
        if checks.is_empty() {
            return None;
        }
        let n = schema.inner.messages.len();
        let mut c = BatchChecker {
            schema: schema.clone(),
            index: schema
                .inner
                .messages
                .iter()
                .enumerate()
                .map(|(i, m)| (m.name.clone(), i))
                .collect(),
            targets: vec![Vec::new(); n],
            sources: vec![Vec::new(); n],
            closers: vec![false; n],
            headers: vec![false; n],
            records: 0,
            last_offset: 0,
            seen: vec![0; n],
            sums: vec![Some(0); checks.len()],
            header_values: vec![None; checks.len()],
            open: 0,
            unreadable: 0,
        };
        for (i, def) in checks.iter().enumerate() {
            c.targets[def.target.message as usize].push(i);
            match &def.rule {
                Rule::Count { .. } => c.closers[def.target.message as usize] = true,
                Rule::Sum(f) => {
                    c.closers[def.target.message as usize] = true;
                    c.sources[f.message as usize].push(i);
                }
                Rule::Header(f) => {
                    c.headers[f.message as usize] = true;
                    c.sources[f.message as usize].push(i);
                }
                Rule::Sequence { .. } => {}
            }
        }
        Some(c)
    }

    /// Checks one decoded record at `offset` in the file and takes it into the batch.
    pub fn record(&mut self, offset: u64, message: &Message<'_>) -> Vec<Error> {
        let Some(&mi) = self.index.get(message.name()) else {
            self.unreadable(offset);
            return Vec::new();
        };
        let failures = self.evaluate(mi, offset, message);
        self.commit(mi, offset, message);
        failures
    }

    /// Takes the place of a record that could not be decoded: it counts in the numbering,
    /// and a batch that holds one says so when its totals disagree.
    pub fn unreadable(&mut self, offset: u64) {
        self.records += 1;
        self.last_offset = offset;
        self.open += 1;
        self.unreadable += 1;
    }

    /// At the end of the input: a batch left open (records after the last trailer) fails.
    pub fn finish(&mut self) -> Vec<Error> {
        if self.open == 0 || !self.closers.contains(&true) {
            return Vec::new();
        }
        let names = self.closer_names();
        let open = std::mem::take(&mut self.open);
        let detail = format!(
            "the input ends in a batch without its {names} record ({open} record{} after the last one)",
            if open == 1 { "" } else { "s" }
        );
        let message = self.closer().map(|i| self.message_name(i).clone());
        self.reset_batch();
        vec![Error::new(
            ErrorKind::CheckFailed {
                record: self.records,
                expected: format!("a {names} record"),
                found: "the end of the input".into(),
                detail,
            },
            Position::Data(DataPosition {
                message,
                path: String::new(),
                // A check is about a record, not a field: both offsets are the record's
                // frame in the stream.
                offset: usize::try_from(self.last_offset).unwrap_or(usize::MAX),
                frame: Some(usize::try_from(self.last_offset).unwrap_or(usize::MAX)),
                length: 0,
                raw: None,
            }),
        )]
    }

    /// Records checked so far, unreadable ones included.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Records of the open batch (since the last trailer).
    pub fn open_records(&self) -> u64 {
        self.open
    }

    // ---- for writers ----

    /// For a writer, before writing `message` at `offset`: the message with the fields
    /// its checks compute filled in where it leaves them out or blank (borrowed as it is
    /// when there is nothing to fill), or the failure of a value it gives that disagrees
    /// (an encoding error: the values are the caller's). Call [`BatchChecker::written`]
    /// once it is written.
    pub fn prepare<'m, 'a>(
        &self,
        offset: u64,
        message: &'m Message<'a>,
    ) -> Result<Cow<'m, Message<'a>>> {
        let Some(mi) = self.message_index(message.name()) else {
            return Ok(Cow::Borrowed(message));
        };
        let message = if self.needs_fill(mi, message.fields()) {
            let mut m = message.clone();
            self.fill(mi, m.fields_mut());
            Cow::Owned(m)
        } else {
            Cow::Borrowed(message)
        };
        match self.evaluate(mi, offset, &message).into_iter().next() {
            Some(e) => Err(as_encoding(e)),
            None => Ok(message),
        }
    }

    /// For a writer: `message` (as [`BatchChecker::prepare`] gave it) was written at
    /// `offset`; it joins the batch.
    pub fn written(&mut self, offset: u64, message: &Message<'_>) {
        match self.message_index(message.name()) {
            Some(mi) => self.commit(mi, offset, message),
            None => self.unreadable(offset),
        }
    }

    /// For a writer, before `message`: true when it is a header record and the open batch
    /// already has one, so that the batch's trailer ([`BatchChecker::trailer`]) goes first.
    pub fn closes_batch(&self, message: &Message<'_>) -> bool {
        self.message_index(message.name())
            .is_some_and(|mi| self.starts_new_batch(mi) && self.open > 0)
            && self.closer().is_some()
    }

    /// For a writer, at the end (or when [`BatchChecker::closes_batch`]): the trailer that
    /// closes the open batch, its fields left for [`BatchChecker::prepare`] to fill in;
    /// `None` when no batch is open. An error when several messages end a batch and the
    /// writer cannot tell which one to write.
    pub fn trailer(&self) -> Option<Result<Message<'static>>> {
        if self.open == 0 || !self.closers.contains(&true) {
            return None;
        }
        Some(match self.closer() {
            Some(i) => Ok(Message::new(self.message_name(i), Record::new())),
            None => Err(Error::new(
                ErrorKind::BadValue(format!(
                    "the last batch has no trailer; write a {} record",
                    self.closer_names()
                )),
                Position::None,
            )
            .in_category(Category::Encoding)),
        })
    }

    /// The one message that ends a batch, when exactly one does.
    pub(crate) fn closer(&self) -> Option<usize> {
        let mut it = self.closers.iter().enumerate().filter(|(_, c)| **c);
        match (it.next(), it.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    pub(crate) fn closer_names(&self) -> String {
        let names: Vec<&str> = (0..self.closers.len())
            .filter(|&i| self.closers[i])
            .map(|i| &**self.message_name(i))
            .collect();
        names.join(" or ")
    }

    pub(crate) fn message_name(&self, i: usize) -> &Arc<str> {
        &self.schema.inner.messages[i].name
    }

    pub(crate) fn message_index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// A header record of message `i` while the open batch already holds one: the writer
    /// closes the batch first.
    pub(crate) fn starts_new_batch(&self, i: usize) -> bool {
        self.headers[i] && self.seen[i] > 0
    }

    /// Whether [`BatchChecker::fill`] has something to fill in.
    pub(crate) fn needs_fill(&self, mi: usize, record: &Record<'_>) -> bool {
        self.targets[mi].iter().any(|&ci| {
            record
                .get_path(&self.schema.inner.checks[ci].target.path)
                .is_none_or(Value::is_null)
        })
    }

    /// Fills in the fields of message `mi` that its checks compute and the value leaves
    /// out (absent or blank). True when it changed anything.
    pub(crate) fn fill(&self, mi: usize, record: &mut Record<'_>) -> bool {
        let mut changed = false;
        for &ci in &self.targets[mi] {
            let def = &self.schema.inner.checks[ci];
            if record
                .get_path(&def.target.path)
                .is_some_and(|v| !v.is_null())
            {
                continue;
            }
            let value = match &def.rule {
                Rule::Count { message } => Some(Value::Int(
                    i64::try_from(self.seen[*message as usize]).unwrap_or(i64::MAX),
                )),
                Rule::Sum(_) => self.sums[ci]
                    .filter(|s| s.abs() <= def.target.max)
                    .map(|s| number_value(s, def.target.scale)),
                Rule::Sequence { from } => Some(Value::Int(
                    i64::try_from(from.saturating_add(self.records)).unwrap_or(i64::MAX),
                )),
                Rule::Header(_) => self.header_values[ci].clone(),
            };
            if let Some(v) = value {
                set_path(record, &def.target.path, v);
                changed = true;
            }
        }
        changed
    }

    /// The failures of record `mi` at `offset`, against the state before it.
    pub(crate) fn evaluate(&self, mi: usize, offset: u64, message: &Message<'_>) -> Vec<Error> {
        let mut out = Vec::new();
        let record = self.records + 1;
        for &ci in &self.targets[mi] {
            let def = &self.schema.inner.checks[ci];
            let found = message.get_path(&def.target.path);
            if let Some((expected, found, detail)) = self.judge(ci, def, found) {
                out.push(Error::new(
                    ErrorKind::CheckFailed {
                        record,
                        expected,
                        found,
                        detail,
                    },
                    Position::Data(DataPosition {
                        message: Some(self.message_name(mi).clone()),
                        path: def.target.path.as_str().to_owned(),
                        offset: usize::try_from(offset).unwrap_or(usize::MAX),
                        frame: Some(usize::try_from(offset).unwrap_or(usize::MAX)),
                        length: 0,
                        raw: None,
                    }),
                ));
            }
        }
        out
    }

    /// `None` when the check holds; otherwise the expected and found text and the sentence.
    fn judge(
        &self,
        ci: usize,
        def: &CheckDef,
        found: Option<&Value<'_>>,
    ) -> Option<(String, String, String)> {
        let t = &def.target;
        let shown = |v: Option<&Value<'_>>| show(v, t.hidden);
        match &def.rule {
            Rule::Count { message } => {
                let n = self.seen[*message as usize];
                let expected = i128::from(n);
                if numeric(found, t.scale) == Some(expected) {
                    return None;
                }
                let name = self.message_name(*message as usize);
                Some((
                    n.to_string(),
                    shown(found),
                    format!(
                        "{} is {}, the batch has {n} {name} record{}{}",
                        t.name,
                        shown(found),
                        if n == 1 { "" } else { "s" },
                        self.unreadable_note()
                    ),
                ))
            }
            Rule::Sum(f) => {
                let Some(sum) = self.sums[ci].filter(|s| s.abs() <= t.max) else {
                    let total = self.sums[ci].map_or_else(
                        || "more than 38 digits".to_owned(),
                        |s| Decimal::new(s, t.scale).to_string(),
                    );
                    return Some((
                        total.clone(),
                        shown(found),
                        format!(
                            "the {} of the batch add up to {total}, more than {} can hold; split the batch",
                            f.name, t.name
                        ),
                    ));
                };
                if numeric(found, t.scale) == Some(sum) {
                    return None;
                }
                let expected = show_number(sum, t.scale, f.hidden || t.hidden);
                Some((
                    expected.clone(),
                    shown(found),
                    format!(
                        "{} is {}, the {} of the batch add up to {expected}{}",
                        t.name,
                        shown(found),
                        f.name,
                        self.unreadable_note()
                    ),
                ))
            }
            Rule::Sequence { from } => {
                let expected = i128::from(*from) + i128::from(self.records);
                if numeric(found, t.scale) == Some(expected) {
                    return None;
                }
                Some((
                    expected.to_string(),
                    shown(found),
                    format!(
                        "{} is {}, the record's sequence number is {expected}",
                        t.name,
                        shown(found)
                    ),
                ))
            }
            Rule::Header(h) => {
                let hidden = t.hidden || h.hidden;
                let Some(value) = &self.header_values[ci] else {
                    let name = self.message_name(h.message as usize);
                    return Some((
                        format!("a {name} record"),
                        show(found, hidden),
                        format!(
                            "{} cannot be compared: the batch has no {name} record before it",
                            t.name
                        ),
                    ));
                };
                if same(found, value, t.scale.max(h.scale)) {
                    return None;
                }
                Some((
                    show(Some(value), hidden),
                    show(found, hidden),
                    format!(
                        "{} is {}, {} of the batch is {}",
                        t.name,
                        show(found, hidden),
                        h.name,
                        show(Some(value), hidden)
                    ),
                ))
            }
        }
    }

    fn unreadable_note(&self) -> String {
        match self.unreadable {
            0 => String::new(),
            1 => " (and 1 record that could not be read)".into(),
            n => format!(" (and {n} records that could not be read)"),
        }
    }

    /// Takes record `mi` into the batch.
    pub(crate) fn commit(&mut self, mi: usize, offset: u64, message: &Message<'_>) {
        self.records += 1;
        self.last_offset = offset;
        for &ci in &self.sources[mi] {
            let def = &self.schema.inner.checks[ci];
            match &def.rule {
                Rule::Sum(f) => {
                    let add = numeric(message.get_path(&f.path), f.scale).unwrap_or(0);
                    self.sums[ci] = self.sums[ci].and_then(|s| s.checked_add(add));
                }
                Rule::Header(h) => {
                    self.header_values[ci] =
                        message.get_path(&h.path).map(|v| v.clone().into_owned());
                }
                _ => {}
            }
        }
        self.seen[mi] += 1;
        if self.closers[mi] {
            self.reset_batch();
        } else {
            self.open += 1;
        }
    }

    fn reset_batch(&mut self) {
        self.seen.iter_mut().for_each(|n| *n = 0);
        self.sums.iter_mut().for_each(|s| *s = Some(0));
        self.header_values.iter_mut().for_each(|v| *v = None);
        self.open = 0;
        self.unreadable = 0;
    }
}

/// The failure in the category of a writer's caller: the values given are wrong.
fn as_encoding(e: Error) -> Error {
    e.in_category(Category::Encoding)
}

/// The unscaled integer of a numeric value at `scale`; `None` for a blank or non-number.
fn numeric(v: Option<&Value<'_>>, scale: u8) -> Option<i128> {
    match v? {
        Value::Int(i) => Decimal::new(i128::from(*i), 0).rescale(scale),
        Value::UInt(u) => Decimal::new(i128::from(*u), 0).rescale(scale),
        Value::Decimal(d) => d.rescale(scale),
        _ => None,
    }
}

fn number_value(m: i128, scale: u8) -> Value<'static> {
    match i64::try_from(m) {
        Ok(i) if scale == 0 => Value::Int(i),
        _ => Value::Decimal(Decimal::new(m, scale)),
    }
}

fn show_number(m: i128, scale: u8, hidden: bool) -> String {
    if hidden {
        "(hidden)".into()
    } else {
        Decimal::new(m, scale).to_string()
    }
}

/// A value for a failure: numbers and dates as they read, text quoted, blank as blank.
fn show(v: Option<&Value<'_>>, hidden: bool) -> String {
    match v {
        _ if hidden => "(hidden)".into(),
        None | Some(Value::Null) => "blank".into(),
        Some(Value::Text(t)) => format!("\"{t}\""),
        Some(v) => v.to_text().unwrap_or_else(|| v.type_name().to_owned()),
    }
}

/// Two values of compared fields: numbers by value (whatever their widths), others equal.
fn same(a: Option<&Value<'_>>, b: &Value<'_>, scale: u8) -> bool {
    match (numeric(a, scale), numeric(Some(b), scale)) {
        (Some(x), Some(y)) => x == y,
        _ => a.unwrap_or(&Value::Null) == b,
    }
}

/// Sets `path` (names only) in `record`, making the records on the way.
fn set_path<'a>(record: &mut Record<'a>, path: &FieldPath, value: Value<'a>) {
    let names: Vec<&str> = path
        .segments()
        .filter_map(|s| match s {
            PathSegment::Name(n) => Some(n),
            _ => None,
        })
        .collect();
    let Some((last, parents)) = names.split_last() else {
        return;
    };
    let mut cur = record;
    for name in parents {
        if !matches!(cur.get(name), Some(Value::Record(_))) {
            cur.set(name, Value::Record(Record::new()));
        }
        cur = match cur.get_mut(name) {
            Some(Value::Record(r)) => r,
            _ => return,
        };
    }
    cur.set(last, value);
}
