//! `fep convert`: a capture of any size to JSON lines or CSV, in constant memory, with a
//! progress bar on a terminal and a summary at the end.
//!
//! Memory stays flat because nothing is kept between telegrams: the input is read in
//! chunks (see `input.rs`), each telegram is decoded, written and dropped, and the CSV
//! columns come from the layout, not from the data.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use fep_core::{FieldPath, Message, Record, Schema, Sensitivity, Value};
use indicatif::{BinaryBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use fep_core::capture::CapturedTelegram;

use crate::args::{ColorChoice, ConvertArgs, ConvertFormat, CsvArgs, CsvEncoding};
use crate::batch::{self, Checks, Rejects};
use crate::capture::{self, Feed};
use crate::failure::{self, Failure, print_error};
use crate::input::{self, Telegrams};
use crate::render;

/// Output buffer: large writes keep the system calls few.
const OUT_BUFFER: usize = 256 * 1024;

pub fn run(args: &ConvertArgs, color: ColorChoice) -> Result<(), Failure> {
    let schema = crate::check::load(&args.layout, color)?;
    let format = match args.to {
        Some(f) => f,
        None => from_extension(&args.output)?,
    };
    let csv = CsvOptions::from_args(&args.csv, format)?;
    if format == ConvertFormat::Parquet {
        return crate::parquet::run(args, color);
    }
    let sources = input::files(&args.inputs)?;
    let to_stdout = args.output == Path::new("-");
    // Creating the output truncates it: never when it is an input.
    if !to_stdout && let Ok(out) = std::fs::canonicalize(&args.output) {
        for src in &sources {
            if let Some(p) = src.file()
                && std::fs::canonicalize(p).is_ok_and(|p| p == out)
            {
                return Err(Failure::usage(format!(
                    "{}: the output would overwrite the input",
                    args.output.display()
                )));
            }
        }
    }
    // Every input is opened before the output is created: a missing one is a usage error
    // that leaves no half-written output behind. Captures (pcap, pcapng) are told by their
    // first bytes, on standard input too.
    let mut opened = Vec::with_capacity(sources.len());
    let mut captures: Vec<bool> = Vec::with_capacity(sources.len());
    for src in &sources {
        let (reader, size, is_capture) = capture::open_source(src)?;
        opened.push((src.label(), reader, size));
        captures.push(is_capture);
    }
    if args.filters.any() && !captures.iter().any(|&c| c) {
        return Err(Failure::usage(
            "--port and --host filter captures (pcap, pcapng); no input is one",
        ));
    }
    let total_size: Option<u64> = opened.iter().map(|(_, _, size)| *size).sum();
    let sink: Box<dyn Write> = if to_stdout {
        Box::new(io::stdout().lock())
    } else {
        let f = File::create(&args.output).map_err(|e| Failure::io(&e, &args.output))?;
        Box::new(f)
    };
    let out = BufWriter::with_capacity(OUT_BUFFER, sink);
    // Captures among the inputs: their rows say when, between whom and which way, in
    // columns of their own.
    let any_capture = captures.iter().any(|&c| c);
    let mut writer = match format {
        ConvertFormat::Jsonl => Writer::Jsonl(out),
        ConvertFormat::Csv => Writer::Csv(Box::new(
            CsvWriter::new(&schema, out, csv, any_capture).map_err(Failure::output)?,
        )),
        // Taken above, before an output file is created.
        ConvertFormat::Parquet => return crate::parquet::run(args, color),
    };
    writer.header().map_err(Failure::output)?;

    let start = Instant::now();
    let mut progress =
        (!args.quiet && io::stderr().is_terminal()).then(|| Progress::new(total_size));
    let mut counts: Vec<u64> = vec![0; schema.messages().count()];
    let index: HashMap<&str, usize> = schema
        .messages()
        .enumerate()
        .map(|(i, m)| (m.name(), i))
        .collect();
    let mut rejects = match &args.rejects {
        Some(path) => Some(Rejects::create(&schema, path)?),
        None => None,
    };
    let mut rejected = 0u64;
    // With several inputs, a rejected telegram's index entry says which one it is from.
    let several = sources.len() > 1;
    let mut total = 0u64;
    let mut errors = 0u64;
    let mut code = 0u8;
    // Bytes of the inputs before the one being read.
    let mut done_bytes = 0u64;
    let report = |text: String, progress: &Option<Progress>| match progress {
        Some(p) => p.bar.suspend(|| print_error(&text, color)),
        None => print_error(&text, color),
    };
    'inputs: for ((label, reader, _), is_capture) in opened.into_iter().zip(captures) {
        let mut telegrams = if is_capture {
            let r = capture::open(&schema, reader, &label, &args.filters)?;
            Feed::Capture(Box::new(r), None, label.clone(), color)
        } else {
            Feed::Framed(Telegrams::new(&schema, reader, false))
        };
        // Each file is checked as a batch file of its own; a capture interleaves
        // connections, so its records are not one batch.
        let mut checks = Checks::new(&schema, args.no_checks || is_capture);
        let why = |e: &str| {
            if several {
                format!("{label}: {e}")
            } else {
                e.to_owned()
            }
        };
        let mut stopped = false;
        while let Some(item) = telegrams.next() {
            let problem = match item {
                Ok(frame) => match schema.decode(&frame.telegram) {
                    Ok(msg) => {
                        let failed = checks.record(frame.offset, &msg);
                        if !failed.is_empty() {
                            // A record that fails a check is rejected whole, with every failure.
                            rejected += 1;
                            let (c, text) = batch::reject_failed_checks(
                                &failed,
                                &frame,
                                &label,
                                rejects.as_mut(),
                                &why,
                            )?;
                            code = code.max(c);
                            Some(text)
                        } else {
                            match writer.write(
                                &msg,
                                &label,
                                frame.offset,
                                args.reveal,
                                telegrams.captured(),
                            ) {
                                Ok(()) => {
                                    if let Some(&i) = index.get(msg.name()) {
                                        counts[i] += 1;
                                    }
                                    total += 1;
                                    None
                                }
                                Err(Refused::Io(e)) => return Err(Failure::output(e)),
                                Err(Refused::Unmappable(what)) => {
                                    code = code.max(failure::DATA);
                                    rejected += 1;
                                    let text = format!("frame at byte {}: {what}", frame.offset);
                                    if let Some(r) = &mut rejects {
                                        r.push(frame.offset, Some(&frame.telegram), &why(&text))
                                            .map_err(Failure::output)?;
                                    }
                                    Some(format!("{label}: {text}"))
                                }
                            }
                        }
                    }
                    Err(e) => {
                        let (c, text) = batch::reject_undecoded(
                            e,
                            &frame,
                            &label,
                            &mut checks,
                            rejects.as_mut(),
                            &why,
                        )?;
                        code = code.max(c);
                        rejected += 1;
                        Some(text)
                    }
                },
                Err(fe) => {
                    let (c, text) =
                        batch::reject_unframed(&fe, &label, &mut checks, rejects.as_mut(), &why)?;
                    code = code.max(c);
                    rejected += 1;
                    Some(text)
                }
            };
            if let Some(text) = problem {
                errors += 1;
                report(text, &progress);
                if args.fail_fast {
                    stopped = true;
                    break;
                }
            }
            if let Some(p) = &mut progress {
                p.update(done_bytes + telegrams.bytes_read(), total);
            }
        }
        if !stopped {
            // The end of this input: a batch left without its trailer.
            for e in checks.finish() {
                errors += 1;
                code = code.max(failure::DATA);
                report(format!("{label}: {e}"), &progress);
                if args.fail_fast {
                    stopped = true;
                    break;
                }
            }
        }
        if stopped {
            done_bytes += telegrams.bytes_read();
            break 'inputs;
        }
        done_bytes += telegrams.bytes_read();
    }
    writer.finish().map_err(Failure::output)?;
    if let Some(r) = &mut rejects {
        r.finish().map_err(Failure::output)?;
    }
    if let Some(p) = progress {
        p.bar.finish_and_clear();
    }
    if !args.quiet {
        let summary = Summary {
            schema: &schema,
            counts: &counts,
            total,
            errors,
            rejected,
            rejects: rejects.as_ref().map(|r| r.path().display().to_string()),
            bytes: done_bytes,
            elapsed: start.elapsed(),
            output: if to_stdout {
                "standard output".into()
            } else {
                args.output.display().to_string()
            },
        };
        let _ = summary.write(&mut io::stderr().lock());
    }
    match code {
        0 => Ok(()),
        c => Err(Failure::reported(c)),
    }
}

fn from_extension(out: &Path) -> Result<ConvertFormat, Failure> {
    match out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => Ok(ConvertFormat::Csv),
        Some(e)
            if ["jsonl", "ndjson", "json"]
                .iter()
                .any(|x| e.eq_ignore_ascii_case(x)) =>
        {
            Ok(ConvertFormat::Jsonl)
        }
        _ => Err(Failure::usage(format!(
            "{}: cannot tell the format from the name; give --to jsonl or --to csv",
            out.display()
        ))),
    }
}

enum Writer {
    Jsonl(BufWriter<Box<dyn Write>>),
    Csv(Box<CsvWriter>),
}

impl Writer {
    fn header(&mut self) -> io::Result<()> {
        match self {
            Writer::Jsonl(_) => Ok(()),
            Writer::Csv(c) => c.header(),
        }
    }

    fn write(
        &mut self,
        msg: &Message<'_>,
        source: &str,
        offset: u64,
        reveal: bool,
        captured: Option<&CapturedTelegram>,
    ) -> Result<(), Refused> {
        match self {
            Writer::Jsonl(w) => {
                let line = render::jsonl(msg, source, offset, reveal);
                match captured {
                    // `{...}` with the capture object as its last member.
                    Some(t) => Ok(writeln!(
                        w,
                        "{},\"capture\":{}}}",
                        &line[..line.len() - 1],
                        capture::json(t)
                    )?),
                    None => Ok(writeln!(w, "{line}")?),
                }
            }
            Writer::Csv(c) => c.write(msg, source, offset, reveal, captured),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        match self {
            Writer::Jsonl(w) => w.flush(),
            Writer::Csv(c) => c.finish(),
        }
    }
}

/// Why a telegram was not written.
enum Refused {
    /// Writing failed: the whole conversion stops.
    Io(io::Error),
    /// A value has no code in the output's encoding: this telegram is left out, as a bad
    /// one is; the text says which field and character.
    Unmappable(String),
}

impl From<io::Error> for Refused {
    fn from(e: io::Error) -> Refused {
        Refused::Io(e)
    }
}

/// How CSV is written: `--bom`, `--encoding`, `--delimiter`.
#[derive(Debug, Clone, Copy)]
struct CsvOptions {
    bom: bool,
    encoding: CsvEncoding,
    delimiter: u8,
}

impl CsvOptions {
    fn from_args(args: &CsvArgs, format: ConvertFormat) -> Result<CsvOptions, Failure> {
        let given = [
            (args.bom, "--bom"),
            (args.encoding != CsvEncoding::Utf8, "--encoding"),
            (args.delimiter != b',', "--delimiter"),
        ];
        if format != ConvertFormat::Csv
            && let Some((_, name)) = given.iter().find(|(on, _)| *on)
        {
            return Err(Failure::usage(format!(
                "{name} is for CSV output; give --to csv or an OUT ending in .csv"
            )));
        }
        if args.bom && args.encoding != CsvEncoding::Utf8 {
            return Err(Failure::usage(
                "--bom marks UTF-8; CP949 has no byte order mark (give one or the other)",
            ));
        }
        Ok(CsvOptions {
            bom: args.bom,
            encoding: args.encoding,
            delimiter: args.delimiter,
        })
    }
}

/// CSV with one column a field of any message in the layout (the union, in layout order,
/// a path shared by several messages is one column), after `source`, `offset` and
/// `message`. A repeated field is one column holding its JSON. In UTF-8 the rows go
/// straight to the output; in CP949 each row is made in UTF-8, then encoded.
struct CsvWriter {
    out: csv::Writer<Sink>,
    options: CsvOptions,
    columns: Vec<String>,
    index: HashMap<String, usize>,
    /// Per message, the column of each value in the order a decoded record walks them
    /// (the same for every telegram of the message).
    plans: HashMap<String, Vec<usize>>,
    row: Vec<String>,
}

impl CsvWriter {
    fn new(
        schema: &Schema,
        mut out: BufWriter<Box<dyn Write>>,
        options: CsvOptions,
        captured: bool,
    ) -> io::Result<CsvWriter> {
        if options.bom {
            out.write_all("\u{feff}".as_bytes())?;
        }
        let mut columns = vec![
            "source".to_owned(),
            "offset".to_owned(),
            "message".to_owned(),
        ];
        // A capture's telegrams say when, between whom and which way, after the message.
        if captured {
            columns.extend(capture::CSV_COLUMNS.iter().map(|c| (*c).to_owned()));
        }
        let mut index = HashMap::new();
        for m in schema.messages() {
            for f in m.fields() {
                let Ok(p) = FieldPath::parse(f.path()) else {
                    continue;
                };
                let name = match p.repeat_prefix() {
                    // The repeated field itself: its JSON.
                    Some(r) if r == p => match p.parent() {
                        Some(parent) => parent.to_string(),
                        None => continue,
                    },
                    // A member of a repeat: inside that JSON.
                    Some(_) => continue,
                    None if f.is_group() || f.is_filler() => continue,
                    None => p.to_string(),
                };
                if !index.contains_key(&name) {
                    index.insert(name.clone(), columns.len());
                    columns.push(name);
                }
            }
        }
        let sink = match options.encoding {
            CsvEncoding::Utf8 => Sink::Utf8(out),
            CsvEncoding::Cp949 => Sink::Cp949 {
                out,
                pending: Vec::new(),
            },
        };
        let out = csv::WriterBuilder::new()
            .flexible(false)
            .delimiter(options.delimiter)
            .from_writer(sink);
        let row = vec![String::new(); columns.len()];
        Ok(CsvWriter {
            out,
            options,
            columns,
            index,
            plans: HashMap::new(),
            row,
        })
    }

    fn header(&mut self) -> io::Result<()> {
        if let Err(what) = self.mappable(&self.columns) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the header: {what}"),
            ));
        }
        self.out.write_record(&self.columns).map_err(csv_io)?;
        self.out.flush()
    }

    /// Checks that every cell has a code in the output's encoding; the error names the
    /// column and the character.
    fn mappable(&self, cells: &[String]) -> Result<(), String> {
        if self.options.encoding == CsvEncoding::Utf8 {
            return Ok(());
        }
        for (cell, column) in cells.iter().zip(&self.columns) {
            if cell.is_ascii() {
                continue;
            }
            if let Some(c) = unmappable_cp949(cell) {
                return Err(format!(
                    "{column}: {c:?} (U+{:04X}) has no code in CP949, so the row cannot be \
                     written; write UTF-8 instead (--bom, without --encoding)",
                    c as u32
                ));
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        // The last rows into the sink, then the sink's buffer out.
        self.out.flush()?;
        let w = std::mem::replace(&mut self.out, csv::Writer::from_writer(Sink::Closed));
        let mut sink = w.into_inner().map_err(|e| e.into_error())?;
        sink.flush_out()
    }

    fn write(
        &mut self,
        msg: &Message<'_>,
        source: &str,
        offset: u64,
        reveal: bool,
        captured: Option<&CapturedTelegram>,
    ) -> Result<(), Refused> {
        for c in &mut self.row {
            c.clear();
        }
        self.row[0] = source.to_owned();
        self.row[1] = offset.to_string();
        self.row[2] = msg.name().to_owned();
        if let Some(t) = captured {
            for (i, v) in capture::csv_values(t).into_iter().enumerate() {
                self.row[3 + i] = v;
            }
        }
        let mut cells = Vec::new();
        flatten(msg.fields(), "", Sensitivity::Plain, reveal, &mut cells);
        let plan = match self.plans.get(msg.name()) {
            Some(p) => p,
            None => {
                let p = cells
                    .iter()
                    .map(|(path, _)| self.index.get(path.as_str()).copied().unwrap_or(usize::MAX))
                    .collect();
                self.plans.entry(msg.name().to_owned()).or_insert(p)
            }
        };
        for ((_, text), &col) in cells.into_iter().zip(plan) {
            if let Some(c) = self.row.get_mut(col) {
                *c = text;
            }
        }
        self.mappable(&self.row)
            .map_err(|what| Refused::Unmappable(format!("{}.{what}", msg.name())))?;
        self.out.write_record(&self.row).map_err(csv_io)?;
        if self.options.encoding != CsvEncoding::Utf8 {
            // The row is whole in the csv writer's buffer only after a flush.
            self.out.flush()?;
        }
        Ok(())
    }
}

/// The first character of `text` that CP949 cannot write.
fn unmappable_cp949(text: &str) -> Option<char> {
    let mut encoder = encoding_rs::EUC_KR.new_encoder();
    let mut buf = [0u8; 16];
    for c in text.chars() {
        let mut tmp = [0u8; 4];
        let (result, _, _) =
            encoder.encode_from_utf8_without_replacement(c.encode_utf8(&mut tmp), &mut buf, false);
        if let encoding_rs::EncoderResult::Unmappable(_) = result {
            return Some(c);
        }
    }
    None
}

/// Where CSV bytes go: straight to the output, or through CP949.
enum Sink {
    Utf8(BufWriter<Box<dyn Write>>),
    /// UTF-8 from the csv writer, encoded a row at a time at each flush (every cell was
    /// checked to have a code before its row was written).
    Cp949 {
        out: BufWriter<Box<dyn Write>>,
        pending: Vec<u8>,
    },
    /// After the last row.
    Closed,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Utf8(out) => out.write(buf),
            Sink::Cp949 { pending, .. } => {
                pending.extend_from_slice(buf);
                Ok(buf.len())
            }
            Sink::Closed => Err(io::Error::other("the CSV output is closed")),
        }
    }

    /// Hands the csv writer's bytes on; in CP949, encodes them (the output's own buffer is
    /// flushed by [`Sink::flush_out`] at the end, not at every row).
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Utf8(_) | Sink::Closed => Ok(()),
            Sink::Cp949 { out, pending } => {
                if pending.is_empty() {
                    return Ok(());
                }
                // The csv writer flushes only whole records, so `pending` is whole UTF-8.
                let text = std::str::from_utf8(pending)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                let (bytes, _, _) = encoding_rs::EUC_KR.encode(text);
                out.write_all(&bytes)?;
                pending.clear();
                Ok(())
            }
        }
    }
}

impl Sink {
    /// Writes out everything buffered.
    fn flush_out(&mut self) -> io::Result<()> {
        self.flush()?;
        match self {
            Sink::Utf8(out) | Sink::Cp949 { out, .. } => out.flush(),
            Sink::Closed => Ok(()),
        }
    }
}

fn csv_io(e: csv::Error) -> io::Error {
    if let csv::ErrorKind::Io(_) = e.kind() {
        match e.into_kind() {
            csv::ErrorKind::Io(e) => e,
            _ => unreachable!("matched above"),
        }
    } else {
        io::Error::other(e.to_string())
    }
}

/// A record's values as (path, cell text) in walk order; a list is one cell of JSON.
fn flatten(
    rec: &Record<'_>,
    prefix: &str,
    outer: Sensitivity,
    reveal: bool,
    out: &mut Vec<(String, String)>,
) {
    for (i, (name, value)) in rec.iter().enumerate() {
        let path = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        };
        // A marked record hides every field inside it.
        let sens = match outer {
            _ if reveal => Sensitivity::Plain,
            Sensitivity::Plain => rec.sensitivity(i),
            s => s,
        };
        match value {
            Value::Record(r) => flatten(r, &path, sens, reveal, out),
            Value::List(_) => {
                let mut text = String::new();
                json_value(value, sens, reveal, &mut text);
                out.push((path, text));
            }
            Value::Null => out.push((path, String::new())),
            v => {
                let text = render::scalar_text(v).unwrap_or_default();
                out.push((path, sens.redact(&text).into_owned()));
            }
        }
    }
}

/// A value as JSON, `mask`/`secret` values hidden unless `reveal`: a list's entries carry
/// the list's own marking, and the fields of a record carry their own (or the record's).
fn json_value(v: &Value<'_>, sens: Sensitivity, reveal: bool, out: &mut String) {
    match v {
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_value(item, sens, reveal, out);
            }
            out.push(']');
        }
        Value::Record(r) => {
            out.push('{');
            for (i, (name, item)) in r.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(name).unwrap_or_default());
                out.push(':');
                let inner = match sens {
                    Sensitivity::Plain if !reveal => r.sensitivity(i),
                    _ => sens,
                };
                json_value(item, inner, reveal, out);
            }
            out.push('}');
        }
        Value::Null => out.push_str("null"),
        v if reveal || sens == Sensitivity::Plain => {
            out.push_str(&serde_json::to_string(v).unwrap_or_default());
        }
        v => {
            let text = render::scalar_text(v).unwrap_or_default();
            out.push_str(&serde_json::to_string(&sens.redact(&text)).unwrap_or_default());
        }
    }
}

/// The progress bar: a bar as wide as the terminal leaves room for, bytes done, telegrams a
/// second and time left. The rate and the time left appear once they are measured, never
/// empty or zero.
pub(crate) struct Progress {
    pub(crate) bar: ProgressBar,
    total: Option<u64>,
    start: Instant,
    last: Instant,
}

/// The narrowest the bar itself gets; the text beside it gives way first.
const MIN_BAR: usize = 10;

/// Time before a rate means anything.
const MEASURED_AFTER: Duration = Duration::from_millis(500);

impl Progress {
    pub(crate) fn new(total: Option<u64>) -> Progress {
        let target = ProgressDrawTarget::stderr_with_hz(8);
        let (bar, template) = match total {
            Some(t) => (
                ProgressBar::with_draw_target(Some(t), target),
                "[{wide_bar}] {msg}",
            ),
            None => (
                ProgressBar::with_draw_target(None, target),
                "{spinner} {msg}",
            ),
        };
        if let Ok(s) = ProgressStyle::with_template(template) {
            bar.set_style(s.progress_chars("=> "));
        }
        let now = Instant::now();
        let p = Progress {
            bar,
            total,
            start: now,
            last: now,
        };
        p.bar.set_message(p.message(0, 0, Duration::ZERO));
        p
    }

    pub(crate) fn update(&mut self, bytes: u64, telegrams: u64) {
        let now = Instant::now();
        if now.duration_since(self.last) < Duration::from_millis(100) {
            return;
        }
        self.last = now;
        self.bar.set_position(bytes);
        self.bar
            .set_message(self.message(bytes, telegrams, now.duration_since(self.start)));
    }

    /// The text beside the bar, in the columns the terminal leaves it.
    fn message(&self, bytes: u64, telegrams: u64, elapsed: Duration) -> String {
        let columns = console::Term::stderr()
            .size_checked()
            .map_or(80, |(_, c)| usize::from(c));
        progress_text(bytes, self.total, telegrams, elapsed, columns)
    }
}

/// What the progress line says after the bar: `1.20 MiB/30.00 MiB, 12,345 telegrams/s, 3s
/// left` (without a known size: `1.20 MiB, 12,345 telegrams/s, 4s`), the parts that do not
/// fit in `columns` (with the bar's brackets and its narrowest width) left off from the end.
fn progress_text(
    bytes: u64,
    total: Option<u64>,
    telegrams: u64,
    elapsed: Duration,
    columns: usize,
) -> String {
    let mut parts = vec![match total {
        Some(t) => format!("{}/{}", BinaryBytes(bytes), BinaryBytes(t)),
        None => BinaryBytes(bytes).to_string(),
    }];
    let secs = elapsed.as_secs_f64();
    if elapsed >= MEASURED_AFTER && telegrams > 0 {
        parts.push(format!(
            "{} telegrams/s",
            render::count((telegrams as f64 / secs) as u64)
        ));
        match total {
            Some(t) if bytes > 0 && t > bytes => {
                // Rounded up: never "0s left" while bytes are left.
                let left = ((t - bytes) as f64 * secs / bytes as f64).ceil().max(1.0);
                parts.push(format!("{} left", short_duration(left)));
            }
            Some(_) => {}
            None => parts.push(short_duration(secs)),
        }
    }
    // The bar: `[`, MIN_BAR cells, `] `; the spinner: one cell and a space.
    let room = match total {
        Some(_) => columns.saturating_sub(MIN_BAR + 3),
        None => columns.saturating_sub(2),
    };
    let mut text = String::new();
    for p in parts {
        let next = if text.is_empty() {
            p
        } else {
            format!("{text}, {p}")
        };
        if next.len() > room && !text.is_empty() {
            break;
        }
        text = next;
    }
    text
}

/// Seconds as `42s`, `3m 05s`, `2h 10m`.
fn short_duration(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

struct Summary<'a> {
    schema: &'a Schema,
    counts: &'a [u64],
    total: u64,
    errors: u64,
    /// Telegrams read but not converted; with `total`, every telegram read.
    rejected: u64,
    rejects: Option<String>,
    bytes: u64,
    elapsed: Duration,
    output: String,
}

impl Summary<'_> {
    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            (self.total as f64 / secs) as u64
        } else {
            0
        };
        writeln!(
            out,
            "converted {} telegram{} ({} bytes) to {} in {secs:.2} s, {} telegrams/s",
            render::count(self.total),
            if self.total == 1 { "" } else { "s" },
            render::count(self.bytes),
            self.output,
            render::count(rate),
        )?;
        let names: Vec<&str> = self.schema.messages().map(|m| m.name()).collect();
        let width = names
            .iter()
            .map(|n| n.len())
            .chain(["errors".len()])
            .max()
            .unwrap_or(6);
        for (name, &n) in names.iter().zip(self.counts) {
            if n > 0 {
                writeln!(out, "  {name:<width$}  {:>12}", render::count(n))?;
            }
        }
        writeln!(
            out,
            "  {:<width$}  {:>12}",
            "errors",
            render::count(self.errors)
        )?;
        crate::batch::summary(out, self.total, self.rejected, self.rejects.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{progress_text, short_duration};

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn the_rate_shows_once_measured_never_empty() {
        // At the start: bytes only, no ", telegrams/s" with nothing in it.
        assert_eq!(
            progress_text(0, Some(30 * MIB), 0, Duration::ZERO, 80),
            "0 B/30.00 MiB"
        );
        assert_eq!(
            progress_text(MIB, Some(30 * MIB), 900, Duration::from_millis(100), 80),
            "1.00 MiB/30.00 MiB"
        );
        assert_eq!(
            progress_text(3 * MIB, Some(30 * MIB), 10_000, Duration::from_secs(1), 80),
            "3.00 MiB/30.00 MiB, 10,000 telegrams/s, 9s left"
        );
        assert_eq!(
            progress_text(3 * MIB, None, 10_000, Duration::from_secs(2), 80),
            "3.00 MiB, 5,000 telegrams/s, 2s"
        );
    }

    #[test]
    fn the_line_fits_its_columns() {
        let big = 1000 * 1024 * MIB;
        for columns in [40, 50, 60, 80] {
            let text = progress_text(
                big / 3,
                Some(big),
                12_345_678,
                Duration::from_secs(3600),
                columns,
            );
            assert!(
                text.len() + super::MIN_BAR + 3 <= columns,
                "{columns}: {text}"
            );
            assert!(!text.ends_with(", "), "{text}");
        }
        assert_eq!(
            progress_text(
                big / 3,
                Some(big),
                12_345_678,
                Duration::from_secs(3600),
                50
            ),
            "333.33 GiB/1000.00 GiB"
        );
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(short_duration(4.4), "4s");
        assert_eq!(short_duration(185.0), "3m 05s");
        assert_eq!(short_duration(7800.0), "2h 10m");
    }
}
