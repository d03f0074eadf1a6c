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
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::{ColorChoice, ConvertArgs, ConvertFormat};
use crate::failure::{self, Failure, print_error};
use crate::input::{Source, Telegrams};
use crate::render;

/// Output buffer: large writes keep the system calls few.
const OUT_BUFFER: usize = 256 * 1024;

pub fn run(args: &ConvertArgs, color: ColorChoice) -> Result<(), Failure> {
    let schema = crate::check::load(&args.layout, color)?;
    let format = match args.to {
        Some(f) => f,
        None => from_extension(&args.output)?,
    };
    if format == ConvertFormat::Parquet {
        return crate::parquet::run(args, color);
    }
    let source = if args.input == Path::new("-") {
        Source::Stdin
    } else {
        Source::File(args.input.clone())
    };
    let label = source.label();
    let (reader, size) = source.open()?;
    let to_stdout = args.output == Path::new("-");
    // Creating the output truncates it: never when it is the input.
    if !to_stdout
        && let (Ok(a), Ok(b)) = (
            std::fs::canonicalize(&args.input),
            std::fs::canonicalize(&args.output),
        )
        && a == b
    {
        return Err(Failure::usage(format!(
            "{}: the output would overwrite the input",
            args.output.display()
        )));
    }
    let sink: Box<dyn Write> = if to_stdout {
        Box::new(io::stdout().lock())
    } else {
        let f = File::create(&args.output).map_err(|e| Failure::io(&e, &args.output))?;
        Box::new(f)
    };
    let out = BufWriter::with_capacity(OUT_BUFFER, sink);
    let mut writer = match format {
        ConvertFormat::Jsonl => Writer::Jsonl(out),
        ConvertFormat::Csv => Writer::Csv(Box::new(CsvWriter::new(&schema, out))),
        // Taken above, before an output file is created.
        ConvertFormat::Parquet => return crate::parquet::run(args, color),
    };
    writer.header().map_err(Failure::output)?;

    let start = Instant::now();
    let mut progress = (!args.quiet && io::stderr().is_terminal()).then(|| Progress::new(size));
    let mut counts: Vec<u64> = vec![0; schema.messages().count()];
    let index: HashMap<&str, usize> = schema
        .messages()
        .enumerate()
        .map(|(i, m)| (m.name(), i))
        .collect();
    let mut telegrams = Telegrams::new(&schema, reader, false);
    let mut total = 0u64;
    let mut errors = 0u64;
    let mut code = 0u8;
    let report = |text: String, progress: &Option<Progress>| match progress {
        Some(p) => p.bar.suspend(|| print_error(&text, color)),
        None => print_error(&text, color),
    };
    while let Some(item) = telegrams.next() {
        let problem = match item {
            Ok(frame) => match schema.decode(&frame.telegram) {
                Ok(msg) => {
                    writer
                        .write(&msg, frame.offset, args.reveal)
                        .map_err(Failure::output)?;
                    if let Some(&i) = index.get(msg.name()) {
                        counts[i] += 1;
                    }
                    total += 1;
                    None
                }
                Err(e) => {
                    let e = e.shift_offset(frame.telegram_offset as usize);
                    code = code.max(failure::exit_code(&e));
                    Some(format!("{label}: telegram at byte {}: {e}", frame.offset))
                }
            },
            Err(fe) => {
                code = code.max(failure::exit_code(&fe.error));
                let mut text = format!("{label}: {}", fe.error);
                if fe.fatal && fe.error.offset().is_some() {
                    text.push_str(
                        "\n  the telegrams after it cannot be found; the rest of the input is skipped",
                    );
                }
                Some(text)
            }
        };
        if let Some(text) = problem {
            errors += 1;
            report(text, &progress);
            if args.fail_fast {
                break;
            }
        }
        if let Some(p) = &mut progress {
            p.update(telegrams.bytes_read(), total);
        }
    }
    writer.finish().map_err(Failure::output)?;
    if let Some(p) = progress {
        p.bar.finish_and_clear();
    }
    if !args.quiet {
        let summary = Summary {
            schema: &schema,
            counts: &counts,
            total,
            errors,
            bytes: telegrams.bytes_read(),
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

    fn write(&mut self, msg: &Message<'_>, offset: u64, reveal: bool) -> io::Result<()> {
        match self {
            Writer::Jsonl(w) => writeln!(w, "{}", render::jsonl(msg, offset, reveal)),
            Writer::Csv(c) => c.write(msg, offset, reveal),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        match self {
            Writer::Jsonl(w) => w.flush(),
            Writer::Csv(c) => c.out.flush(),
        }
    }
}

/// CSV with one column a field of any message in the layout (the union, in layout order,
/// a path shared by several messages is one column), after `offset` and `message`.
/// A repeated field is one column holding its JSON.
struct CsvWriter {
    out: csv::Writer<BufWriter<Box<dyn Write>>>,
    columns: Vec<String>,
    index: HashMap<String, usize>,
    /// Per message, the column of each value in the order a decoded record walks them
    /// (the same for every telegram of the message).
    plans: HashMap<String, Vec<usize>>,
    row: Vec<String>,
}

impl CsvWriter {
    fn new(schema: &Schema, out: BufWriter<Box<dyn Write>>) -> CsvWriter {
        let mut columns = vec!["offset".to_owned(), "message".to_owned()];
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
        let out = csv::WriterBuilder::new().flexible(false).from_writer(out);
        let row = vec![String::new(); columns.len()];
        CsvWriter {
            out,
            columns,
            index,
            plans: HashMap::new(),
            row,
        }
    }

    fn header(&mut self) -> io::Result<()> {
        self.out.write_record(&self.columns).map_err(csv_io)
    }

    fn write(&mut self, msg: &Message<'_>, offset: u64, reveal: bool) -> io::Result<()> {
        for c in &mut self.row {
            c.clear();
        }
        self.row[0] = offset.to_string();
        self.row[1] = msg.name().to_owned();
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
        self.out.write_record(&self.row).map_err(csv_io)
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

/// The progress bar: bytes, telegrams a second, time left.
pub(crate) struct Progress {
    pub(crate) bar: ProgressBar,
    start: Instant,
    last: Instant,
}

impl Progress {
    pub(crate) fn new(total: Option<u64>) -> Progress {
        let target = ProgressDrawTarget::stderr_with_hz(8);
        let (bar, template) = match total {
            Some(t) => (
                ProgressBar::with_draw_target(Some(t), target),
                "[{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec}, {msg}, ETA {eta}",
            ),
            None => (
                ProgressBar::with_draw_target(None, target),
                "{spinner} {bytes} {binary_bytes_per_sec}, {msg}, {elapsed}",
            ),
        };
        if let Ok(s) = ProgressStyle::with_template(template) {
            bar.set_style(s.progress_chars("=> "));
        }
        let now = Instant::now();
        Progress {
            bar,
            start: now,
            last: now,
        }
    }

    pub(crate) fn update(&mut self, bytes: u64, telegrams: u64) {
        let now = Instant::now();
        if now.duration_since(self.last) < Duration::from_millis(100) {
            return;
        }
        self.last = now;
        self.bar.set_position(bytes);
        let secs = now.duration_since(self.start).as_secs_f64();
        let rate = if secs > 0.0 {
            (telegrams as f64 / secs) as u64
        } else {
            0
        };
        self.bar
            .set_message(format!("{} telegrams/s", render::count(rate)));
    }
}

struct Summary<'a> {
    schema: &'a Schema,
    counts: &'a [u64],
    total: u64,
    errors: u64,
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
        )
    }
}
