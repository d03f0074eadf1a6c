//! `fep diff`: two telegrams, or two captures, compared field by field through the core's
//! `Schema::diff`: for a migration, proof that the old system and the new one give the
//! same telegrams, or the fields where they part.
//!
//! Each side is a file of framed telegrams, a pcap or pcapng capture (told by its magic
//! number), JSON as `decode` writes it (encoded through the layout first) or a hex dump
//! (`--hex`, `--hex-file`). One telegram on each side: its differing fields, then `N fields
//! differ`. More: telegrams aligned by the layout's key, each pair's differing fields, the
//! telegrams on one side only, and how often each field differs.
//!
//! Both sides are held in memory as telegrams (the captures a migration test compares,
//! not a day's traffic); each pair is decoded only when it is compared.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use clap::{Args, ValueEnum};
use fep_core::text::{Align, Row, Table, Tone};
use fep_core::{Change, FieldDiff, FieldPath, Message, MessageDiff, Schema, Sensitivity};

use crate::args::ColorChoice;
use crate::capture::{self, Feed, FilterArgs};
use crate::failure::{Failure, USAGE, print_error, print_note};
use crate::input::{Source, Telegrams, bare_hint};
use crate::render;
use crate::style::Style;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The layout file (its `key` directive aligns the telegrams of two captures)
    #[arg(short, long, value_name = "LAYOUT")]
    pub layout: PathBuf,

    /// The first side: a file of framed telegrams, a pcap or pcapng capture, JSON as decode
    /// writes it, or - for standard input (with --hex, the hex dump itself)
    #[arg(value_name = "A")]
    pub a: String,

    /// The second side, as A
    #[arg(value_name = "B")]
    pub b: String,

    /// A and B are hex dumps given as text (as a log prints them)
    #[arg(long, conflicts_with = "hex_file")]
    pub hex: bool,

    /// A and B are files holding hex dumps (- for standard input)
    #[arg(long)]
    pub hex_file: bool,

    /// Each input is one bare telegram, without its frame (length prefix or line end)
    #[arg(long)]
    pub no_frame: bool,

    /// Decode both sides as this message, whatever its conditions say
    #[arg(short, long, value_name = "NAME")]
    pub message: Option<String>,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = DiffFormat::Table, value_name = "FORMAT")]
    pub format: DiffFormat,

    /// Show mask and secret fields whole
    #[arg(long)]
    pub reveal: bool,

    #[command(flatten)]
    pub filters: FilterArgs,
}

/// Diff's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Tables of the differing fields, then a summary.
    Table,
    /// One JSON object a difference (a field, different messages, a telegram on one side
    /// only); the summary on standard error.
    Jsonl,
}

/// One telegram of a side.
struct Tel {
    /// Its number on its side, from 1.
    number: usize,
    /// Byte offset of its frame in its input (in its TCP stream, for a capture).
    offset: u64,
    telegram: Bytes,
    /// When it was captured, for a capture.
    ts: Option<String>,
    /// Which way it went, for a capture.
    direction: Option<&'static str>,
}

/// What one side gave.
struct Side {
    label: String,
    capture: bool,
    tels: Vec<Tel>,
    /// Frames that could not be read.
    unreadable: usize,
}

/// Exit code: the sides differ.
const DIFFER: u8 = 1;

pub fn run(args: &DiffArgs, color: ColorChoice) -> Result<(), Failure> {
    let schema = crate::check::load(&args.layout, color)?;
    if let Some(name) = &args.message {
        crate::check::require_message(&schema, name)?;
    }
    if args.a == "-" && args.b == "-" {
        return Err(Failure::usage("standard input can be read only once"));
    }
    let a = read_side(&schema, &args.a, "A", args, color)?;
    let b = read_side(&schema, &args.b, "B", args, color)?;
    if args.filters.any() && !a.capture && !b.capture {
        return Err(Failure::usage(
            "--port and --host filter captures; neither side is one",
        ));
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let style = Style::stdout(color);
    let mut d = Differ {
        schema: &schema,
        args,
        style,
        color,
        unreadable: a.unreadable + b.unreadable,
        fields: BTreeMap::new(),
        pairs: 0,
        differing: 0,
    };
    let found = if a.tels.len() == 1 && b.tels.len() == 1 && !a.capture && !b.capture {
        d.two(&a, &b, &mut out)
    } else {
        d.streams(&a, &b, &mut out)
    };
    let found = found.and_then(|f| out.flush().map(|()| f));
    let found = found.map_err(Failure::output)?;
    if d.unreadable > 0 {
        // A comparison with holes in it proves nothing either way.
        return Err(Failure::reported(USAGE));
    }
    if found {
        Err(Failure::reported(DIFFER))
    } else {
        Ok(())
    }
}

/// True when the file starts as JSON does: `{` or `[` after spaces and a byte order mark.
fn looks_like_json(path: &Path) -> bool {
    let mut head = [0u8; 256];
    let Ok(n) = File::open(path).and_then(|mut f| f.read(&mut head)) else {
        return false;
    };
    let text = head[..n]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&head[..n]);
    text.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'{' | b'['))
}

fn read_side(
    schema: &Schema,
    arg: &str,
    which: &str,
    args: &DiffArgs,
    color: ColorChoice,
) -> Result<Side, Failure> {
    let path = Path::new(arg);
    let is_file = arg != "-" && !args.hex;
    let source = if args.hex {
        Source::Hex(if which == "A" { 1 } else { 2 }, arg.to_owned())
    } else if args.hex_file {
        Source::HexFile(path.to_path_buf())
    } else {
        Source::path(path)
    };
    let label = match &source {
        Source::Hex(..) => format!("{which} (--hex)"),
        s => s.label(),
    };
    let mut side = Side {
        label: label.clone(),
        capture: false,
        tels: Vec::new(),
        unreadable: 0,
    };
    // Files and standard input are told to be captures by their first bytes.
    let (reader, _, is_capture) = capture::open_source(&source)?;
    let mut feed = if is_capture {
        side.capture = true;
        let reader = capture::open(schema, reader, &label, &args.filters)?;
        Feed::Capture(Box::new(reader), None, label.clone(), color)
    } else if is_file && !args.hex_file && looks_like_json(path) {
        // JSON becomes telegrams through the layout, exactly as `fep encode` makes them.
        let mut bytes = Vec::new();
        crate::encode::json_to_telegrams(schema, arg, args.message.as_deref(), &mut bytes)?;
        Feed::Framed(Telegrams::new(
            schema,
            Box::new(io::Cursor::new(bytes)),
            false,
        ))
    } else {
        Feed::Framed(Telegrams::new(schema, reader, args.no_frame))
    };
    let no_frame = args.no_frame;
    while let Some(item) = feed.next() {
        match item {
            Ok(frame) => {
                let ts = feed.captured().map(|t| t.ts.to_string());
                let direction = feed.captured().map(|t| t.direction.as_str());
                side.tels.push(Tel {
                    number: side.tels.len() + 1,
                    offset: frame.offset,
                    telegram: frame.telegram,
                    ts,
                    direction,
                });
            }
            Err(fe) => {
                side.unreadable += 1;
                let hint = bare_hint(&fe.error, no_frame).unwrap_or("");
                print_error(&format!("{label}: {}{hint}", fe.error), color);
                if fe.fatal {
                    break;
                }
            }
        }
    }
    Ok(side)
}

/// The state of a comparison: what the summary counts.
struct Differ<'s> {
    schema: &'s Schema,
    args: &'s DiffArgs,
    style: Style,
    color: ColorChoice,
    unreadable: usize,
    /// Per field path (indices left out): in how many pairs it differs.
    fields: BTreeMap<String, usize>,
    pairs: usize,
    differing: usize,
}

/// Where a telegram of a pair is, for the output.
fn place(t: &Tel) -> String {
    match &t.ts {
        Some(ts) => format!("#{} at {ts}", t.number),
        None => format!("#{} at byte {}", t.number, t.offset),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn count(n: usize) -> String {
    render::count(n as u64)
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn opt_json(s: Option<String>) -> String {
    s.unwrap_or_else(|| "null".into())
}

/// `N fields differ`.
fn fields_differ(n: usize) -> String {
    if n == 1 {
        "1 field differs".into()
    } else {
        format!("{} fields differ", count(n))
    }
}

impl Differ<'_> {
    fn decode<'t>(&self, side: &Side, t: &'t Tel) -> Result<Message<'t>, String> {
        let r = match &self.args.message {
            Some(name) => self.schema.decode_message(name, &t.telegram),
            None => self.schema.decode(&t.telegram),
        };
        r.map_err(|e| format!("{}: telegram {}: {e}", side.label, place(t)))
    }

    /// One telegram on each side.
    fn two(&mut self, a: &Side, b: &Side, out: &mut impl Write) -> io::Result<bool> {
        let (ta, tb) = (&a.tels[0], &b.tels[0]);
        let (ma, mb) = match (self.decode(a, ta), self.decode(b, tb)) {
            (Ok(ma), Ok(mb)) => (ma, mb),
            (ra, rb) => {
                for e in [ra.err(), rb.err()].into_iter().flatten() {
                    print_error(&e, self.color);
                    self.unreadable += 1;
                }
                return Ok(false);
            }
        };
        let d = self.schema.diff(&ma, &mb);
        let differs = !d.is_equal();
        match self.args.format {
            DiffFormat::Table => {
                self.write_pair_table(out, &d, None)?;
                writeln!(out, "{}", fields_differ(d.fields.len()))?;
            }
            DiffFormat::Jsonl => {
                let at = PairAt {
                    pair: 1,
                    key: None,
                    a: (ta, a),
                    b: (tb, b),
                };
                self.write_pair_jsonl(out, &d, &at)?;
                let mut err = io::stderr().lock();
                writeln!(err, "{}", fields_differ(d.fields.len()))?;
            }
        }
        Ok(differs)
    }

    /// The rows of one pair's differences as a table; `title` above it (a pair of two
    /// captures), and a line when the messages differ.
    fn write_pair_table(
        &self,
        out: &mut impl Write,
        d: &MessageDiff<'_, '_>,
        title: Option<String>,
    ) -> io::Result<()> {
        let style = self.style;
        if let Some(t) = title {
            writeln!(out, "{}", style.bold(&t))?;
        }
        if !d.same_message() {
            writeln!(
                out,
                "{}",
                style.error(&format!(
                    "different messages: A is {}, B is {}; the {} field{} they share compared",
                    d.message_a,
                    d.message_b,
                    count(d.compared),
                    plural(d.compared)
                ))
            )?;
        }
        if d.fields.is_empty() {
            return Ok(());
        }
        let mut t = Table::new(&[
            ("field", Align::Left),
            ("offset", Align::Right),
            ("length", Align::Right),
            ("A", Align::Left),
            ("B", Align::Left),
            ("description", Align::Left),
        ]);
        let reveal = self.args.reveal;
        let mut hidden = Vec::new();
        for f in &d.fields {
            let offset = match (f.offset_a, f.offset_b) {
                (Some(x), Some(y)) if x == y => x.to_string(),
                (x, y) => format!(
                    "{}/{}",
                    x.map_or("-".into(), |v| v.to_string()),
                    y.map_or("-".into(), |v| v.to_string())
                ),
            };
            let shown = |v: Option<String>| v.unwrap_or_else(|| "(none)".into());
            t.push(
                Row::new(vec![
                    f.path.clone(),
                    offset,
                    f.length.to_string(),
                    shown(f.a_text(reveal)),
                    shown(f.b_text(reveal)),
                    f.description.unwrap_or("").to_owned(),
                ])
                .tone(if f.change == Change::Changed {
                    Tone::Plain
                } else {
                    Tone::Error
                }),
            );
            if f.hidden_difference() && !reveal {
                hidden.push(f.path.as_str());
            }
        }
        out.write_all(
            t.render_with(|tone, line| style.tone(tone, line))
                .as_bytes(),
        )?;
        if !hidden.is_empty() {
            writeln!(
                out,
                "{} differ{} where the value is hidden (mask, secret): --reveal shows how",
                hidden.join(", "),
                if hidden.len() == 1 { "s" } else { "" }
            )?;
        }
        Ok(())
    }

    fn write_pair_jsonl(
        &self,
        out: &mut impl Write,
        d: &MessageDiff<'_, '_>,
        at: &PairAt<'_>,
    ) -> io::Result<()> {
        let head = at.json();
        if !d.same_message() {
            writeln!(
                out,
                "{{{head},\"change\":\"message\",\"message_a\":{},\"message_b\":{},\"compared\":{}}}",
                json_str(d.message_a),
                json_str(d.message_b),
                d.compared
            )?;
        }
        let reveal = self.args.reveal;
        for f in &d.fields {
            writeln!(
                out,
                "{{{head},\"change\":\"{}\",\"path\":{},\"offset_a\":{},\"offset_b\":{},\"length\":{},\"value_a\":{},\"value_b\":{}}}",
                change_json(f),
                json_str(&f.path),
                opt_num(f.offset_a),
                opt_num(f.offset_b),
                f.length,
                opt_json(f.a_json(reveal)),
                opt_json(f.b_json(reveal)),
            )?;
        }
        Ok(())
    }

    /// Counts one compared pair for the summary.
    fn tally(&mut self, d: &MessageDiff<'_, '_>) {
        self.pairs += 1;
        if d.is_equal() {
            return;
        }
        self.differing += 1;
        let mut seen = HashSet::new();
        if !d.same_message() {
            seen.insert("(message)".to_owned());
        }
        for f in &d.fields {
            let general = f
                .path
                .parse::<FieldPath>()
                .map(|p| p.without_indices().to_string())
                .unwrap_or_else(|_| f.path.clone());
            seen.insert(general);
        }
        for p in seen {
            *self.fields.entry(p).or_default() += 1;
        }
    }

    /// The key of a telegram as a person may see it: sensitive key fields hidden.
    fn key_shown(&self, name: &str, key: &str) -> String {
        if self.args.reveal {
            return key.to_owned();
        }
        let paths: Vec<&str> = self.schema.key_paths().collect();
        let parts: Vec<&str> = key.split('|').collect();
        let Some(m) = self.schema.message(name) else {
            return key.to_owned();
        };
        if parts.len() != paths.len() {
            return key.to_owned();
        }
        let sensitive = |p: &str| {
            m.fields()
                .any(|f| f.path() == p && f.sensitivity() != Sensitivity::Plain)
        };
        parts
            .iter()
            .zip(&paths)
            .map(|(part, p)| {
                if sensitive(p) {
                    Sensitivity::Secret.redact(part).into_owned()
                } else {
                    (*part).to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("|")
    }

    /// Two captures or streams: aligned by key, compared pair by pair.
    fn streams(&mut self, a: &Side, b: &Side, out: &mut impl Write) -> io::Result<bool> {
        let has_key = self.schema.key_paths().next().is_some();
        // Two captures: a request and its response share a key, their direction tells them.
        let by_direction = a.capture && b.capture;
        let ia = self.index(a, by_direction);
        let ib = self.index(b, by_direction);
        let al = align(&ia, &ib);
        let mut found = false;
        let format = self.args.format;
        // Pairs and A's lone telegrams in A's order, then B's lone ones in B's.
        let mut pair_no = 0;
        for step in &al.steps {
            match *step {
                Step::Pair(i, j) => {
                    let (ta, tb) = (&a.tels[ia[i].pos], &b.tels[ib[j].pos]);
                    let (ma, mb) = match (self.decode(a, ta), self.decode(b, tb)) {
                        (Ok(x), Ok(y)) => (x, y),
                        (ra, rb) => {
                            for e in [ra.err(), rb.err()].into_iter().flatten() {
                                print_error(&e, self.color);
                                self.unreadable += 1;
                            }
                            continue;
                        }
                    };
                    pair_no += 1;
                    let d = self.schema.diff(&ma, &mb);
                    self.tally(&d);
                    if d.is_equal() {
                        continue;
                    }
                    found = true;
                    let key = ia[i].key.as_deref().map(|k| self.key_shown(&ia[i].name, k));
                    match format {
                        DiffFormat::Table => {
                            let how = match &key {
                                Some(k) => format!("key {k}"),
                                None => "no key, by position".to_owned(),
                            };
                            let again = match al.repeated.get(&ia[i].key) {
                                Some(_) if ia[i].key.is_some() => {
                                    "; key seen more times on one side: paired in order"
                                }
                                _ => "",
                            };
                            let title = format!(
                                "{}: {how} (A {}, B {}){again}",
                                ia[i].name,
                                place(ta),
                                place(tb)
                            );
                            self.write_pair_table(out, &d, Some(title))?;
                            writeln!(out)?;
                        }
                        DiffFormat::Jsonl => {
                            let at = PairAt {
                                pair: pair_no,
                                key,
                                a: (ta, a),
                                b: (tb, b),
                            };
                            self.write_pair_jsonl(out, &d, &at)?;
                        }
                    }
                }
                Step::OnlyA(i) => {
                    found = true;
                    self.lone(out, "A", a, &ia[i])?;
                }
                Step::OnlyB(j) => {
                    found = true;
                    self.lone(out, "B", b, &ib[j])?;
                }
            }
        }
        if format == DiffFormat::Table && al.lone > 0 {
            writeln!(out)?;
        }
        let summary = Summary {
            a_count: a.tels.len(),
            b_count: b.tels.len(),
            only_a: al.only_a,
            only_b: al.only_b,
            keyless: al.keyless,
            repeated: al.repeated.len(),
            has_key,
        };
        match format {
            DiffFormat::Table => self.write_summary(out, &summary, self.style)?,
            DiffFormat::Jsonl => {
                let mut err = io::stderr().lock();
                self.write_summary(&mut err, &summary, Style::stderr(self.color))?;
            }
        }
        if !has_key && a.tels.len() + b.tels.len() > 0 {
            print_note(
                "the layout has no `key` directive: telegrams were aligned by position",
                self.color,
            );
        }
        Ok(found)
    }

    /// A telegram present on one side only.
    fn lone(&self, out: &mut impl Write, which: &str, side: &Side, e: &Entry) -> io::Result<()> {
        let t = &side.tels[e.pos];
        let key = e.key.as_deref().map(|k| self.key_shown(&e.name, k));
        match self.args.format {
            DiffFormat::Table => {
                let k = key.map(|k| format!(" key {k}")).unwrap_or_default();
                writeln!(
                    out,
                    "{}",
                    self.style
                        .error(&format!("only in {which}: {}{k} ({})", e.name, place(t)))
                )
            }
            DiffFormat::Jsonl => writeln!(
                out,
                "{{\"change\":\"only_{}\",\"key\":{},\"message\":{},\"number\":{},\"offset\":{}{}}}",
                which.to_lowercase(),
                key.map(|k| json_str(&k)).unwrap_or_else(|| "null".into()),
                json_str(&e.name),
                t.number,
                t.offset,
                t.ts.as_ref()
                    .map(|ts| format!(",\"ts\":{}", json_str(ts)))
                    .unwrap_or_default(),
            ),
        }
    }

    /// Every telegram of a side with its message and key; those that match no message are
    /// reported and left out.
    fn index(&mut self, side: &Side, by_direction: bool) -> Vec<Entry> {
        let mut out = Vec::with_capacity(side.tels.len());
        for (pos, t) in side.tels.iter().enumerate() {
            let name = match &self.args.message {
                Some(n) => n.clone(),
                None => match self.schema.dispatch(&t.telegram) {
                    Ok(m) => m.name().to_owned(),
                    Err(e) => {
                        print_error(
                            &format!("{}: telegram {}: {e}", side.label, place(t)),
                            self.color,
                        );
                        self.unreadable += 1;
                        continue;
                    }
                },
            };
            let key = self.schema.key(&t.telegram).ok();
            let direction = t.direction.filter(|_| by_direction);
            out.push(Entry {
                pos,
                name,
                key,
                direction,
            });
        }
        out
    }

    fn write_summary(&self, out: &mut dyn Write, s: &Summary, style: Style) -> io::Result<()> {
        writeln!(
            out,
            "{} telegram{} in A, {} in B: {} pair{} compared, {} differ{}; {} only in A, {} only in B",
            count(s.a_count),
            plural(s.a_count),
            count(s.b_count),
            count(self.pairs),
            plural(self.pairs),
            count(self.differing),
            if self.differing == 1 { "s" } else { "" },
            count(s.only_a),
            count(s.only_b),
        )?;
        if s.has_key && s.keyless > 0 {
            writeln!(
                out,
                "{} telegram{} without a key: aligned by position among those",
                count(s.keyless),
                plural(s.keyless)
            )?;
        }
        if s.repeated > 0 {
            writeln!(
                out,
                "{} key{} seen more times on one side than the other: paired in the order they came",
                count(s.repeated),
                plural(s.repeated)
            )?;
        }
        if self.fields.is_empty() {
            return Ok(());
        }
        writeln!(out, "\n{}", style.bold("fields that differ"))?;
        let mut rows: Vec<(&String, &usize)> = self.fields.iter().collect();
        rows.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
        let mut t = Table::new(&[
            ("field", Align::Left),
            ("pairs", Align::Right),
            ("of", Align::Right),
            ("share", Align::Right),
        ]);
        for (path, n) in rows {
            let share = if self.pairs == 0 {
                0.0
            } else {
                *n as f64 * 100.0 / self.pairs as f64
            };
            t.push(Row::new(vec![
                path.clone(),
                count(*n),
                count(self.pairs),
                format!("{share:.0}%"),
            ]));
        }
        out.write_all(
            t.render_with(|tone, line| style.tone(tone, line))
                .as_bytes(),
        )
    }
}

fn change_json(f: &FieldDiff<'_, '_>) -> &'static str {
    match f.change {
        Change::Changed => "changed",
        Change::OnlyInA => "only_a",
        Change::OnlyInB => "only_b",
    }
}

fn opt_num(n: Option<usize>) -> String {
    n.map_or("null".into(), |v| v.to_string())
}

/// Where a pair is, for JSON lines.
struct PairAt<'t> {
    pair: usize,
    key: Option<String>,
    a: (&'t Tel, &'t Side),
    b: (&'t Tel, &'t Side),
}

impl PairAt<'_> {
    fn json(&self) -> String {
        let side = |(t, s): (&Tel, &Side)| {
            format!(
                "{{\"source\":{},\"number\":{},\"offset\":{}{}}}",
                json_str(&s.label),
                t.number,
                t.offset,
                t.ts.as_ref()
                    .map(|ts| format!(",\"ts\":{}", json_str(ts)))
                    .unwrap_or_default()
            )
        };
        format!(
            "\"pair\":{},\"key\":{},\"a\":{},\"b\":{}",
            self.pair,
            self.key
                .as_deref()
                .map(json_str)
                .unwrap_or_else(|| "null".into()),
            side(self.a),
            side(self.b)
        )
    }
}

struct Summary {
    a_count: usize,
    b_count: usize,
    only_a: usize,
    only_b: usize,
    keyless: usize,
    repeated: usize,
    has_key: bool,
}

/// A telegram of a side as alignment sees it.
struct Entry {
    /// Its place in the side's telegrams.
    pos: usize,
    name: String,
    /// The layout's key, or `None` for a message without one.
    key: Option<String>,
    /// Which way it went, when both sides are captures.
    direction: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Pair(usize, usize),
    OnlyA(usize),
    OnlyB(usize),
}

struct Alignment {
    steps: Vec<Step>,
    only_a: usize,
    only_b: usize,
    lone: usize,
    /// Telegrams without a key, on either side.
    keyless: usize,
    /// Keys seen a different number of times on each side, more than once on one: which
    /// of them pair is a matter of order.
    repeated: HashSet<Option<String>>,
}

/// Aligns two sides: telegrams with the same key (those without one form one group, by
/// position); within a group, the same message in the order they came, then what is left
/// of each side in order (a different message under the same key is compared as such);
/// the rest is on one side only.
fn align(a: &[Entry], b: &[Entry]) -> Alignment {
    type Group<'e> = (&'e Option<String>, Option<&'static str>);
    let mut groups_b: HashMap<Group<'_>, Vec<usize>> = HashMap::new();
    for (j, e) in b.iter().enumerate() {
        groups_b.entry((&e.key, e.direction)).or_default().push(j);
    }
    let mut groups_a: HashMap<Group<'_>, Vec<usize>> = HashMap::new();
    for (i, e) in a.iter().enumerate() {
        groups_a.entry((&e.key, e.direction)).or_default().push(i);
    }
    let mut repeated = HashSet::new();
    let mut partner: Vec<Option<usize>> = vec![None; a.len()];
    let mut taken = vec![false; b.len()];
    for (key, la) in &groups_a {
        let Some(lb) = groups_b.get(key) else {
            continue;
        };
        if key.0.is_some() && la.len() != lb.len() && la.len().max(lb.len()) > 1 {
            repeated.insert(key.0.clone());
        }
        // The same message first, in order.
        for &i in la {
            if let Some(&j) = lb.iter().find(|&&j| !taken[j] && b[j].name == a[i].name) {
                partner[i] = Some(j);
                taken[j] = true;
            }
        }
        // Then what is left, in order.
        let mut rest_b = lb
            .iter()
            .filter(|&&j| !taken[j])
            .copied()
            .collect::<Vec<_>>();
        rest_b.reverse();
        for &i in la {
            if partner[i].is_none()
                && let Some(j) = rest_b.pop()
            {
                partner[i] = Some(j);
                taken[j] = true;
            }
        }
    }
    let mut steps = Vec::with_capacity(a.len() + b.len());
    let mut only_a = 0;
    for (i, p) in partner.iter().enumerate() {
        match p {
            Some(j) => steps.push(Step::Pair(i, *j)),
            None => {
                only_a += 1;
                steps.push(Step::OnlyA(i));
            }
        }
    }
    let mut only_b = 0;
    for (j, t) in taken.iter().enumerate() {
        if !t {
            only_b += 1;
            steps.push(Step::OnlyB(j));
        }
    }
    let keyless = a.iter().chain(b).filter(|e| e.key.is_none()).count();
    Alignment {
        steps,
        only_a,
        only_b,
        lone: only_a + only_b,
        keyless,
        repeated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(pos: usize, name: &str, key: Option<&str>) -> Entry {
        Entry {
            pos,
            name: name.into(),
            key: key.map(str::to_owned),
            direction: None,
        }
    }

    #[test]
    fn alignment_by_key_message_and_order() {
        let a = [
            e(0, "req", Some("1")),
            e(1, "resp", Some("1")),
            e(2, "req", Some("2")),
            e(3, "req", None),
            e(4, "req", Some("3")),
            e(5, "req", Some("3")),
        ];
        let b = [
            e(0, "resp", Some("1")),
            e(1, "req", Some("1")),
            e(2, "err", Some("2")),
            e(3, "req", None),
            e(4, "req", Some("3")),
            e(5, "req", Some("9")),
        ];
        let al = align(&a, &b);
        assert_eq!(
            al.steps,
            [
                Step::Pair(0, 1),
                Step::Pair(1, 0),
                // A different message under the same key is compared as such.
                Step::Pair(2, 2),
                Step::Pair(3, 3),
                Step::Pair(4, 4),
                Step::OnlyA(5),
                Step::OnlyB(5),
            ]
        );
        assert_eq!((al.only_a, al.only_b, al.keyless), (1, 1, 2));
        assert_eq!(al.repeated.len(), 1, "key 3 twice in A");
    }
}
