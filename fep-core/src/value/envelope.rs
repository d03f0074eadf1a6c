//! Which message a value is: the one rule every door (serde, the command line, Python)
//! follows to read `{"message": NAME, "fields": {...}}` or bare fields.
//!
//! The rule, in order:
//!
//! 1. The value is an object (a [`Record`]).
//! 2. An object whose keys are all among `message`, `fields`, `source` and `offset`, and
//!    which has `message` or `fields`, is an *envelope*: `fields` must be there and be an
//!    object, `message`, when there, a string; `source` and `offset` (where a stream tool
//!    found the telegram) are ignored.
//! 3. Any other object is *bare fields*. If it has a `message` or `fields` key beside
//!    other keys, it is an error unless the caller names the message (a layout may have
//!    a field called `message`): mixed keys are most likely a mistyped envelope.
//! 4. The name comes from the envelope's `message`, from the caller, or, when the layout
//!    has exactly one message, is that message. An envelope's name and the caller's must
//!    agree. Without any of these, it is an error.

use std::fmt;

use super::{Message, Record, Value};

/// The envelope's keys.
const MESSAGE: &str = "message";
const FIELDS: &str = "fields";
const OFFSET: &str = "offset";
const SOURCE: &str = "source";

/// Where a value's message name and fields are, by the envelope rule (see
/// [`Envelope::of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Envelope {
    /// `{"message": NAME, "fields": {...}}`: the fields are the object under `fields`.
    Wrapped {
        /// The message's name.
        message: String,
    },
    /// The object is the fields themselves.
    Bare {
        /// The message's name.
        message: String,
    },
}

/// Why a value does not say which message it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeError {
    /// The value is not an object; the type's name (`an integer`).
    NotAnObject(&'static str),
    /// The envelope's `message` is not a string; the type's name.
    NameNotText(&'static str),
    /// The envelope has no `fields`, or they are not an object; the type's name
    /// (`None`: missing).
    FieldsNotObject(Option<&'static str>),
    /// The envelope's name and the caller's disagree.
    NamedTwice {
        /// The name in the value.
        inside: String,
        /// The name the caller gave.
        given: String,
    },
    /// `message` or `fields` beside other keys, without a name from the caller; the
    /// other keys (at most six).
    MixedKeys(Vec<String>),
    /// No name anywhere and more than one message in the layout.
    Unnamed {
        /// The object's keys (at most six).
        keys: Vec<String>,
        /// The layout's messages.
        messages: Vec<String>,
    },
}

/// At most six keys, quoted, for a message.
fn quoted(keys: &[String], more: bool) -> String {
    let mut s = keys
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if more {
        s.push_str(", ...");
    }
    s
}

const KEYS_SHOWN: usize = 6;

impl EnvelopeError {
    /// The error's text, with `how_to_name` saying how the caller names the message where
    /// the text suggests it (`Display` says "name the message"; a door may say
    /// "give --message NAME" or `pass message="NAME"`).
    pub fn describe(&self, how_to_name: &str) -> String {
        Describe(self, how_to_name).to_string()
    }
}

impl fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Describe(self, "name the message").fmt(f)
    }
}

/// An [`EnvelopeError`] with the words for naming the message.
struct Describe<'e>(&'e EnvelopeError, &'e str);

impl fmt::Display for Describe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name_it = self.1;
        const SHAPE: &str = "{\"message\": NAME, \"fields\": {...}}";
        match self.0 {
            EnvelopeError::NotAnObject(t) => write!(f, "expected an object {SHAPE}, found {t}"),
            EnvelopeError::NameNotText(t) => {
                write!(f, "\"message\" must be a message name, found {t}")
            }
            EnvelopeError::FieldsNotObject(None) => {
                write!(f, "expected {SHAPE}: \"fields\" is missing")
            }
            EnvelopeError::FieldsNotObject(Some(t)) => {
                write!(
                    f,
                    "expected {SHAPE}: \"fields\" must be an object, found {t}"
                )
            }
            EnvelopeError::NamedTwice { inside, given } => write!(
                f,
                "the value is message \"{inside}\" but the message named with it is \"{given}\""
            ),
            EnvelopeError::MixedKeys(keys) => write!(
                f,
                "expected {SHAPE}, found also {}; to encode an object with a field called \
                 \"message\" or \"fields\", {name_it}",
                quoted(keys, keys.len() >= KEYS_SHOWN)
            ),
            EnvelopeError::Unnamed { keys, messages } => {
                if keys.is_empty() {
                    write!(f, "expected {SHAPE}, found an empty object")?;
                } else {
                    write!(
                        f,
                        "expected {SHAPE}, found an object with {}",
                        quoted(keys, keys.len() >= KEYS_SHOWN)
                    )?;
                }
                write!(
                    f,
                    "; to encode the fields alone, {name_it} (the layout has {})",
                    messages.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for EnvelopeError {}

impl Envelope {
    /// Which message `record` is and where its fields are, by the rule of this module:
    /// `given` is the name the caller gives (a `--message` option, a `message=` argument),
    /// `messages` the layout's message names (for the one-message case and the error).
    ///
    /// # Example
    /// ```
    /// use fep_core::{Envelope, Record, Value};
    ///
    /// let mut fields = Record::new();
    /// fields.push("amount", Value::Int(1));
    /// // Bare fields of the only message.
    /// assert_eq!(
    ///     Envelope::of(&fields, None, &["transfer"]),
    ///     Ok(Envelope::Bare { message: "transfer".into() })
    /// );
    /// // Bare fields with several messages: the caller must name it.
    /// assert!(Envelope::of(&fields, None, &["transfer", "inquiry"]).is_err());
    /// ```
    pub fn of(
        record: &Record<'_>,
        given: Option<&str>,
        messages: &[&str],
    ) -> Result<Envelope, EnvelopeError> {
        let is_key = |k: &str| k == MESSAGE || k == FIELDS;
        let marked = record.iter().any(|(k, _)| is_key(k));
        let others: Vec<&str> = record
            .iter()
            .map(|(k, _)| k)
            .filter(|k| !is_key(k) && *k != OFFSET && *k != SOURCE)
            .collect();
        let unnamed = || {
            given
                .map(str::to_owned)
                .or_else(|| match messages {
                    [only] => Some((*only).to_owned()),
                    _ => None,
                })
                .ok_or_else(|| EnvelopeError::Unnamed {
                    keys: record
                        .iter()
                        .take(KEYS_SHOWN)
                        .map(|(k, _)| k.to_owned())
                        .collect(),
                    messages: messages.iter().map(|m| (*m).to_owned()).collect(),
                })
        };
        if !marked || (!others.is_empty() && given.is_some()) {
            return unnamed().map(|message| Envelope::Bare { message });
        }
        if !others.is_empty() {
            return Err(EnvelopeError::MixedKeys(
                others
                    .iter()
                    .take(KEYS_SHOWN)
                    .map(|k| (*k).to_owned())
                    .collect(),
            ));
        }
        match record.get(FIELDS) {
            Some(Value::Record(_)) => {}
            other => return Err(EnvelopeError::FieldsNotObject(other.map(Value::type_name))),
        }
        let message = match record.get(MESSAGE) {
            Some(Value::Text(t)) => t.to_string(),
            Some(other) => return Err(EnvelopeError::NameNotText(other.type_name())),
            None => unnamed()?,
        };
        if let Some(g) = given
            && g != message
        {
            return Err(EnvelopeError::NamedTwice {
                inside: message,
                given: g.to_owned(),
            });
        }
        Ok(Envelope::Wrapped { message })
    }

    /// The message's name.
    pub fn message(&self) -> &str {
        match self {
            Envelope::Wrapped { message } | Envelope::Bare { message } => message,
        }
    }

    /// A value as a message, by the rule of [`Envelope::of`]: an envelope, or bare
    /// fields named by `given` or by the layout having one message.
    ///
    /// # Example
    /// ```
    /// use fep_core::{Envelope, Value};
    ///
    /// let v: Value = serde_json::from_str(r#"{"offset": 0, "message": "ping", "fields": {"seq": 1}}"#).unwrap();
    /// let msg = Envelope::open(v, None, &["ping", "pong"]).unwrap();
    /// assert_eq!(msg.name(), "ping");
    /// assert_eq!(msg.get("seq"), Some(&Value::Int(1)));
    /// ```
    pub fn open<'a>(
        value: Value<'a>,
        given: Option<&str>,
        messages: &[&str],
    ) -> Result<Message<'a>, EnvelopeError> {
        let Value::Record(mut record) = value else {
            return Err(EnvelopeError::NotAnObject(value.type_name()));
        };
        Ok(match Envelope::of(&record, given, messages)? {
            Envelope::Wrapped { message } => {
                let fields = match record.remove(FIELDS) {
                    Some(Value::Record(r)) => r,
                    _ => unreachable!("Envelope::of checked the fields"),
                };
                Message::new(&message, fields)
            }
            Envelope::Bare { message } => Message::new(&message, record),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> Value<'static> {
        serde_json::from_str(s).expect("JSON")
    }

    fn open(s: &str, given: Option<&str>, messages: &[&str]) -> Result<String, EnvelopeError> {
        Envelope::open(json(s), given, messages).map(|m| {
            format!(
                "{} {}",
                m.name(),
                serde_json::to_string(m.fields()).expect("JSON")
            )
        })
    }

    const TWO: &[&str] = &["a", "b"];

    #[test]
    fn an_envelope_names_its_message() {
        assert_eq!(
            open(r#"{"message":"b","fields":{"x":1}}"#, None, TWO),
            Ok(r#"b {"x":1}"#.into())
        );
        // The offset stream tools write is ignored; order does not matter.
        assert_eq!(
            open(r#"{"fields":{"x":1},"offset":40,"message":"a"}"#, None, TWO),
            Ok(r#"a {"x":1}"#.into())
        );
        // So is the source the command line writes beside it.
        assert_eq!(
            open(
                r#"{"source":"day1.bin","offset":40,"message":"b","fields":{"x":1}}"#,
                None,
                TWO
            ),
            Ok(r#"b {"x":1}"#.into())
        );
        // The caller may say the same name again.
        assert_eq!(
            open(r#"{"message":"b","fields":{}}"#, Some("b"), TWO),
            Ok("b {}".into())
        );
    }

    #[test]
    fn an_envelope_without_a_name_takes_the_callers_or_the_only_one() {
        assert_eq!(
            open(r#"{"fields":{"x":1}}"#, Some("b"), TWO),
            Ok(r#"b {"x":1}"#.into())
        );
        assert_eq!(
            open(r#"{"fields":{"x":1}}"#, None, &["a"]),
            Ok(r#"a {"x":1}"#.into())
        );
        assert!(matches!(
            open(r#"{"fields":{"x":1}}"#, None, TWO),
            Err(EnvelopeError::Unnamed { .. })
        ));
    }

    #[test]
    fn bare_fields_take_the_callers_name_or_the_only_one() {
        assert_eq!(
            open(r#"{"x":1}"#, Some("b"), TWO),
            Ok(r#"b {"x":1}"#.into())
        );
        assert_eq!(open(r#"{"x":1}"#, None, &["a"]), Ok(r#"a {"x":1}"#.into()));
        assert_eq!(open("{}", None, &["a"]), Ok("a {}".into()));
        // An offset alone is a field like any other.
        assert_eq!(
            open(r#"{"offset":1}"#, None, &["a"]),
            Ok(r#"a {"offset":1}"#.into())
        );
        let e = open(r#"{"x":1,"y":2}"#, None, TWO).expect_err("an error");
        assert_eq!(
            e,
            EnvelopeError::Unnamed {
                keys: vec!["x".into(), "y".into()],
                messages: vec!["a".into(), "b".into()]
            }
        );
        assert_eq!(
            e.to_string(),
            "expected {\"message\": NAME, \"fields\": {...}}, found an object with \"x\", \"y\"; \
             to encode the fields alone, name the message (the layout has a, b)"
        );
        // A layout with no message names (serde's `Message`) needs an envelope.
        assert!(open(r#"{"x":1}"#, None, &[]).is_err());
    }

    #[test]
    fn the_names_must_agree() {
        let e = open(r#"{"message":"a","fields":{}}"#, Some("b"), TWO).expect_err("an error");
        assert_eq!(
            e,
            EnvelopeError::NamedTwice {
                inside: "a".into(),
                given: "b".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "the value is message \"a\" but the message named with it is \"b\""
        );
    }

    #[test]
    fn envelope_keys_beside_others_need_a_name() {
        let e = open(r#"{"message":"a","fields":{},"x":1}"#, None, TWO).expect_err("an error");
        assert_eq!(e, EnvelopeError::MixedKeys(vec!["x".into()]));
        assert!(
            open(r#"{"message":"a","x":1}"#, None, &["a"]).is_err(),
            "even with one message"
        );
        // Named by the caller, the object is the fields: a layout may have a `message` field.
        assert_eq!(
            open(r#"{"message":"hi","x":1}"#, Some("a"), TWO),
            Ok(r#"a {"message":"hi","x":1}"#.into())
        );
    }

    #[test]
    fn a_broken_envelope_is_an_error() {
        assert_eq!(
            open("[1]", None, TWO),
            Err(EnvelopeError::NotAnObject("a list"))
        );
        assert_eq!(
            open(r#"{"message":"a"}"#, None, TWO),
            Err(EnvelopeError::FieldsNotObject(None))
        );
        assert_eq!(
            open(r#"{"message":"a","fields":[1]}"#, None, TWO),
            Err(EnvelopeError::FieldsNotObject(Some("a list")))
        );
        assert_eq!(
            open(r#"{"message":7,"fields":{}}"#, None, TWO),
            Err(EnvelopeError::NameNotText("an integer"))
        );
        assert_eq!(
            EnvelopeError::NotAnObject("an integer").to_string(),
            "expected an object {\"message\": NAME, \"fields\": {...}}, found an integer"
        );
    }
}
