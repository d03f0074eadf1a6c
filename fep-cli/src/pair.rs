//! `fep pair`: every request of a capture (or of a file of framed telegrams) matched with
//! its response by the layout's key, through the core's correlator; one row a request and
//! one a response that matched nothing, then a summary: outcomes, latency percentiles per
//! message, response codes and a latency histogram.
//!
//! Rows wait until the end of the input (a request's outcome is known only then), so
//! memory grows with the number of requests: a few dozen bytes each, fine for the
//! captures an incident leaves; the capture itself is read in constant memory.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use fep_core::capture::{CaptureEvent, Direction, Outcome, PairOptions, PairRow, Pairer, Whence};
use fep_core::text::{Align, Row, Table, Tone};

use crate::args::ColorChoice;
use crate::capture::{self, FilterArgs};
use crate::failure::{self, Failure, print_error, print_note};
use crate::input::{Source, Telegrams};
use crate::render;
use crate::style::Style;

#[derive(Debug, Args)]
pub struct PairArgs {
    /// The layout file (its `key` directive says what a request and its response share)
    #[arg(short, long, value_name = "LAYOUT")]
    pub layout: PathBuf,

    /// A capture (pcap or pcapng) or a file of framed telegrams
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// Output format for the rows
    #[arg(short, long, value_enum, default_value_t = PairFormat::Table, value_name = "FORMAT")]
    pub format: PairFormat,

    /// The response code field [default: a field named resp_code or response_code, if the
    /// layout has one]
    #[arg(long, value_name = "PATH")]
    pub code: Option<String>,

    /// Tell responses by a field's value instead (PATH=VALUE,VALUE...), e.g.
    /// header.msg_code=2100,3100. Without it, in a capture, requests are what the client
    /// sends (see --requests); in a file of telegrams, a telegram whose key is waiting is
    /// the response, any other a request
    #[arg(long, value_name = "PATH=VALUES")]
    pub response_when: Option<String>,

    /// In a capture, which side sends the requests
    #[arg(long, value_enum, default_value_t = Sender::Client, value_name = "SIDE")]
    pub requests: Sender,

    /// The most requests waiting for a response at once
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub max_pending: usize,

    #[command(flatten)]
    pub filters: FilterArgs,
}

/// Pair's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PairFormat {
    /// A table, then the summary.
    Table,
    /// One JSON object a row; the summary on standard error.
    Jsonl,
    /// A header, then one line a row; the summary on standard error.
    Csv,
}

/// Which side of a connection sends requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sender {
    /// The side that opened the connection (a FEP calling its bank).
    Client,
    /// The side that accepted it (a bank's FEP taking calls).
    Server,
}

pub fn run(args: &PairArgs, color: ColorChoice) -> Result<(), Failure> {
    let schema = crate::check::load(&args.layout, color)?;
    let mut options = PairOptions::new(&schema);
    if let Some(p) = &args.code {
        options.code = Some(
            schema
                .field(p)
                .map_err(|e| Failure::usage(format!("--code {p}: {e}")))?,
        );
    }
    if let Some(rule) = &args.response_when {
        options.response_when = Some(
            PairOptions::response_when(&schema, rule)
                .map_err(|e| Failure::usage(format!("--response-when {rule}: {e}")))?,
        );
    }
    options.requests = match args.requests {
        Sender::Client => Direction::ToServer,
        Sender::Server => Direction::ToClient,
    };
    options.max_pending = args.max_pending;
    let src = Source::path(&args.input);
    let label = src.label();
    let (reader, _, is_capture) = capture::open_source(&src)?;
    if !is_capture && args.filters.any() {
        return Err(Failure::usage(format!(
            "{label}: --port and --host filter captures; this is a file of telegrams"
        )));
    }
    let mut p = Pairer::new(&schema, options, is_capture);
    let mut gaps = 0u64;
    let mut failed = false;
    if is_capture {
        let reader = capture::open(&schema, reader, &label, &args.filters)?;
        for event in reader {
            match event {
                Ok(CaptureEvent::Telegram(t)) => {
                    if let Err(e) = p.push(&t.frame.telegram, t.frame.offset, Some(Whence::of(&t)))
                    {
                        // Where in the capture, as `fep decode` says it.
                        print_error(
                            &format!(
                                "{label}: {} > {} at {}, stream byte {}: {e}",
                                t.src(),
                                t.dst(),
                                t.ts,
                                t.frame.telegram_offset
                            ),
                            color,
                        );
                    }
                }
                Ok(CaptureEvent::Gap(g)) => {
                    gaps += 1;
                    print_note(&format!("{label}: {g}"), color);
                }
                Ok(_) => {}
                Err(e) => {
                    failed = true;
                    print_error(&format!("{label}: {e}"), color);
                }
            }
        }
    } else {
        for item in Telegrams::new(&schema, reader, false) {
            match item {
                Ok(frame) => {
                    if let Err(e) = p.push(&frame.telegram, frame.offset, None) {
                        // In its frame, as the other commands say it.
                        print_error(&format!("{label}: {}", e.in_frame(frame.offset)), color);
                    }
                }
                Err(fe) => {
                    failed = true;
                    let mut text = format!("{label}: {}", fe.error);
                    if fe.fatal && fe.error.offset().is_some() {
                        text.push_str(&format!(
                            "\n  the telegrams after it cannot be found; the rest of {label} is skipped"
                        ));
                    }
                    print_error(&text, color);
                    if fe.fatal {
                        break;
                    }
                }
            }
        }
    }
    let unpaired = p.unpaired();
    let rows = p.into_rows();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let style = Style::stdout(color);
    let summary = Summary::of(&rows, gaps, unpaired);
    let written = match args.format {
        PairFormat::Table => write_table(&mut out, &rows, style)
            .and_then(|()| writeln!(out))
            .and_then(|()| summary.write(&mut out, style)),
        PairFormat::Jsonl => write_jsonl(&mut out, &rows)
            .and_then(|()| summary.write(&mut io::stderr().lock(), Style::stderr(color))),
        PairFormat::Csv => write_csv(&mut out, &rows)
            .and_then(|()| summary.write(&mut io::stderr().lock(), Style::stderr(color))),
    };
    written
        .and_then(|()| out.flush())
        .map_err(Failure::output)?;
    let all_answered = rows
        .iter()
        .all(|r| !r.is_request() || r.outcome() == Outcome::Answered);
    if all_answered && !failed && unpaired == 0 && gaps == 0 {
        Ok(())
    } else {
        Err(Failure::reported(failure::DATA))
    }
}

fn latency_text(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.3} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.1} s", ms / 1e3)
    }
}

fn write_table(out: &mut impl Write, rows: &[PairRow], style: Style) -> io::Result<()> {
    let with_time = rows.iter().any(|r| r.whence.is_some());
    let mut cols = vec![];
    if with_time {
        cols.push(("time", Align::Left));
    } else {
        cols.push(("offset", Align::Right));
    }
    cols.extend([
        ("key", Align::Left),
        ("request", Align::Left),
        ("response", Align::Left),
        ("code", Align::Left),
        ("latency", Align::Right),
        ("outcome", Align::Left),
    ]);
    let mut t = Table::new(&cols);
    for r in rows {
        let first = match &r.whence {
            Some(w) => w.ts.to_string(),
            None => r.offset.to_string(),
        };
        let mut outcome = r.outcome().as_str().to_owned();
        if r.superseded {
            outcome.push_str(" (key sent again)");
        }
        let row = Row::new(vec![
            first,
            r.key.clone(),
            r.request.clone().unwrap_or_default(),
            r.response.clone().unwrap_or_default(),
            r.code.clone().unwrap_or_default(),
            r.latency.map(latency_text).unwrap_or_default(),
            outcome,
        ]);
        let row = if r.outcome() == Outcome::Answered {
            row
        } else {
            row.tone(Tone::Error)
        };
        t.push(row);
    }
    out.write_all(
        t.render_with(|tone, line| style.tone(tone, line))
            .as_bytes(),
    )
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn opt_json(s: &Option<String>) -> String {
    s.as_deref().map(json_str).unwrap_or_else(|| "null".into())
}

fn write_jsonl(out: &mut impl Write, rows: &[PairRow]) -> io::Result<()> {
    for r in rows {
        let capture = match &r.whence {
            Some(w) => {
                let (src, dst) = (w.src(), w.dst());
                format!(
                    ",\"capture\":{{\"ts\":\"{}\",\"src\":\"{src}\",\"dst\":\"{dst}\",\"direction\":\"{}\"}}",
                    w.ts,
                    w.direction.as_str()
                )
            }
            None => String::new(),
        };
        let latency = r
            .latency
            .map(|d| format!("{}", d.as_secs_f64() * 1e3))
            .unwrap_or_else(|| "null".into());
        writeln!(
            out,
            "{{\"offset\":{},\"key\":{},\"request\":{},\"response\":{},\"code\":{},\"latency_ms\":{latency},\"outcome\":\"{}\",\"responses\":{}{capture}}}",
            r.offset,
            json_str(&r.key),
            opt_json(&r.request),
            opt_json(&r.response),
            opt_json(&r.code),
            r.outcome().as_str(),
            r.responses,
        )?;
    }
    Ok(())
}

fn write_csv(out: &mut impl Write, rows: &[PairRow]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![
        "offset",
        "key",
        "request",
        "response",
        "code",
        "latency_ms",
        "outcome",
    ];
    header.extend(capture::CSV_COLUMNS);
    w.write_record(&header)?;
    for r in rows {
        let (ts, src, dst, dir) = match &r.whence {
            Some(w) => (
                w.ts.to_string(),
                w.src().to_string(),
                w.dst().to_string(),
                w.direction.as_str().to_owned(),
            ),
            None => Default::default(),
        };
        w.write_record([
            r.offset.to_string(),
            r.key.clone(),
            r.request.clone().unwrap_or_default(),
            r.response.clone().unwrap_or_default(),
            r.code.clone().unwrap_or_default(),
            r.latency
                .map(|d| format!("{:.6}", d.as_secs_f64() * 1e3))
                .unwrap_or_default(),
            r.outcome().as_str().to_owned(),
            ts,
            src,
            dst,
            dir,
        ])?;
    }
    w.flush()
}

/// What the summary counts.
struct Summary {
    requests: u64,
    answered: u64,
    unanswered: u64,
    twice: u64,
    stray: u64,
    gaps: u64,
    unreadable: u64,
    /// Latencies by request message, sorted.
    latency: BTreeMap<String, Vec<Duration>>,
    codes: BTreeMap<String, u64>,
}

impl Summary {
    fn of(rows: &[PairRow], gaps: u64, unreadable: u64) -> Summary {
        let mut s = Summary {
            requests: 0,
            answered: 0,
            unanswered: 0,
            twice: 0,
            stray: 0,
            gaps,
            unreadable,
            latency: BTreeMap::new(),
            codes: BTreeMap::new(),
        };
        for r in rows {
            match r.outcome() {
                Outcome::UnmatchedResponse => s.stray += 1,
                Outcome::Unanswered => s.unanswered += 1,
                Outcome::Answered => s.answered += 1,
                Outcome::AnsweredTwice => s.twice += 1,
            }
            if r.is_request() {
                s.requests += 1;
            }
            if let (Some(l), Some(m)) = (r.latency, &r.request) {
                s.latency.entry(m.clone()).or_default().push(l);
            }
            if let Some(c) = &r.code {
                let c = if c.is_empty() {
                    "(blank)".to_owned()
                } else {
                    c.clone()
                };
                *s.codes.entry(c).or_default() += 1;
            }
        }
        for v in s.latency.values_mut() {
            v.sort();
        }
        s
    }

    fn write(&self, out: &mut dyn Write, style: Style) -> io::Result<()> {
        let n = render::count;
        writeln!(
            out,
            "{} request{}: {} answered, {} unanswered, {} answered twice; {} response{} matched no request",
            n(self.requests),
            plural(self.requests),
            n(self.answered),
            n(self.unanswered),
            n(self.twice),
            n(self.stray),
            plural(self.stray),
        )?;
        if self.gaps > 0 {
            writeln!(
                out,
                "{} gap{} in the capture: telegrams there are missing (see the notes above)",
                n(self.gaps),
                plural(self.gaps)
            )?;
        }
        if self.unreadable > 0 {
            writeln!(
                out,
                "{} telegram{} could not be paired (see the errors above)",
                n(self.unreadable),
                plural(self.unreadable)
            )?;
        }
        if !self.latency.is_empty() {
            writeln!(out, "\n{}", style.bold("latency by request message"))?;
            let mut t = Table::new(&[
                ("message", Align::Left),
                ("answered", Align::Right),
                ("p50", Align::Right),
                ("p90", Align::Right),
                ("p99", Align::Right),
                ("max", Align::Right),
            ]);
            for (m, v) in &self.latency {
                t.push(Row::new(vec![
                    m.clone(),
                    n(v.len() as u64),
                    latency_text(percentile(v, 50)),
                    latency_text(percentile(v, 90)),
                    latency_text(percentile(v, 99)),
                    latency_text(v[v.len() - 1]),
                ]));
            }
            out.write_all(
                t.render_with(|tone, line| style.tone(tone, line))
                    .as_bytes(),
            )?;
        }
        if !self.codes.is_empty() {
            writeln!(out, "\n{}", style.bold("response codes"))?;
            let mut t = Table::new(&[("code", Align::Left), ("count", Align::Right)]);
            for (c, k) in &self.codes {
                t.push(Row::new(vec![c.clone(), n(*k)]));
            }
            out.write_all(
                t.render_with(|tone, line| style.tone(tone, line))
                    .as_bytes(),
            )?;
        }
        let all: Vec<Duration> = self.latency.values().flatten().copied().collect();
        if !all.is_empty() {
            writeln!(out, "\n{}", style.bold("latency histogram"))?;
            out.write_all(histogram(&all).as_bytes())?;
        }
        Ok(())
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// Latencies in buckets that double (under 1 ms, 1-2 ms, 2-4 ms, ...), one bar a bucket
/// from the first to the last that holds any, the longest bar 40 cells.
fn histogram(all: &[Duration]) -> String {
    let bucket = |d: &Duration| -> usize {
        let ms = d.as_secs_f64() * 1e3;
        if ms < 1.0 {
            0
        } else {
            // 1-2 ms is bucket 1, 2-4 ms bucket 2, ...
            (ms.log2().floor() as usize + 1).min(40)
        }
    };
    let mut counts = [0u64; 41];
    for d in all {
        counts[bucket(d)] += 1;
    }
    let first = counts.iter().position(|&c| c > 0).unwrap_or(0);
    let last = counts.iter().rposition(|&c| c > 0).unwrap_or(0);
    let most = counts.iter().copied().max().unwrap_or(1).max(1);
    let label = |b: usize| -> String {
        let ms = |e: usize| -> String {
            let v = 1u64 << e;
            if v >= 1000 {
                format!("{}s", v as f64 / 1000.0)
            } else {
                format!("{v}ms")
            }
        };
        if b == 0 {
            "< 1ms".into()
        } else {
            format!("{}-{}", ms(b - 1), ms(b))
        }
    };
    let labels: Vec<String> = (first..=last).map(label).collect();
    let width = labels.iter().map(String::len).max().unwrap_or(0);
    let mut s = String::new();
    for (b, l) in (first..=last).zip(&labels) {
        let c = counts[b];
        let cells = (c * 40).div_ceil(most) as usize;
        s.push_str(&format!("  {l:>width$} {} {c}\n", "█".repeat(cells)));
    }
    s
}
