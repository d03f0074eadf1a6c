//! Decoding: telegram bytes to a [`Message`].
//!
//! A message whose fields have static offsets (repeats included, see `plan.rs`) decodes
//! through its flat plan, also into a message whose buffers are reused (`decode_into`); the
//! rest take the general walk (`walk.rs`), as does any telegram a plan refuses, so that the
//! errors come from the walk. Both give the same values.

use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::schema::Schema;
use crate::schema::table::MAX_COUNTS;
use crate::value::{Message, Record};
use crate::walk::{Decoder, NoTrace, check_length};

impl Schema {
    /// Decodes one telegram (without its frame), choosing the message by the layout's
    /// `when` conditions.
    ///
    /// Text that is pure ASCII borrows from `telegram`; call
    /// [`Message::into_owned`] to keep the message longer than the bytes.
    ///
    /// # Errors
    /// A [`Category::Data`](crate::Category::Data) error naming the message, the field
    /// path, the byte offset and length, and the raw bytes (never for `mask`/`secret` fields).
    ///
    /// # Example
    /// ```
    /// # let schema = fep_core::Schema::parse("message m 5 {\n n 9(5)\n}\n")?;
    /// let e = schema.decode(b"12a45").unwrap_err();
    /// assert_eq!(e.to_string(), "m.n (bytes 0..5): expected digits, found \"12a45\" (byte 2 of the field, 'a')");
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn decode<'a>(&self, telegram: &'a [u8]) -> Result<Message<'a>> {
        let mi = self.dispatch_index(telegram)?;
        self.decode_index(mi, telegram)
    }

    /// Decodes a telegram as the named message, without looking at its conditions.
    pub fn decode_message<'a>(&self, name: &str, telegram: &'a [u8]) -> Result<Message<'a>> {
        let mi = self
            .message_index(name)
            .ok_or_else(|| Error::data(ErrorKind::UnknownMessage(name.to_owned()), 0, 0, None))?;
        self.decode_index(mi, telegram)
    }

    pub(crate) fn decode_index<'a>(&self, mi: usize, telegram: &'a [u8]) -> Result<Message<'a>> {
        let m = &self.inner.messages[mi];
        if let Some(plan) = &self.inner.plans[mi] {
            check_length(m, telegram).map_err(|e| e.with_message(&m.name))?;
            // Allocated at its size here: growing an empty vector takes the longer path.
            let mut values = Vec::with_capacity(plan.root_values());
            match plan.decode(&self.inner, telegram, &mut values) {
                Ok(()) => {
                    let plain = plan.owns_nothing(telegram, &values);
                    return Ok(Message {
                        name: m.name.clone(),
                        fields: Record {
                            shape: self.inner.groups[m.root as usize].shape.clone(),
                            values,
                        },
                        plain,
                    });
                }
                Err(e) if !plan.has_repeats() => return Err(e.with_message(&m.name)),
                // A plan with repeats gives up: the walk decodes again and says why.
                Err(_) => {}
            }
        }
        let mut fields = Record::new();
        self.decode_fields(mi, telegram, &mut fields)?;
        Ok(Message {
            name: m.name.clone(),
            fields,
            plain: false,
        })
    }

    /// Decodes a telegram into `message`, reusing the allocations of the message it held:
    /// the fast path for a loop over many telegrams.
    ///
    /// A decoded record keeps its field vector, lists keep theirs, nested records are
    /// decoded in place and non-ASCII text is written into the string the field already
    /// had, so that once the buffers have grown to the telegrams' shape, decoding allocates
    /// nothing. ASCII text borrows from `telegram`, as with [`Schema::decode`].
    ///
    /// On error `message` holds a partly decoded value; decode into it again or drop it.
    ///
    /// # Example
    /// ```
    /// # let schema = fep_core::Schema::parse("message m 5 {\n n 9(5)\n}\n")?;
    /// let mut msg = fep_core::Message::default();
    /// for telegram in [&b"00001"[..], b"00002"] {
    ///     schema.decode_into(telegram, &mut msg)?;
    /// }
    /// assert_eq!(msg.get("n").and_then(|v| v.as_i64()), Some(2));
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    pub fn decode_into<'a>(&self, telegram: &'a [u8], message: &mut Message<'a>) -> Result<()> {
        let mi = self.dispatch_index(telegram)?;
        let m = &self.inner.messages[mi];
        if !Arc::ptr_eq(&message.name, &m.name) {
            message.name = m.name.clone();
        }
        // Whatever is written now may own memory until the decode says otherwise.
        let plain = std::mem::replace(&mut message.plain, false);
        // The plan first; at any error the walk decodes again and reports it.
        if let Some(plan) = &self.inner.plans[mi]
            && check_length(m, telegram).is_ok()
            && let Ok(anew) = plan.decode_into(&self.inner, telegram, &mut message.fields, plain)
        {
            message.plain = anew && plan.owns_nothing(telegram, &message.fields.values);
            return Ok(());
        }
        self.decode_fields(mi, telegram, &mut message.fields)
    }

    /// The general walk: decodes into `fields`, reusing what they hold.
    pub(crate) fn decode_fields<'a>(
        &self,
        mi: usize,
        telegram: &'a [u8],
        fields: &mut Record<'a>,
    ) -> Result<()> {
        let s = &*self.inner;
        let m = &s.messages[mi];
        check_length(m, telegram).map_err(|e| e.with_message(&m.name))?;
        let mut d = Decoder {
            s,
            data: telegram,
            counts: [(0, 0, 0); MAX_COUNTS],
            trace: NoTrace,
            path: Vec::new(),
        };
        let mut pos = 0;
        d.group_into(m.root, &mut pos, fields)
            .map_err(|e| e.with_message(&m.name))?;
        if pos != telegram.len() {
            let e = ErrorKind::TooLong {
                expected: pos,
                found: telegram.len(),
            };
            return Err(Error::data(e, pos, telegram.len() - pos, None).with_message(&m.name));
        }
        Ok(())
    }
}
