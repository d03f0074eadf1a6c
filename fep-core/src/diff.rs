//! Two decoded messages compared field by field: [`Schema::diff`] and what it gives,
//! [`MessageDiff`] and [`FieldDiff`], for proving that two systems produce the same
//! telegrams (a legacy FEP and its replacement) or finding where they part.
//!
//! Each side is walked over the layout with its own values, so each difference carries
//! the field's path with entry indices (`items[2].amount`) and its byte offset in each
//! telegram, which part ways after a repeat of a different count. An entry of a repeat
//! present on one side only is one difference (`items[3]`, the entry whole), not one a
//! field of it. Values are shown the way every human-facing output shows them: `mask`
//! and `secret` fields hidden unless asked ([`FieldDiff::a_text`]).
//!
//! Nothing is allocated by a count read from a telegram: the walk visits the values the
//! messages already hold, and the layout bounds its depth.

use std::collections::HashMap;

use crate::schema::Schema;
use crate::schema::table::{FieldDef, FieldKind, GroupId, Repeat, Table};
use crate::value::redact::Redacted;
use crate::value::{Message, Record, Sensitivity, Value};

/// How a field differs between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// Both sides have the field, with different values.
    Changed,
    /// Only the first side (A) has it: an entry of a repeat that B has fewer of, or a
    /// field a hand-built B lacks.
    OnlyInA,
    /// Only the second side (B) has it.
    OnlyInB,
}

impl Change {
    /// `changed`, `only in A` or `only in B`, as the command line prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Changed => "changed",
            Change::OnlyInA => "only in A",
            Change::OnlyInB => "only in B",
        }
    }
}

/// One field (or one repeat entry) that differs. Its `Debug` form hides `mask` and
/// `secret` values, as every human-facing form does.
#[derive(Clone)]
pub struct FieldDiff<'d, 'a> {
    /// The path with entry indices, as `explain` writes it: `header.seq_no`,
    /// `items[2].amount`; for an entry present on one side only, the entry: `items[2]`.
    pub path: String,
    /// How it differs.
    pub change: Change,
    /// Offset of the field in A's telegram (`None` when A lacks it).
    pub offset_a: Option<usize>,
    /// Offset of the field in B's telegram (`None` when B lacks it).
    pub offset_b: Option<usize>,
    /// Width in bytes (of the entry, for an entry on one side only).
    pub length: usize,
    /// A's value (`None` when A lacks it).
    pub a: Option<&'d Value<'a>>,
    /// B's value (`None` when B lacks it).
    pub b: Option<&'d Value<'a>>,
    /// `mask`, `secret` or plain: how much of the values a person may see.
    pub sensitivity: Sensitivity,
    /// The field's description in the layout (the spec's Korean name).
    pub description: Option<&'d str>,
}

impl std::fmt::Debug for FieldDiff<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldDiff")
            .field("path", &self.path)
            .field("change", &self.change)
            .field("offset_a", &self.offset_a)
            .field("offset_b", &self.offset_b)
            .field("length", &self.length)
            .field("a", &self.a_json(false))
            .field("b", &self.b_json(false))
            .field("sensitivity", &self.sensitivity)
            .field("description", &self.description)
            .finish()
    }
}

impl FieldDiff<'_, '_> {
    /// A's value for a person, as `explain` shows values: numbers and dates plainly, text
    /// quoted, `null` for a blank; an entry as its JSON; `mask`/`secret` hidden unless
    /// `reveal`. `None` when A lacks the field.
    pub fn a_text(&self, reveal: bool) -> Option<String> {
        self.a.map(|v| value_text(v, self.sensitivity, reveal))
    }

    /// B's value for a person; see [`FieldDiff::a_text`].
    pub fn b_text(&self, reveal: bool) -> Option<String> {
        self.b.map(|v| value_text(v, self.sensitivity, reveal))
    }

    /// A's value as JSON (a number, a string, `null`, an object for an entry), with
    /// `mask`/`secret` hidden unless `reveal`; `None` when A lacks the field.
    pub fn a_json(&self, reveal: bool) -> Option<String> {
        self.a.map(|v| value_json(v, self.sensitivity, reveal))
    }

    /// B's value as JSON; see [`FieldDiff::a_json`].
    pub fn b_json(&self, reveal: bool) -> Option<String> {
        self.b.map(|v| value_json(v, self.sensitivity, reveal))
    }

    /// True when the two values differ but show the same once hidden (a `mask` field that
    /// differs before its last 4 characters, any `secret` field): a person needs
    /// `reveal` to see how.
    pub fn hidden_difference(&self) -> bool {
        self.change == Change::Changed
            && self.sensitivity != Sensitivity::Plain
            && self.a_text(false) == self.b_text(false)
    }
}

fn value_json(v: &Value<'_>, sens: Sensitivity, reveal: bool) -> String {
    let r = if reveal {
        serde_json::to_string(v)
    } else {
        serde_json::to_string(&Redacted::value(v, sens))
    };
    r.unwrap_or_default()
}

fn value_text(v: &Value<'_>, sens: Sensitivity, reveal: bool) -> String {
    match v {
        Value::Null => "null".into(),
        Value::List(_) | Value::Record(_) => value_json(v, sens, reveal),
        _ => {
            let text = v.to_text().unwrap_or_default();
            let shown = if reveal {
                text
            } else {
                sens.redact(&text).into_owned()
            };
            if matches!(v, Value::Text(_)) {
                serde_json::to_string(&shown).unwrap_or(shown)
            } else {
                shown
            }
        }
    }
}

/// Two messages compared: [`Schema::diff`].
#[derive(Debug, Clone)]
pub struct MessageDiff<'d, 'a> {
    /// A's message name.
    pub message_a: &'d str,
    /// B's message name.
    pub message_b: &'d str,
    /// The fields that differ, in A's wire order (a field B alone has comes after the
    /// field it follows in B). When the messages differ, only the fields both have (by
    /// path: a common header, say) are compared.
    pub fields: Vec<FieldDiff<'d, 'a>>,
    /// How many fields were compared (present on both sides).
    pub compared: usize,
}

impl MessageDiff<'_, '_> {
    /// True when both are the same message.
    pub fn same_message(&self) -> bool {
        self.message_a == self.message_b
    }

    /// True when the messages are the same and no field differs.
    pub fn is_equal(&self) -> bool {
        self.same_message() && self.fields.is_empty()
    }
}

/// What one side of the walk saw: a scalar field, or an entry of a repeat (the entry
/// marker comes before its fields).
struct Leaf<'d, 'a> {
    path: String,
    offset: usize,
    length: usize,
    value: Option<&'d Value<'a>>,
    sensitivity: Sensitivity,
    description: Option<&'d str>,
    entry: bool,
}

struct Flatten<'d, 'a> {
    s: &'d Table,
    out: Vec<Leaf<'d, 'a>>,
    /// Only count the fields (`leaves`), keeping no path: for two equal messages.
    count_only: bool,
    leaves: usize,
}

impl<'d, 'a> Flatten<'d, 'a> {
    fn group(
        &mut self,
        gid: GroupId,
        rec: Option<&'d Record<'a>>,
        pos: &mut usize,
        path: &mut String,
        outer: Sensitivity,
    ) {
        let s = self.s;
        let g = &s.groups[gid as usize];
        // A record decoded by this schema holds its values in the group's order; one
        // built by hand is looked up by name.
        let by_index = rec.is_some_and(|r| std::sync::Arc::ptr_eq(&r.shape, &g.shape));
        let mut k = 0;
        for &fid in &g.members {
            let f = &s.fields[fid as usize];
            if f.filler {
                *pos += f.width * fixed_elements(&f.repeat);
                continue;
            }
            let v = match rec {
                Some(r) if by_index => r.values.get(k),
                Some(r) => r.get(&f.name),
                None => None,
            };
            k += 1;
            let sens = if outer == Sensitivity::Plain {
                f.sensitivity
            } else {
                outer
            };
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&f.name);
            match &f.repeat {
                Repeat::One => self.one(f, v, pos, path, sens),
                rep => {
                    let list = v.and_then(Value::as_list).unwrap_or(&[]);
                    for (i, e) in list.iter().enumerate() {
                        if self.count_only {
                            self.one(f, Some(e), pos, path, sens);
                            continue;
                        }
                        let l2 = path.len();
                        path.push('[');
                        path.push_str(&i.to_string());
                        path.push(']');
                        let at = self.out.len();
                        let start = *pos;
                        self.out.push(Leaf {
                            path: path.clone(),
                            offset: start,
                            length: 0,
                            value: Some(e),
                            sensitivity: sens,
                            description: f.description.as_deref(),
                            entry: true,
                        });
                        self.one(f, Some(e), pos, path, sens);
                        self.out[at].length = *pos - start;
                        path.truncate(l2);
                    }
                    // Unused slots of a `max` repeat, or entries a hand-built list lacks,
                    // still take their room on the wire.
                    let room = match rep {
                        Repeat::Fixed(n) => *n,
                        Repeat::Counted {
                            bound, slots: true, ..
                        } => *bound,
                        _ => 0,
                    };
                    *pos += room.saturating_sub(list.len()) * f.width;
                }
            }
            path.truncate(len);
        }
    }

    fn one(
        &mut self,
        f: &'d FieldDef,
        v: Option<&'d Value<'a>>,
        pos: &mut usize,
        path: &mut String,
        sens: Sensitivity,
    ) {
        if let (FieldKind::Group(g), Some(Value::Record(r))) = (&f.kind, v) {
            return self.group(*g, Some(r), pos, path, sens);
        }
        if let (FieldKind::Group(g), None) = (&f.kind, v) {
            // A record a hand-built message lacks: its fields, each missing.
            return self.group(*g, None, pos, path, sens);
        }
        *pos += f.width;
        self.leaves += 1;
        if self.count_only {
            return;
        }
        self.out.push(Leaf {
            path: path.clone(),
            offset: *pos - f.width,
            length: f.width,
            value: v,
            sensitivity: sens,
            description: f.description.as_deref(),
            entry: false,
        });
    }
}

fn fixed_elements(r: &Repeat) -> usize {
    match r {
        Repeat::One => 1,
        Repeat::Fixed(n) => *n,
        Repeat::Counted { bound, .. } => *bound,
    }
}

/// Equal values, an integer equal whether it is held as `Int` or `UInt`.
fn same(a: Option<&Value<'_>>, b: Option<&Value<'_>>) -> bool {
    match (a, b) {
        (Some(Value::Int(i)), Some(Value::UInt(u)))
        | (Some(Value::UInt(u)), Some(Value::Int(i))) => u64::try_from(*i).is_ok_and(|i| i == *u),
        (a, b) => a == b,
    }
}

impl Schema {
    /// Compares two messages field by field: which fields differ, where each stands in
    /// either telegram, and both values. A repeat of a different count gives its extra
    /// entries (each whole) as present on one side only; two different messages give the
    /// fields they share (a common header) that differ, and
    /// [`MessageDiff::same_message`] says false.
    ///
    /// The messages are read through this schema's layout: a message name it does not
    /// know is compared as having no fields. Fields a hand-built message has beyond the
    /// layout are not looked at.
    ///
    /// # Example
    /// ```
    /// let schema = fep_core::Schema::parse("message m 14 {\n id X(4)\n amount 9(6)\n pin X(4) secret\n}\n")?;
    /// let a = schema.decode(b"A001000100 123")?;
    /// let b = schema.decode(b"A001000250 124")?;
    /// let d = schema.diff(&a, &b);
    /// assert_eq!(d.fields.len(), 2);
    /// assert_eq!(d.fields[0].path, "amount");
    /// assert_eq!((d.fields[0].offset_a, d.fields[0].offset_b), (Some(4), Some(4)));
    /// assert_eq!(d.fields[0].a_text(false).as_deref(), Some("100"));
    /// assert_eq!(d.fields[0].b_text(false).as_deref(), Some("250"));
    /// assert_eq!(d.fields[1].b_text(false).as_deref(), Some("\"****\""));
    /// assert!(d.fields[1].hidden_difference());
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn diff<'d, 'a>(&'d self, a: &'d Message<'a>, b: &'d Message<'a>) -> MessageDiff<'d, 'a> {
        let same_message = a.name() == b.name();
        let mut out = MessageDiff {
            message_a: a.name(),
            message_b: b.name(),
            fields: Vec::new(),
            compared: 0,
        };
        if same_message && a.fields == b.fields {
            // The common case of a migration test: the fields counted, no path kept.
            out.compared = self.flatten(a, true).leaves;
            return out;
        }
        let side_a = self.flatten(a, false).out;
        let side_b = self.flatten(b, false).out;
        let in_b: HashMap<&str, usize> = side_b
            .iter()
            .enumerate()
            .map(|(i, l)| (l.path.as_str(), i))
            .collect();
        let in_a: HashMap<&str, usize> = side_a
            .iter()
            .enumerate()
            .map(|(i, l)| (l.path.as_str(), i))
            .collect();
        // What B alone has, placed after the last leaf before it that A has too.
        let mut after: Vec<Vec<usize>> = vec![Vec::new(); side_a.len() + 1];
        if same_message {
            let mut anchor = 0;
            let mut skip: Option<&str> = None;
            for (j, l) in side_b.iter().enumerate() {
                if let Some(&i) = in_a.get(l.path.as_str()) {
                    anchor = i + 1;
                    continue;
                }
                if skip.is_some_and(|p| inside(&l.path, p)) {
                    continue;
                }
                skip = l.entry.then_some(l.path.as_str());
                after[anchor].push(j);
            }
        }
        let push_b = |out: &mut MessageDiff<'d, 'a>, j: usize| {
            let l = &side_b[j];
            out.fields.push(FieldDiff {
                path: l.path.clone(),
                change: Change::OnlyInB,
                offset_a: None,
                offset_b: Some(l.offset),
                length: l.length,
                a: None,
                b: l.value,
                sensitivity: l.sensitivity,
                description: l.description,
            });
        };
        for &j in &after[0] {
            push_b(&mut out, j);
        }
        let mut skip: Option<&str> = None;
        for (i, l) in side_a.iter().enumerate() {
            if skip.is_some_and(|p| inside(&l.path, p)) {
                continue;
            }
            skip = None;
            match in_b.get(l.path.as_str()) {
                Some(&j) => {
                    let r = &side_b[j];
                    if !l.entry {
                        out.compared += 1;
                        if !same(l.value, r.value) {
                            out.fields.push(FieldDiff {
                                path: l.path.clone(),
                                change: Change::Changed,
                                offset_a: Some(l.offset),
                                offset_b: Some(r.offset),
                                length: l.length,
                                a: l.value,
                                b: r.value,
                                sensitivity: l.sensitivity,
                                description: l.description,
                            });
                        }
                    }
                }
                None if same_message => {
                    if l.entry {
                        skip = Some(l.path.as_str());
                    }
                    out.fields.push(FieldDiff {
                        path: l.path.clone(),
                        change: Change::OnlyInA,
                        offset_a: Some(l.offset),
                        offset_b: None,
                        length: l.length,
                        a: l.value,
                        b: None,
                        sensitivity: l.sensitivity,
                        description: l.description,
                    });
                }
                None => {}
            }
            for &j in &after[i + 1] {
                push_b(&mut out, j);
            }
        }
        // A field both have that one side holds no value for (a hand-built message) shows
        // as a change to or from nothing.
        for f in &mut out.fields {
            if f.change == Change::Changed {
                match (f.a, f.b) {
                    (None, Some(_)) => f.change = Change::OnlyInB,
                    (Some(_), None) => f.change = Change::OnlyInA,
                    _ => {}
                }
            }
        }
        out
    }

    fn flatten<'d, 'a>(&'d self, m: &'d Message<'a>, count_only: bool) -> Flatten<'d, 'a> {
        let s: &Table = &self.inner;
        let mut f = Flatten {
            s,
            out: Vec::new(),
            count_only,
            leaves: 0,
        };
        if let Some(mi) = self.message_index(m.name()) {
            let mut pos = 0;
            let mut path = String::new();
            f.group(
                s.messages[mi].root,
                Some(&m.fields),
                &mut pos,
                &mut path,
                Sensitivity::Plain,
            );
        }
        f
    }
}

/// True when `path` is below the entry `entry` (`items[2].amount` below `items[2]`).
fn inside(path: &str, entry: &str) -> bool {
    path.strip_prefix(entry)
        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

#[cfg(test)]
mod tests;
