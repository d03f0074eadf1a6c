//! Field paths: `header.msg_code`, `items[2].amount`, and the layout's form of a field in
//! a repeat, `items[].amount`. One parser for every place that takes a path.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Result};

/// A path to a field of a message: names joined by `.`, each name followed by any number
/// of entry indices in brackets.
///
/// - `header.msg_code`: the field `msg_code` of the record `header`;
/// - `items[2].amount`: the field `amount` of the third entry of the repeat `items`;
/// - `items[].amount`: the same field of every entry, as the layout's field table writes
///   it ([`FieldInfo::path`](crate::FieldInfo::path)); see [`PathSegment::Each`].
///
/// A path starts with a name; names are not empty and hold no `.`, `[` or `]`; an index
/// is decimal digits. [`Display`](fmt::Display) writes the canonical text (`a.b[2].c`,
/// without leading zeros in indices), which parses back to an equal path.
///
/// # Example
/// ```
/// use fep_core::{FieldPath, PathSegment};
///
/// let path: FieldPath = "items[2].amount".parse()?;
/// assert_eq!(
///     path.segments().collect::<Vec<_>>(),
///     [PathSegment::Name("items"), PathSegment::Index(2), PathSegment::Name("amount")]
/// );
/// assert_eq!(path.last_name(), "amount");
/// assert_eq!(path.without_indices().to_string(), "items[].amount");
/// assert_eq!(path.parent().map(|p| p.to_string()).as_deref(), Some("items[2]"));
/// assert!(FieldPath::parse("items[x].amount").is_err());
/// # Ok::<(), fep_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath {
    /// The canonical text, checked: iterating it with [`Segments`] cannot go wrong.
    text: Box<str>,
}

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathSegment<'p> {
    /// A field by name.
    Name(&'p str),
    /// An entry of a repeat, counted from 0: `[2]`.
    Index(usize),
    /// Every entry of a repeat, `[]`: the form of a path in the layout's field table.
    Each,
}

/// The segments of a [`FieldPath`], in order (see [`FieldPath::segments`]).
#[derive(Debug, Clone)]
pub struct Segments<'p> {
    rest: &'p str,
}

impl<'p> Iterator for Segments<'p> {
    type Item = PathSegment<'p>;

    fn next(&mut self) -> Option<PathSegment<'p>> {
        let (seg, len) = first_segment(self.rest)?;
        self.rest = &self.rest[len..];
        Some(seg)
    }
}

/// The first segment of checked path text and the bytes it takes (with a leading `.`).
fn first_segment(text: &str) -> Option<(PathSegment<'_>, usize)> {
    if let Some(rest) = text.strip_prefix('[') {
        let end = rest.find(']')?;
        let digits = &rest[..end];
        let seg = if digits.is_empty() {
            PathSegment::Each
        } else {
            PathSegment::Index(digits.parse().ok()?)
        };
        return Some((seg, end + 2));
    }
    let (skip, rest) = match text.strip_prefix('.') {
        Some(r) => (1, r),
        None => (0, text),
    };
    if rest.is_empty() {
        return None;
    }
    let end = rest.find(['.', '[']).unwrap_or(rest.len());
    Some((PathSegment::Name(&rest[..end]), skip + end))
}

fn bad(path: &str, why: &str) -> Error {
    Error::value(ErrorKind::BadPath(format!(
        "bad field path \"{path}\": {why}"
    )))
}

/// Checks `text` as a path; with `relative`, it may start with an index (a path below a
/// list value). Returns whether the text is canonical (no leading zeros in an index).
fn check(text: &str, relative: bool) -> Result<bool> {
    if text.is_empty() {
        return Err(bad(text, "the path is empty"));
    }
    let mut canonical = true;
    // After a name or an index, before a `.` or an index: a name may not follow directly.
    let mut rest = text;
    let mut first = true;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            if first && !relative {
                return Err(bad(text, "a path starts with a field name, not an index"));
            }
            let Some(end) = r.find(']') else {
                return Err(bad(text, "an index without its closing \"]\""));
            };
            let digits = &r[..end];
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(text, "an index is decimal digits, such as [2]"));
            }
            if digits.parse::<usize>().is_err() && !digits.is_empty() {
                return Err(bad(text, "an index too large"));
            }
            canonical &= !(digits.len() > 1 && digits.starts_with('0'));
            rest = &r[end + 1..];
        } else {
            let name_part = if first {
                rest
            } else if let Some(r) = rest.strip_prefix('.') {
                r
            } else {
                return Err(bad(text, "a name follows an index without a \".\""));
            };
            let end = name_part.find(['.', '[', ']']).unwrap_or(name_part.len());
            if end == 0 {
                return Err(bad(text, "an empty field name"));
            }
            if name_part[end..].starts_with(']') {
                return Err(bad(text, "a \"]\" without its \"[\""));
            }
            rest = &name_part[end..];
        }
        first = false;
    }
    Ok(canonical)
}

/// Checks `text` as a path below a value (it may start with an index) and gives its
/// segments, without allocating; for the `&str` lookups.
pub(crate) fn relative_segments(text: &str) -> Result<Segments<'_>> {
    check(text, true)?;
    Ok(Segments { rest: text })
}

/// Checks `text` as a path and gives its segments, without allocating.
pub(crate) fn segments_of(text: &str) -> Result<Segments<'_>> {
    check(text, false)?;
    Ok(Segments { rest: text })
}

impl FieldPath {
    /// Parses a path: `header.msg_code`, `items[2].amount`, `items[].amount`.
    ///
    /// # Errors
    /// [`ErrorKind::BadPath`] for an empty path, an empty name (`a..b`, `a.`), an index
    /// that is not decimal digits (`a[x]`) or not closed (`a[`), or a path that starts with
    /// an index (`[1]`).
    pub fn parse(text: &str) -> Result<FieldPath> {
        if check(text, false)? {
            Ok(FieldPath { text: text.into() })
        } else {
            Ok(FieldPath::from_segments(Segments { rest: text }))
        }
    }

    /// A path of the given segments (a first segment that is not a name is the caller's
    /// promise that the path is relative).
    fn from_segments<'p>(segs: impl Iterator<Item = PathSegment<'p>>) -> FieldPath {
        let mut text = String::new();
        for seg in segs {
            match seg {
                PathSegment::Name(n) => {
                    if !text.is_empty() {
                        text.push('.');
                    }
                    text.push_str(n);
                }
                PathSegment::Index(i) => {
                    use fmt::Write;
                    let _ = write!(text, "[{i}]");
                }
                PathSegment::Each => text.push_str("[]"),
            }
        }
        FieldPath { text: text.into() }
    }

    /// The canonical text: `items[2].amount`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The segments in order: names, indices and `[]`.
    pub fn segments(&self) -> Segments<'_> {
        Segments { rest: &self.text }
    }

    /// The last name: `amount` for `items[2].amount`, `items` for `items[2]`.
    pub fn last_name(&self) -> &str {
        self.segments()
            .filter_map(|s| match s {
                PathSegment::Name(n) => Some(n),
                _ => None,
            })
            .last()
            .unwrap_or_default()
    }

    /// The path without its last segment: `items[2]` for `items[2].amount`, `items` for
    /// `items[2]`; `None` for a single name.
    pub fn parent(&self) -> Option<FieldPath> {
        let n = self.segments().count();
        self.prefix(n.checked_sub(1)?)
    }

    /// The first `n` segments: `items[2]` for `items[2].amount` and 2; `None` when `n` is 0
    /// or more than the path has.
    pub fn prefix(&self, n: usize) -> Option<FieldPath> {
        if n == 0 {
            return None;
        }
        let mut rest: &str = &self.text;
        for _ in 0..n {
            let (_, len) = first_segment(rest)?;
            rest = &rest[len..];
        }
        let end = self.text.len() - rest.len();
        Some(FieldPath {
            text: self.text[..end].into(),
        })
    }

    /// The path up to its first index or `[]`, the outermost repeat it goes into:
    /// `items[2]` for `items[2].memo[1]`, `items[]` for `items[].memo`; `None` when it goes
    /// into no repeat.
    pub fn repeat_prefix(&self) -> Option<FieldPath> {
        let n = self
            .segments()
            .position(|s| matches!(s, PathSegment::Index(_) | PathSegment::Each))?;
        self.prefix(n + 1)
    }

    /// True when a segment is an index or `[]`: the path goes into a repeat.
    pub fn has_indices(&self) -> bool {
        self.text.contains('[')
    }

    /// The path as the layout's field table writes it, every index `[]`:
    /// `items[].amount` for `items[2].amount`.
    pub fn without_indices(&self) -> FieldPath {
        FieldPath::from_segments(self.segments().map(|s| match s {
            PathSegment::Index(_) => PathSegment::Each,
            other => other,
        }))
    }

    /// The path of a field below this one: `items[2].memo` for `items[2]` and `memo`.
    ///
    /// # Errors
    /// [`ErrorKind::BadPath`] when `name` is empty or holds `.`, `[` or `]`.
    pub fn child(&self, name: &str) -> Result<FieldPath> {
        if name.is_empty() || name.contains(['.', '[', ']']) {
            return Err(bad(
                name,
                "a field name is not empty and holds no \".\", \"[\" or \"]\"",
            ));
        }
        Ok(FieldPath {
            text: format!("{}.{name}", self.text).into(),
        })
    }

    /// The path of an entry of this repeat: `items[2]` for `items` and 2.
    pub fn entry(&self, index: usize) -> FieldPath {
        FieldPath {
            text: format!("{}[{index}]", self.text).into(),
        }
    }
}

impl FromStr for FieldPath {
    type Err = Error;

    fn from_str(s: &str) -> Result<FieldPath> {
        FieldPath::parse(s)
    }
}

impl TryFrom<&str> for FieldPath {
    type Error = Error;

    fn try_from(s: &str) -> Result<FieldPath> {
        FieldPath::parse(s)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldPath({:?})", &*self.text)
    }
}

impl AsRef<str> for FieldPath {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<PathSegment<'_>> {
        segments_of(p).expect("path").collect()
    }

    #[test]
    fn parses_names_indices_and_each() {
        use PathSegment::*;
        assert_eq!(segs("a"), [Name("a")]);
        assert_eq!(segs("header.msg_code"), [Name("header"), Name("msg_code")]);
        assert_eq!(
            segs("a.b[2].c"),
            [Name("a"), Name("b"), Index(2), Name("c")]
        );
        assert_eq!(segs("a[1][2]"), [Name("a"), Index(1), Index(2)]);
        assert_eq!(
            segs("items[].amount"),
            [Name("items"), Each, Name("amount")]
        );
        assert_eq!(segs("금액.명"), [Name("금액"), Name("명")]);
        let long = "x".repeat(100);
        assert_eq!(segs(&long), [Name(&long[..])]);
    }

    #[test]
    fn rejects_bad_paths() {
        for bad in [
            "",
            "a..b",
            "a.",
            ".a",
            "a[",
            "a[x]",
            "a[-1]",
            "a[+1]",
            "[1]",
            "[1].a",
            "a]",
            "a]b",
            "a[1]b",
            "a[1",
            "a[99999999999999999999999]",
        ] {
            let e = FieldPath::parse(bad).expect_err(bad);
            assert!(matches!(e.kind(), ErrorKind::BadPath(_)), "{bad}: {e:?}");
            assert!(e.to_string().contains(&format!("\"{bad}\"")), "{e}");
        }
        assert_eq!(
            FieldPath::parse("a..b").expect_err("bad path").to_string(),
            "bad field path \"a..b\": an empty field name"
        );
    }

    #[test]
    fn relative_paths_may_start_with_an_index() {
        use PathSegment::*;
        let s: Vec<_> = relative_segments("[1].a").expect("path").collect();
        assert_eq!(s, [Index(1), Name("a")]);
        assert!(relative_segments("[1]..a").is_err());
    }

    #[test]
    fn displays_canonical_text() {
        for p in ["a", "a.b[2].c", "items[].amount", "a[1][2]"] {
            assert_eq!(FieldPath::parse(p).expect("path").to_string(), p);
        }
        let p: FieldPath = "a[002].b[0]".parse().expect("path");
        assert_eq!(p.to_string(), "a[2].b[0]");
        assert_eq!(p, FieldPath::parse("a[2].b[0]").expect("path"));
        assert_eq!(format!("{p:?}"), "FieldPath(\"a[2].b[0]\")");
    }

    #[test]
    fn parts() {
        let p = FieldPath::parse("a.b[2].c").expect("path");
        assert_eq!(p.last_name(), "c");
        assert_eq!(p.parent().expect("path").as_str(), "a.b[2]");
        assert_eq!(p.parent().expect("path").last_name(), "b");
        assert_eq!(p.prefix(2).expect("path").as_str(), "a.b");
        assert_eq!(p.prefix(4).expect("path"), p);
        assert_eq!(p.prefix(5), None);
        assert_eq!(p.prefix(0), None);
        assert_eq!(FieldPath::parse("a").expect("path").parent(), None);
        assert_eq!(p.without_indices().as_str(), "a.b[].c");
        assert!(p.has_indices());
        assert_eq!(p.repeat_prefix().expect("path").as_str(), "a.b[2]");
        let t = FieldPath::parse("items[].memo[]").expect("path");
        assert_eq!(t.repeat_prefix().expect("path").as_str(), "items[]");
        assert_eq!(FieldPath::parse("a.b").expect("path").repeat_prefix(), None);
        assert!(!FieldPath::parse("a.b").expect("path").has_indices());
        let items = FieldPath::parse("items").expect("path");
        assert_eq!(
            items.entry(3).child("memo").expect("path").as_str(),
            "items[3].memo"
        );
        assert!(items.child("a.b").is_err());
        assert!(items.child("").is_err());
    }
}
