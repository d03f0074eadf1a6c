//! `fep encode`: JSON as decode writes it (an object, an array of objects, or JSON lines)
//! back to framed telegrams, byte for byte.
//!
//! The JSON is read as a stream, one value at a time, so `decode | encode` of a large
//! capture runs in constant memory. Errors name the JSON line, the JSON path and the
//! layout's field.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::Path;
use std::rc::Rc;

use fep_core::{
    Envelope, EnvelopeError, FieldPath, Framer, LineEnding, Message, PathSegment, Record, Schema,
    Sensitivity, Value,
};

use crate::args::{ColorChoice, EncodeArgs, LineEndingArg};
use crate::batch::Filler;
use crate::failure::{self, Failure};
use crate::render;
use crate::style::Style;

pub fn run(args: &EncodeArgs, color: ColorChoice) -> Result<(), Failure> {
    let schema = crate::check::load(&args.layout, color)?;
    if let Some(name) = &args.message {
        crate::check::require_message(&schema, name)?;
    }
    // Raw bytes on a terminal are noise at best and control sequences at worst.
    if args.output.is_none() && !args.hex && io::stdout().is_terminal() {
        return Err(Failure::usage(
            "encode writes telegrams as bytes, which a terminal cannot show: give --hex to \
             see them as hex, -o FILE to write a file, or redirect standard output (> FILE)",
        ));
    }
    let input = open(args.json.as_deref())?;
    let sink: Box<dyn Write> = match &args.output {
        Some(p) if p != Path::new("-") => {
            Box::new(File::create(p).map_err(|e| Failure::io(&e, p))?)
        }
        _ => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    let r = encode_to(&schema, args, input, &mut out);
    // The telegrams before a bad value are written, as decode writes those before a bad one.
    let flushed = out.flush().map_err(Failure::output);
    r.and(flushed)
}

/// JSON (a file, `-` or the text itself) to framed telegrams, as `fep encode` writes them:
/// for `fep diff`, which compares JSON with telegrams.
pub fn json_to_telegrams(
    schema: &Schema,
    json: &str,
    message: Option<&str>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let args = EncodeArgs {
        layout: Default::default(),
        message: message.map(str::to_owned),
        json: Some(json.to_owned()),
        hex: false,
        output: None,
        no_frame: false,
        line_ending: LineEndingArg::Crlf,
        no_checks: false,
    };
    let input = open(args.json.as_deref())?;
    encode_to(schema, &args, input, out)
}

/// Reads the JSON (opened, with its label) and writes its telegrams to `out`.
fn encode_to(
    schema: &Schema,
    args: &EncodeArgs,
    (reader, label): (Box<dyn Read>, String),
    out: &mut impl Write,
) -> Result<(), Failure> {
    let lines = Rc::new(Cell::new(Lines::default()));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let tracked = Tracked {
        inner: BufReader::new(reader),
        lines: lines.clone(),
        seen: seen.clone(),
    };
    let framer = Framer::new(schema).line_ending(match args.line_ending {
        LineEndingArg::Crlf => LineEnding::CrLf,
        LineEndingArg::Lf => LineEnding::Lf,
    });
    let stream = serde_json::Deserializer::from_reader(tracked).into_iter::<Value<'static>>();
    encode_all(stream, (&lines, &seen), &label, schema, &framer, args, out)
}

fn encode_all<R: Read>(
    stream: serde_json::StreamDeserializer<'_, serde_json::de::IoRead<R>, Value<'static>>,
    (lines, seen): (&Cell<Lines>, &RefCell<Vec<u8>>),
    label: &str,
    schema: &Schema,
    framer: &Framer,
    args: &EncodeArgs,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let names: Vec<&str> = schema.messages().map(|m| m.name()).collect();
    let mut fill = Filler::new(schema, args.no_checks);
    let mut n = 0usize;
    for value in stream {
        let value = value.map_err(|e| {
            let seen = seen.borrow();
            let upto = up_to_error(&seen, lines.get().current, &e);
            json_failure(label, &e, n, upto)
        })?;
        n += 1;
        {
            // Keep the current line's start: serde_json's columns count from it.
            let mut seen = seen.borrow_mut();
            let keep = seen.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            seen.drain(..keep);
        }
        let at = Where {
            label,
            line: lines.get().start,
            value: n,
        };
        // The next value starts after this one.
        lines.set(Lines {
            start: 0,
            ..lines.get()
        });
        match value {
            Value::List(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    let prefix = format!("[{i}]");
                    let msg = message(item, args.message.as_deref(), &names, &at, &prefix)?;
                    write(out, schema, framer, &msg, args, &at, &prefix, &mut fill)?;
                }
            }
            other => {
                let msg = message(other, args.message.as_deref(), &names, &at, "")?;
                write(out, schema, framer, &msg, args, &at, "", &mut fill)?;
            }
        }
    }
    if n == 0 {
        return Err(Failure::data(format!("{label}: no JSON value in it")));
    }
    // A batch left open gets its trailer, computed.
    if let Some(trailer) = fill.end() {
        let at = Where {
            label,
            line: lines.get().start,
            value: n,
        };
        let trailer = trailer.map_err(|e| Failure::core(&e, &at.text(), Style::plain()))?;
        emit(out, schema, framer, &trailer, args, &at, "", &mut fill)?;
    }
    Ok(())
}

/// The JSON input: a file, standard input, or the text itself.
fn open(arg: Option<&str>) -> Result<(Box<dyn Read>, String), Failure> {
    match arg {
        None | Some("-") => {
            if arg.is_none() && io::stdin().is_terminal() {
                return Err(Failure::usage(
                    "no JSON: give a file, - for standard input, or the JSON text itself",
                ));
            }
            Ok((Box::new(io::stdin().lock()), "standard input".into()))
        }
        Some(text) if text.trim_start().starts_with(['{', '[']) => Ok((
            Box::new(io::Cursor::new(text.as_bytes().to_vec())),
            "the JSON argument".into(),
        )),
        Some("") => Err(Failure::usage(
            "the JSON argument is empty: give a file, - for standard input, or the JSON text",
        )),
        Some(path) => {
            let p = Path::new(path);
            let f = File::open(p).map_err(|e| Failure::io(&e, p))?;
            if f.metadata().is_ok_and(|m| m.is_dir()) {
                return Err(Failure::usage(format!(
                    "{path}: is a directory, not a file"
                )));
            }
            Ok((Box::new(f), path.to_owned()))
        }
    }
}

/// Line numbers of the JSON stream: the current line, and the line where the value being
/// read starts (0 until its first byte).
#[derive(Debug, Clone, Copy)]
struct Lines {
    current: u64,
    start: u64,
}

impl Default for Lines {
    fn default() -> Lines {
        Lines {
            current: 1,
            start: 0,
        }
    }
}

/// The most bytes of one JSON value kept for naming the field of an error in it; past
/// that, the error says line and column only.
const SEEN_MAX: usize = 16 << 20;

/// Counts lines as serde_json reads (it reads a byte at a time), and keeps the bytes of
/// the value being read (up to [`SEEN_MAX`]) so that an error can name its field.
struct Tracked<R> {
    inner: R,
    lines: Rc<Cell<Lines>>,
    seen: Rc<RefCell<Vec<u8>>>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut seen = self.seen.borrow_mut();
        if seen.len() + n <= SEEN_MAX {
            seen.extend_from_slice(&buf[..n]);
        }
        let mut l = self.lines.get();
        for &b in &buf[..n] {
            if l.start == 0 && !b.is_ascii_whitespace() {
                l.start = l.current;
            }
            if b == b'\n' {
                l.current += 1;
            }
        }
        self.lines.set(l);
        Ok(n)
    }
}

/// Where a JSON value came from, for messages.
struct Where<'a> {
    label: &'a str,
    line: u64,
    value: usize,
}

impl Where<'_> {
    fn text(&self) -> String {
        if self.line > 0 {
            format!("{}:{}", self.label, self.line)
        } else {
            format!("{}: value {}", self.label, self.value)
        }
    }
}

/// Refuses a `mask`/`secret` field that holds what decode prints without `--reveal`:
/// encoding it would put the stars on the wire in place of an account number.
fn refuse_masked(
    schema: &Schema,
    msg: &Message<'_>,
    at: &Where<'_>,
    prefix: &str,
) -> Result<(), Failure> {
    let Some(m) = schema.message(msg.name()) else {
        return Ok(());
    };
    for f in m.fields() {
        let sens = f.sensitivity();
        if sens == Sensitivity::Plain || f.is_group() {
            continue;
        }
        let Ok(layout_path) = FieldPath::parse(f.path()) else {
            continue;
        };
        let segments: Vec<PathSegment<'_>> = layout_path.segments().collect();
        let mut found = Vec::new();
        values_at(msg.fields(), &segments, None, &mut found);
        for (path, v) in found {
            let path = path.as_str();
            let texts: Vec<&str> = match v {
                Value::Text(t) => vec![t],
                Value::List(l) => l.iter().filter_map(Value::as_str).collect(),
                _ => continue,
            };
            if texts.iter().any(|t| sens.is_redacted(t)) {
                let field = field_info(schema, msg.name(), path)
                    .map(|f| format!(" ({f})"))
                    .unwrap_or_default();
                return Err(Failure::data(format!(
                    "{}: {prefix}.fields.{path}{field}: the value is hidden, as decode writes \
                     {} fields without --reveal; decode with --reveal to encode it back",
                    at.text(),
                    if sens == Sensitivity::Mask {
                        "mask"
                    } else {
                        "secret"
                    }
                )));
            }
        }
    }
    Ok(())
}

/// The values at a layout path (`items[].memo`) with their concrete paths (`items[1].memo`);
/// `done` is the path of `rec` itself (`None` for the message's fields).
fn values_at<'v, 'a>(
    rec: &'v Record<'a>,
    path: &[PathSegment<'_>],
    done: Option<&FieldPath>,
    out: &mut Vec<(FieldPath, &'v Value<'a>)>,
) {
    let [PathSegment::Name(name), rest @ ..] = path else {
        return;
    };
    let (each, rest) = match rest {
        [PathSegment::Each, rest @ ..] => (true, rest),
        _ => (false, rest),
    };
    let Some(v) = rec.get(name) else {
        return;
    };
    let Ok(here) = done.map_or_else(|| FieldPath::parse(name), |d| d.child(name)) else {
        return;
    };
    match (rest.is_empty(), each, v) {
        (true, _, v) => out.push((here, v)),
        (false, true, Value::List(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Value::Record(r) = item {
                    values_at(r, rest, Some(&here.entry(i)), out);
                }
            }
        }
        (false, false, Value::Record(r)) => values_at(r, rest, Some(&here), out),
        _ => {}
    }
}

/// The bytes of `seen` (which starts at the start of a line, and ends on stream line
/// `current`) up to the place of `e`, without the byte serde_json read past the bad value.
fn up_to_error<'s>(seen: &'s [u8], current: u64, e: &serde_json::Error) -> &'s [u8] {
    let newlines = seen.iter().filter(|&&b| b == b'\n').count() as u64;
    let first = current.saturating_sub(newlines);
    let skip = (e.line() as u64).saturating_sub(first);
    let mut start = 0;
    for _ in 0..skip {
        match seen[start..].iter().position(|&b| b == b'\n') {
            Some(p) => start += p + 1,
            None => return seen,
        }
    }
    let end = (start + e.column().saturating_sub(1)).min(seen.len());
    &seen[..end]
}

/// The JSON path of the value a JSON text ends inside, as the other encode errors write it:
/// `.fields.items[0].amount`, `[2].fields.amount`. Empty at the top level.
fn json_path_at(text: &[u8]) -> String {
    enum Frame {
        Object { key: Option<String>, want_key: bool },
        Array(usize),
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'{' => stack.push(Frame::Object {
                key: None,
                want_key: true,
            }),
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(n)) => *n += 1,
                Some(Frame::Object { want_key, .. }) => *want_key = true,
                None => {}
            },
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, want_key }) = stack.last_mut()
                    && *want_key
                {
                    let raw = &text[start..i.min(text.len())];
                    *key = Some(
                        serde_json::from_slice::<String>(&[b"\"", raw, b"\""].concat())
                            .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned()),
                    );
                    *want_key = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for f in &stack {
        match f {
            Frame::Object { key: Some(k), .. } => {
                path.push('.');
                path.push_str(k);
            }
            Frame::Array(n) => path.push_str(&format!("[{n}]")),
            Frame::Object { key: None, .. } => {}
        }
    }
    path
}

fn json_failure(label: &str, e: &serde_json::Error, values: usize, seen: &[u8]) -> Failure {
    if e.is_io() {
        return Failure::usage(format!("{label}: {e}"));
    }
    if e.is_eof() && values == 0 && e.line() <= 1 && e.column() == 0 {
        return Failure::data(format!("{label}: no JSON value in it"));
    }
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let what = full.strip_suffix(&suffix).unwrap_or(&full);
    let what = match e.classify() {
        serde_json::error::Category::Eof => format!("the JSON ends early ({what})"),
        serde_json::error::Category::Syntax => format!("bad JSON: {what}"),
        // A value the telegram cannot hold: name its field, as every encode error does.
        _ => match json_path_at(seen) {
            p if p.is_empty() => what.to_owned(),
            p => format!("{p}: {what}"),
        },
    };
    Failure::data(format!("{label}:{}:{}: {what}", e.line(), e.column()))
}

/// A JSON value as a message, by the core's envelope rule ([`Envelope::open`]): with
/// `--message NAME` the bare fields object is enough, and so it is when the layout has
/// one message.
fn message(
    value: Value<'static>,
    forced: Option<&str>,
    names: &[&str],
    at: &Where<'_>,
    prefix: &str,
) -> Result<Message<'static>, Failure> {
    Envelope::open(value, forced, names).map_err(|e| {
        let p = if prefix.is_empty() {
            String::new()
        } else {
            format!(" {prefix}")
        };
        // Name the option that names the message.
        let mut what = e.describe("give --message NAME");
        if let EnvelopeError::NamedTwice { inside, given } = &e {
            what = format!("the JSON is message \"{inside}\" but --message says \"{given}\"");
        }
        Failure::data(format!("{}:{p} {what}", at.text()))
    })
}

#[allow(clippy::too_many_arguments)]
fn write(
    out: &mut impl Write,
    schema: &Schema,
    framer: &Framer,
    msg: &Message<'_>,
    args: &EncodeArgs,
    at: &Where<'_>,
    prefix: &str,
    fill: &mut Filler,
) -> Result<(), Failure> {
    refuse_masked(schema, msg, at, prefix)?;
    // A second header record closes the batch before it with its trailer.
    if let Some(trailer) = fill.before(msg) {
        let trailer = trailer.map_err(|e| Failure::core(&e, &at.text(), Style::plain()))?;
        emit(out, schema, framer, &trailer, args, at, prefix, fill)?;
    }
    emit(out, schema, framer, msg, args, at, prefix, fill)
}

/// Encodes one message (its checked fields filled in), frames and writes it.
#[allow(clippy::too_many_arguments)]
fn emit(
    out: &mut impl Write,
    schema: &Schema,
    framer: &Framer,
    msg: &Message<'_>,
    args: &EncodeArgs,
    at: &Where<'_>,
    prefix: &str,
    fill: &mut Filler,
) -> Result<(), Failure> {
    let msg = fill
        .prepare(msg)
        .map_err(|e| encode_failure(schema, &e, msg, at, prefix))?;
    let msg = &*msg;
    let telegram = schema
        .encode(msg)
        .map_err(|e| encode_failure(schema, &e, msg, at, prefix))?;
    let bytes = if args.no_frame {
        telegram
    } else {
        framer
            .frame(&telegram)
            .map_err(|e| Failure::core(&e, &at.text(), crate::style::Style::plain()))?
    };
    let r = if args.hex {
        writeln!(out, "{}", render::hex_compact(&bytes))
    } else {
        out.write_all(&bytes)
    };
    r.map_err(Failure::output)?;
    fill.written(msg, bytes.len());
    Ok(())
}

/// An encode error with the JSON path (`[2].fields.items[0].amount`) and the layout's
/// field: its type and description.
fn encode_failure(
    schema: &Schema,
    e: &fep_core::Error,
    msg: &Message<'_>,
    at: &Where<'_>,
    prefix: &str,
) -> Failure {
    let code = failure::exit_code(e);
    let path = e.path().unwrap_or("");
    let kind = e.kind().to_string();
    let text = if path.is_empty() {
        let mut what = kind;
        if let fep_core::ErrorKind::UnknownMessage(name) = e.kind() {
            what.push_str(&crate::check::others(schema, name, "the layout has"));
            format!("{}: {prefix}.message: {what}", at.text())
        } else {
            format!("{}: {prefix}.fields ({}): {what}", at.text(), msg.name())
        }
    } else {
        let field = field_info(schema, msg.name(), path)
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        format!("{}: {prefix}.fields.{path}{field}: {kind}", at.text())
    };
    Failure::data(text).with_code(code)
}

/// The layout's field at a value path: `transfer.amount 9(13) "출금금액"`.
fn field_info(schema: &Schema, message: &str, path: &str) -> Option<String> {
    let m = schema.message(message)?;
    // `items[3].amount` as the layout writes it: `items[].amount`.
    let generic = FieldPath::parse(path).ok()?.without_indices();
    let f = m.fields().find(|f| f.path() == generic.as_str())?;
    let mut s = format!("{message}.{generic} {}", f.type_text());
    let repeat = f.repeat_text();
    if !repeat.is_empty() {
        s.push(' ');
        s.push_str(&repeat);
    }
    if let Some(d) = f.description() {
        s.push_str(&format!(" \"{d}\""));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::json_path_at;

    #[test]
    fn the_path_of_the_value_a_text_ends_in() {
        let cases = [
            (
                r#"{"message": "m", "fields": {"amount": 1.5"#,
                ".fields.amount",
            ),
            (
                r#"[{"a": 1}, {"fields": {"items": [{"x": "]", "amount": 1.5"#,
                "[1].fields.items[0].amount",
            ),
            (r#"{"fields": {"a\"b": true"#, ".fields.a\"b"),
            ("", ""),
        ];
        for (text, want) in cases {
            assert_eq!(json_path_at(text.as_bytes()), want, "{text}");
        }
    }
}
