//! Typed access for Rust services: `schema.decode_as::<Transfer>(&bytes)` and
//! `schema.encode_from("transfer", &transfer)`, driven by serde directly over the decoded
//! values (a [`Deserializer`] over [`Value`] and a [`Serializer`] into it), never through
//! JSON text.
//!
//! Errors name the field path and say what the layout has and what the type wanted.

use std::borrow::Cow;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::ser::{self, Serialize};
use serde::{Deserialize, Serializer};

use crate::error::{Error, ErrorKind, Result};
use crate::schema::Schema;
use crate::value::{Date, DateTime, Decimal, Record, Time, Value};

/// The error of the value (de)serializers: a message and the path where it happened.
#[derive(Debug)]
pub(crate) struct TypedError {
    msg: String,
    path: Vec<String>,
}

impl fmt::Display for TypedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}
impl std::error::Error for TypedError {}

impl de::Error for TypedError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        TypedError {
            msg: msg.to_string(),
            path: Vec::new(),
        }
    }
    fn missing_field(field: &'static str) -> Self {
        TypedError {
            msg: format!("the type needs a field `{field}` that this message does not have"),
            path: Vec::new(),
        }
    }
}

impl ser::Error for TypedError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        TypedError {
            msg: msg.to_string(),
            path: Vec::new(),
        }
    }
}

impl TypedError {
    fn at(mut self, segment: String) -> Self {
        self.path.push(segment);
        self
    }

    fn into_error(self, message: &str) -> Error {
        let mut e = Error::value(ErrorKind::BadValue(self.msg));
        for seg in &self.path {
            e = e.prepend_path(seg);
        }
        e.with_message(&std::sync::Arc::from(message))
    }
}

impl Schema {
    /// Decodes a telegram straight into a Rust type with serde.
    ///
    /// Integers, decimals (as [`Decimal`] or a string), dates ([`Date`], or a string), text
    /// (borrowed `&str` when it is ASCII, or `String`), lists and nested structs map as in
    /// JSON; a blank numeric is `None` for an `Option`.
    ///
    /// # Example
    /// ```
    /// #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    /// struct Ping { kind: String, seq: u32, amount: Option<fep_core::Decimal> }
    ///
    /// let schema = fep_core::Schema::parse("message ping 17 {\n kind X(4)\n seq 9(6)\n amount 9(5)V9(2)\n}\n")?;
    /// let p: Ping = schema.decode_as(b"PING0000420001250")?;
    /// assert_eq!(p.seq, 42);
    /// assert_eq!(p.amount.unwrap().to_string(), "12.50");
    /// assert_eq!(schema.encode_from("ping", &p)?, b"PING0000420001250");
    /// # Ok::<(), fep_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// Decode errors as [`Schema::decode`]; a field the type needs that the message lacks,
    /// or a value of the wrong type, names the field and both sides.
    pub fn decode_as<'a, T: Deserialize<'a>>(&self, telegram: &'a [u8]) -> Result<T> {
        let (name, fields) = self.decode(telegram)?.into_parts();
        T::deserialize(ValueDe(Value::Record(fields))).map_err(|e| e.into_error(&name))
    }

    /// Encodes a Rust value as the named message, with serde.
    ///
    /// # Errors
    /// A value serde cannot map (a float, a map with non-string keys) or any encode error,
    /// with the field path.
    pub fn encode_from<T: Serialize + ?Sized>(&self, message: &str, value: &T) -> Result<Vec<u8>> {
        let v = value
            .serialize(ValueSer)
            .map_err(|e| e.into_error(message))?;
        match v {
            Value::Record(r) => self.encode_record(message, &r),
            other => Err(Error::value(ErrorKind::WrongType {
                expected: "a struct or map",
                found: other.type_name(),
            })),
        }
    }
}

// ------------------------------------------------------------------ deserializer

struct ValueDe<'a>(Value<'a>);

impl<'de> IntoDeserializer<'de, TypedError> for ValueDe<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for ValueDe<'de> {
    type Error = TypedError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypedError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            Value::Int(i) => visitor.visit_i64(i),
            Value::UInt(u) => visitor.visit_u64(u),
            Value::Decimal(d) => visitor.visit_string(d.to_string()),
            Value::Text(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Value::Text(Cow::Owned(s)) => visitor.visit_string(s),
            Value::Bytes(Cow::Borrowed(b)) => visitor.visit_borrowed_bytes(b),
            Value::Bytes(Cow::Owned(b)) => visitor.visit_byte_buf(b),
            Value::Date(d) => visitor.visit_string(d.to_string()),
            Value::Time(t) => visitor.visit_string(t.to_string()),
            Value::DateTime(t) => visitor.visit_string(t.to_string()),
            Value::List(l) => visitor.visit_seq(ListAccess {
                iter: l.into_iter(),
                index: 0,
            }),
            Value::Record(r) => {
                let names: Vec<String> = r.iter().map(|(n, _)| n.to_owned()).collect();
                visitor.visit_map(RecordAccess {
                    names: names.into_iter(),
                    values: r.values.into_iter(),
                    current: None,
                })
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypedError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(ValueDe(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TypedError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TypedError> {
        match self.0 {
            Value::Text(t) => visitor.visit_enum(t.into_owned().into_deserializer()),
            other => Err(de::Error::custom(format!(
                "expected text for an enum, found {}",
                other.type_name()
            ))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct ListAccess<'a> {
    iter: std::vec::IntoIter<Value<'a>>,
    index: usize,
}

impl<'de> SeqAccess<'de> for ListAccess<'de> {
    type Error = TypedError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TypedError> {
        match self.iter.next() {
            None => Ok(None),
            Some(v) => {
                let i = self.index;
                self.index += 1;
                seed.deserialize(ValueDe(v))
                    .map(Some)
                    .map_err(|e| e.at(format!("[{i}]")))
            }
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct RecordAccess<'a> {
    names: std::vec::IntoIter<String>,
    values: std::vec::IntoIter<Value<'a>>,
    current: Option<String>,
}

impl<'de> MapAccess<'de> for RecordAccess<'de> {
    type Error = TypedError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TypedError> {
        match self.names.next() {
            None => Ok(None),
            Some(n) => {
                self.current = Some(n.clone());
                seed.deserialize(n.into_deserializer()).map(Some)
            }
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TypedError> {
        let v = self
            .values
            .next()
            .ok_or_else(|| de::Error::custom("a value without a name"))?;
        let name = self.current.take().unwrap_or_default();
        let kind = v.type_name();
        seed.deserialize(ValueDe(v)).map_err(|e| {
            let e = if e.path.is_empty() && e.msg.starts_with("invalid type") {
                TypedError {
                    msg: format!("{} (the layout gives {kind})", e.msg),
                    path: e.path,
                }
            } else {
                e
            };
            e.at(name)
        })
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.values.len())
    }
}

// ------------------------------------------------------------------ serializer

struct ValueSer;

fn int<E: ser::Error>(v: i128) -> Result<Value<'static>, E> {
    if let Ok(i) = i64::try_from(v) {
        Ok(Value::Int(i))
    } else if let Ok(u) = u64::try_from(v) {
        Ok(Value::UInt(u))
    } else {
        Ok(Value::Decimal(Decimal::new(v, 0)))
    }
}

impl Serializer for ValueSer {
    type Ok = Value<'static>;
    type Error = TypedError;
    type SerializeSeq = SeqSer;
    type SerializeTuple = SeqSer;
    type SerializeTupleStruct = SeqSer;
    type SerializeTupleVariant = ser::Impossible<Value<'static>, TypedError>;
    type SerializeMap = MapSer;
    type SerializeStruct = MapSer;
    type SerializeStructVariant = ser::Impossible<Value<'static>, TypedError>;

    fn serialize_bool(self, _v: bool) -> Result<Self::Ok, TypedError> {
        Err(ser::Error::custom(
            "a bool has no telegram form; use a string or a number",
        ))
    }
    fn serialize_i8(self, v: i8) -> Result<Self::Ok, TypedError> {
        int(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Self::Ok, TypedError> {
        int(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Self::Ok, TypedError> {
        int(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Self::Ok, TypedError> {
        int(v.into())
    }
    fn serialize_i128(self, v: i128) -> Result<Self::Ok, TypedError> {
        int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<Self::Ok, TypedError> {
        int(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Self::Ok, TypedError> {
        int(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Self::Ok, TypedError> {
        int(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Self::Ok, TypedError> {
        int(v.into())
    }
    fn serialize_u128(self, v: u128) -> Result<Self::Ok, TypedError> {
        i128::try_from(v)
            .map_err(|_| ser::Error::custom("integer too large"))
            .and_then(int)
    }
    fn serialize_f32(self, v: f32) -> Result<Self::Ok, TypedError> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Self::Ok, TypedError> {
        Err(ser::Error::custom(format!(
            "a float ({v}) is not an exact amount; use fep_core::Decimal, an integer or a decimal string"
        )))
    }
    fn serialize_char(self, v: char) -> Result<Self::Ok, TypedError> {
        Ok(Value::Text(Cow::Owned(v.to_string())))
    }
    fn serialize_str(self, v: &str) -> Result<Self::Ok, TypedError> {
        Ok(Value::Text(Cow::Owned(v.to_owned())))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Self::Ok, TypedError> {
        Ok(Value::Bytes(Cow::Owned(v.to_vec())))
    }
    fn serialize_none(self) -> Result<Self::Ok, TypedError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, TypedError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Self::Ok, TypedError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Self::Ok, TypedError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
    ) -> Result<Self::Ok, TypedError> {
        Ok(Value::Text(Cow::Borrowed(variant)))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Self::Ok, TypedError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<Self::Ok, TypedError> {
        Err(ser::Error::custom(format!(
            "the enum variant {variant} carries data; only plain variants map to text"
        )))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer, TypedError> {
        Ok(SeqSer(Vec::with_capacity(len.unwrap_or(0).min(1024))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqSer, TypedError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _n: &'static str, len: usize) -> Result<SeqSer, TypedError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, TypedError> {
        Err(ser::Error::custom(format!(
            "the enum variant {variant} carries data; only plain variants map to text"
        )))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer, TypedError> {
        Ok(MapSer {
            rec: Record::new(),
            key: None,
        })
    }
    fn serialize_struct(self, _n: &'static str, len: usize) -> Result<MapSer, TypedError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, TypedError> {
        Err(ser::Error::custom(format!(
            "the enum variant {variant} carries data; only plain variants map to text"
        )))
    }
}

struct SeqSer(Vec<Value<'static>>);

impl ser::SerializeSeq for SeqSer {
    type Ok = Value<'static>;
    type Error = TypedError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TypedError> {
        let i = self.0.len();
        self.0.push(
            value
                .serialize(ValueSer)
                .map_err(|e| e.at(format!("[{i}]")))?,
        );
        Ok(())
    }
    fn end(self) -> Result<Value<'static>, TypedError> {
        Ok(Value::List(self.0))
    }
}
impl ser::SerializeTuple for SeqSer {
    type Ok = Value<'static>;
    type Error = TypedError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TypedError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value<'static>, TypedError> {
        ser::SerializeSeq::end(self)
    }
}
impl ser::SerializeTupleStruct for SeqSer {
    type Ok = Value<'static>;
    type Error = TypedError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TypedError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value<'static>, TypedError> {
        ser::SerializeSeq::end(self)
    }
}

struct MapSer {
    rec: Record<'static>,
    key: Option<String>,
}

impl ser::SerializeMap for MapSer {
    type Ok = Value<'static>;
    type Error = TypedError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), TypedError> {
        match key.serialize(ValueSer)? {
            Value::Text(t) => {
                self.key = Some(t.into_owned());
                Ok(())
            }
            other => Err(ser::Error::custom(format!(
                "a map key must be a string, not {}",
                other.type_name()
            ))),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TypedError> {
        let key = self.key.take().unwrap_or_default();
        let v = value.serialize(ValueSer).map_err(|e| e.at(key.clone()))?;
        self.rec.push(key, v);
        Ok(())
    }
    fn end(self) -> Result<Value<'static>, TypedError> {
        Ok(Value::Record(self.rec))
    }
}

impl ser::SerializeStruct for MapSer {
    type Ok = Value<'static>;
    type Error = TypedError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), TypedError> {
        let v = value
            .serialize(ValueSer)
            .map_err(|e| e.at(key.to_owned()))?;
        self.rec.push(key, v);
        Ok(())
    }
    fn end(self) -> Result<Value<'static>, TypedError> {
        Ok(Value::Record(self.rec))
    }
}

// ------------------------------------------------------------------ serde for the scalars

macro_rules! serde_via_text {
    ($($t:ty, $what:literal);*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<$t, E> {
                        v.parse().map_err(|e| E::custom(format!("{e}: {v:?}")))
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<$t, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<$t, E> {
                        self.visit_str(&v.to_string())
                    }
                }
                d.deserialize_any(V)
            }
        }
    )*};
}

serde_via_text!(
    Decimal, "an exact decimal (a string such as \"12.50\", or an integer)";
    Date, "a date string YYYY-MM-DD";
    Time, "a time string hh:mm:ss";
    DateTime, "a datetime string YYYY-MM-DDThh:mm:ss"
);
