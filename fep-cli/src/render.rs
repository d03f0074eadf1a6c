//! Values and bytes as text: JSON lines, pretty JSON, hex, counts, where a telegram is.

use std::fmt::Write as _;

use fep_core::{Frame, Message, Schema, Value};

/// A decoded telegram as one JSON line:
/// `{"source":INPUT,"offset":N,"message":NAME,"fields":{...}}`, where `offset` is the byte
/// offset of the telegram's frame in `source`; `mask`/`secret` fields hidden unless
/// `reveal`. `encode` reads it back (it ignores `source` and `offset`).
pub fn jsonl(msg: &Message<'_>, source: &str, offset: u64, reveal: bool) -> String {
    let source = serde_json::to_string(source).unwrap_or_default();
    let name = serde_json::to_string(msg.name()).unwrap_or_default();
    let fields = if reveal {
        serde_json::to_string(msg.fields())
    } else {
        serde_json::to_string(&msg.fields().redacted())
    }
    .unwrap_or_default();
    format!("{{\"source\":{source},\"offset\":{offset},\"message\":{name},\"fields\":{fields}}}")
}

/// A decoded telegram as pretty JSON with where it came from, as an entry of decode's
/// `--format json` array: `{"source": INPUT, "offset": N, "message": NAME, "fields": {...}}`.
pub fn pretty_with_source(msg: &Message<'_>, source: &str, offset: u64, reveal: bool) -> String {
    let body = pretty(msg, reveal);
    let source = serde_json::to_string(source).unwrap_or_default();
    // The message's pretty JSON is an object opening with "{\n"; its keys follow.
    match body.strip_prefix("{\n") {
        Some(rest) => format!("{{\n  \"source\": {source},\n  \"offset\": {offset},\n{rest}"),
        None => body,
    }
}

/// A decoded telegram as pretty JSON, exactly as the samples in `layouts/` are written.
pub fn pretty(msg: &Message<'_>, reveal: bool) -> String {
    if reveal {
        serde_json::to_string_pretty(msg)
    } else {
        serde_json::to_string_pretty(&msg.redacted())
    }
    .unwrap_or_default()
}

/// A scalar value as plain text; `None` for null, lists and records.
pub fn scalar_text(v: &Value<'_>) -> Option<String> {
    v.to_text()
}

/// Lowercase hex without separators, as JSON writes `B` fields.
pub fn hex_compact(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The layout's framing as the layout language writes it.
pub fn framing(schema: &Schema) -> String {
    schema.framing().to_string()
}

/// Thousands separators: `100,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Where a telegram is in its input: `at byte 0 of X`, or for a framed one
/// `frame at byte 0 of X, telegram at byte 4`.
pub fn whence(frame: &Frame, label: &str) -> String {
    if frame.telegram_offset == frame.offset {
        format!("at byte {} of {label}", frame.offset)
    } else {
        format!(
            "frame at byte {} of {label}, telegram at byte {}",
            frame.offset, frame.telegram_offset
        )
    }
}
