//! Packet captures (pcap, pcapng) as sources: told from a stream of framed telegrams by
//! their magic number, as the command line tells them; their telegrams decoded with where
//! each was (`ts`, `src`, `dst`, `direction`); their gaps reported as bad telegrams are
//! (raised, or yielded with `keep_going`, and kept in the rejects index); and `fep.pair`.

use std::io::{self, Read};
use std::net::IpAddr;

use fep_core::capture::{CaptureEvent, CaptureOptions, CaptureReader, Gap, Whence};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::{DecodeError, Op, to_py};

create_exception!(
    fep,
    CaptureGapError,
    DecodeError,
    "Bytes of a captured TCP stream that made no telegram: segments the capture lacks, a \
     snap length that cut packets, a capture that starts inside a telegram, a stream that \
     ends inside one. `frame_offset` is the stream offset where it starts; `missing` the \
     bytes no packet holds, `skipped` the bytes captured but in no telegram; `src`, `dst` \
     and `direction` say which stream."
);

/// A byte stream for reading: sends, since it is read with the GIL released.
pub(crate) type Input = Box<dyn Read + Send>;

/// Reads the first bytes of a stream to tell a capture from framed telegrams
/// ([`fep_core::capture::sniff`]); gives back a stream that yields every byte.
pub(crate) fn sniff(input: Input) -> io::Result<(bool, Input)> {
    let (is, all) = fep_core::capture::sniff(input)?;
    Ok((is, Box::new(all)))
}

/// The `port` and `host` keyword arguments: one value or a sequence of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filters {
    ports: Vec<u16>,
    hosts: Vec<IpAddr>,
}

impl Filters {
    pub(crate) fn from_py(
        port: Option<&Bound<'_, PyAny>>,
        host: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Filters> {
        let mut f = Filters::default();
        if let Some(p) = port {
            f.ports = match p.extract::<u16>() {
                Ok(one) => vec![one],
                Err(_) => p.extract::<Vec<u16>>().map_err(|_| {
                    PyValueError::new_err("port: give a port number (0-65535) or a list of them")
                })?,
            };
        }
        if let Some(h) = host {
            let texts: Vec<String> = match h.extract::<String>() {
                Ok(one) => vec![one],
                Err(_) => h.extract::<Vec<String>>().map_err(|_| {
                    PyValueError::new_err("host: give an IP address as a str, or a list of them")
                })?,
            };
            for t in texts {
                let ip = t.trim().parse::<IpAddr>().map_err(|_| {
                    PyValueError::new_err(format!("host {t:?}: not an IPv4 or IPv6 address"))
                })?;
                f.hosts.push(ip);
            }
        }
        Ok(f)
    }

    pub(crate) fn any(&self) -> bool {
        !self.ports.is_empty() || !self.hosts.is_empty()
    }

    /// The error for filters given with a source that is no capture.
    pub(crate) fn refused() -> PyErr {
        PyValueError::new_err(
            "port and host filter packet captures (pcap, pcapng); the source is a stream of \
             framed telegrams",
        )
    }

    fn options(&self) -> CaptureOptions {
        CaptureOptions {
            ports: self.ports.clone(),
            hosts: self.hosts.clone(),
            ..CaptureOptions::default()
        }
    }
}

/// Opens a capture's reader (a stream [`sniff`] found to be one).
pub(crate) fn open(
    schema: &fep_core::Schema,
    input: Input,
    filters: &Filters,
) -> fep_core::Result<CaptureReader<Input>> {
    let input: Input = Box::new(io::BufReader::with_capacity(1 << 16, input));
    CaptureReader::with_options(schema, input, filters.options())
}

/// What went wrong in a capture, made a Python exception with the GIL.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A core error (a telegram that does not decode, a capture file that cannot be
    /// read), and where it was in the capture (empty for the file's own errors).
    Core {
        error: fep_core::Error,
        at: String,
        frame_offset: Option<u64>,
    },
    /// A stretch of a stream that made no telegram.
    Gap(Box<Gap>),
}

impl Failure {
    /// A telegram of a capture that failed: where it was, as `fep decode` says it.
    pub(crate) fn at(error: fep_core::Error, whence: &Whence, telegram_offset: u64) -> Failure {
        Failure::Core {
            at: format!(
                "{} > {} at {}, stream byte {telegram_offset}",
                whence.src(),
                whence.dst(),
                whence.ts
            ),
            error,
            frame_offset: Some(telegram_offset),
        }
    }

    /// The text kept in a rejects index.
    pub(crate) fn text(&self) -> String {
        match self {
            Failure::Core { error, at, .. } if at.is_empty() => error.to_string(),
            Failure::Core { error, at, .. } => format!("{at}: {error}"),
            Failure::Gap(g) => g.to_string(),
        }
    }

    /// The Python exception: the core error's class (`DecodeError`, `FramingError`,
    /// `OSError`...) with where it was in front of its text, or a `CaptureGapError`.
    pub(crate) fn to_py(&self, py: Python<'_>) -> PyErr {
        match self {
            Failure::Core {
                error,
                at,
                frame_offset,
            } => {
                let err = to_py(py, error, Op::Decode);
                if !at.is_empty() {
                    let value = err.value(py);
                    // str() of an exception is its args: the text with where it was.
                    let _ = value.setattr("args", (self.text(),));
                    let _ = value.setattr("frame_offset", *frame_offset);
                }
                err
            }
            Failure::Gap(g) => {
                let err = CaptureGapError::new_err(g.to_string());
                let value = err.value(py);
                let (src, dst) = match g.direction {
                    fep_core::capture::Direction::ToServer => {
                        (g.connection.client, g.connection.server)
                    }
                    fep_core::capture::Direction::ToClient => {
                        (g.connection.server, g.connection.client)
                    }
                };
                let _ = value.setattr("frame_offset", g.offset);
                let _ = value.setattr("missing", g.missing);
                let _ = value.setattr("skipped", g.skipped);
                let _ = value.setattr("src", src.to_string());
                let _ = value.setattr("dst", dst.to_string());
                let _ = value.setattr("direction", g.direction.as_str());
                err
            }
        }
    }
}

/// A telegram of a capture, decoded.
#[derive(Debug)]
pub(crate) struct Captured {
    pub message: fep_core::Message<'static>,
    pub offset: u64,
    pub len: usize,
    pub whence: Whence,
}

/// The decoded telegrams of a capture, with its failures: each bad telegram and each gap
/// is kept in the rejects (when given) and handed out; without `keep_going` the first one
/// ends the stream.
pub(crate) struct Messages {
    schema: fep_core::Schema,
    events: CaptureReader<Input>,
    keep_going: bool,
    rejects: Option<fep_core::BoxedRejectWriter>,
    pub converted: u64,
    pub rejected: u64,
    pub gaps: u64,
    done: bool,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages")
            .field("converted", &self.converted)
            .field("rejected", &self.rejected)
            .field("gaps", &self.gaps)
            .finish_non_exhaustive()
    }
}

impl Messages {
    pub(crate) fn new(
        schema: &fep_core::Schema,
        events: CaptureReader<Input>,
        keep_going: bool,
        rejects: Option<fep_core::BoxedRejectWriter>,
    ) -> Messages {
        Messages {
            schema: schema.clone(),
            events,
            keep_going,
            rejects,
            converted: 0,
            rejected: 0,
            gaps: 0,
            done: false,
        }
    }

    /// Keeps a failure in the rejects; a write error of the rejects is the failure then.
    fn reject(&mut self, offset: u64, telegram: Option<&[u8]>, f: Failure) -> Failure {
        if !self.keep_going {
            self.done = true;
        }
        if let Some(w) = &mut self.rejects
            && let Err(e) = w.reject(offset, telegram, &f.text())
        {
            self.done = true;
            return Failure::Core {
                error: e,
                at: String::new(),
                frame_offset: None,
            };
        }
        f
    }
}

impl Iterator for Messages {
    type Item = Result<Captured, Failure>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            match self.events.next() {
                None => {
                    self.done = true;
                    if let Some(Err(error)) = self.rejects.as_mut().map(|w| w.flush()) {
                        return Some(Err(Failure::Core {
                            error,
                            at: String::new(),
                            frame_offset: None,
                        }));
                    }
                    return None;
                }
                Some(Ok(CaptureEvent::Telegram(t))) => {
                    let whence = Whence::of(&t);
                    match self.schema.decode(&t.frame.telegram) {
                        Ok(m) => {
                            self.converted += 1;
                            return Some(Ok(Captured {
                                message: m.into_owned(),
                                offset: t.frame.offset,
                                len: t.frame.telegram.len(),
                                whence,
                            }));
                        }
                        Err(e) => {
                            self.rejected += 1;
                            let f = Failure::at(e, &whence, t.frame.telegram_offset);
                            let f = self.reject(t.frame.offset, Some(&t.frame.telegram), f);
                            return Some(Err(f));
                        }
                    }
                }
                Some(Ok(CaptureEvent::Gap(g))) => {
                    self.gaps += 1;
                    let offset = g.offset;
                    let f = self.reject(offset, None, Failure::Gap(g));
                    return Some(Err(f));
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    // The file cannot be read on: what was read came before.
                    self.done = true;
                    return Some(Err(Failure::Core {
                        error,
                        at: String::new(),
                        frame_offset: None,
                    }));
                }
            }
        }
    }
}

/// The rows of a pairing and what could not be paired.
struct Paired {
    rows: Vec<fep_core::capture::PairRow>,
    paired: u64,
    rejected: u64,
    gaps: u64,
}

/// Every request of a capture (or of a stream of framed telegrams) matched with its
/// response by the layout's `key`, as `fep pair` does it (the same core pairing): one
/// row a request and one a response that matched no request, in capture order, as an
/// `ArrowTable`.
///
/// Columns: `offset`, `key`, `request`, `response`, `code`, `latency_ms`, `outcome`
/// (`answered`, `unanswered`, `answered twice`, `unmatched response`), `ts`, `src`, `dst`,
/// `direction` (the columns of `fep pair --format csv`; the capture columns null for
/// framed telegrams), then `responses`. `schema` is a `Schema` or a layout file's path.
///
/// `code` names the response code field (default: one named `resp_code`,
/// `response_code` or `rsp_code`); `response_when="PATH=VALUE,..."` tells responses by a
/// field; `requests="server"` when the side that accepted the connection sends the
/// requests; `port` and `host` filter a capture's connections. A telegram that cannot be
/// paired, a framing error or a gap in a capture raises (`DecodeError`,
/// `CaptureGapError`...) unless `keep_going`: then the table's `rejected` counts the
/// telegrams and `gaps` the gaps.
#[pyfunction]
#[pyo3(signature = (schema, source, /, *, code = None, response_when = None, requests = "client", max_pending = 100_000, port = None, host = None, keep_going = false))]
// Python's keyword arguments, one Rust argument each.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pair(
    py: Python<'_>,
    schema: &Bound<'_, PyAny>,
    source: &Bound<'_, PyAny>,
    code: Option<&str>,
    response_when: Option<&str>,
    requests: &str,
    max_pending: usize,
    port: Option<&Bound<'_, PyAny>>,
    host: Option<&Bound<'_, PyAny>>,
    keep_going: bool,
) -> PyResult<crate::arrow::PyArrowTable> {
    use fep_core::capture::{Direction, PairOptions};
    let schema: fep_core::Schema = match schema.cast::<crate::schema::PySchema>() {
        Ok(s) => s.get().schema.clone(),
        Err(_) => {
            let path: std::path::PathBuf = schema.extract().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "expected a fep.Schema or a layout file's path, found {}",
                    crate::input::type_name(schema)
                ))
            })?;
            py.detach(|| fep_core::Schema::load(&path))
                .map_err(|e| to_py(py, &e, Op::Decode))?
        }
    };
    let mut options = PairOptions::new(&schema);
    if let Some(p) = code {
        options.code = Some(
            schema
                .field(p)
                .map_err(|e| PyValueError::new_err(format!("code {p:?}: {e}")))?,
        );
    }
    if let Some(rule) = response_when {
        options.response_when = Some(
            PairOptions::response_when(&schema, rule)
                .map_err(|e| PyValueError::new_err(format!("response_when {rule:?}: {e}")))?,
        );
    }
    options.requests = match requests {
        "client" => Direction::ToServer,
        "server" => Direction::ToClient,
        other => {
            return Err(PyValueError::new_err(format!(
                "requests {other:?}: give \"client\" (the side that opened the connection \
                 sends them) or \"server\""
            )));
        }
    };
    if max_pending == 0 {
        return Err(PyValueError::new_err("max_pending must be at least 1"));
    }
    options.max_pending = max_pending;
    let filters = Filters::from_py(port, host)?;
    let input = crate::input::Source::from_py(source)?.open()?;
    let (is_capture, input) =
        sniff(input).map_err(|e| to_py(py, &fep_core::Error::from(e), Op::Decode))?;
    if !is_capture && filters.any() {
        return Err(Filters::refused());
    }
    let r = py.detach(|| pair_stream(&schema, options, input, is_capture, &filters, keep_going));
    let paired = r.map_err(|f| f.to_py(py))?;
    let batch =
        fep_arrow::capture::pair_batch(&paired.rows).map_err(|e| crate::arrow::to_py_err(py, e))?;
    let counts = crate::arrow::Counts {
        converted: paired.paired,
        rejected: paired.rejected,
        gaps: paired.gaps,
    };
    Ok(crate::arrow::PyArrowTable::new(
        vec![batch],
        fep_arrow::capture::pair_schema(),
        counts,
    ))
}

fn pair_stream(
    schema: &fep_core::Schema,
    options: fep_core::capture::PairOptions,
    input: Input,
    is_capture: bool,
    filters: &Filters,
    keep_going: bool,
) -> Result<Paired, Failure> {
    let mut p = fep_core::capture::Pairer::new(schema, options, is_capture);
    let (mut paired, mut rejected, mut gaps) = (0u64, 0u64, 0u64);
    let whole = |error: fep_core::Error, frame_offset: Option<u64>| Failure::Core {
        error,
        at: String::new(),
        frame_offset,
    };
    if is_capture {
        let events = open(schema, input, filters).map_err(|e| whole(e, None))?;
        for event in events {
            match event {
                Ok(CaptureEvent::Telegram(t)) => {
                    let whence = Whence::of(&t);
                    match p.push(&t.frame.telegram, t.frame.offset, Some(whence)) {
                        Ok(()) => paired += 1,
                        Err(_) if keep_going => rejected += 1,
                        Err(e) => return Err(Failure::at(e, &whence, t.frame.telegram_offset)),
                    }
                }
                Ok(CaptureEvent::Gap(g)) => {
                    gaps += 1;
                    if !keep_going {
                        return Err(Failure::Gap(g));
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    // The capture cannot be read on: what was read before stays.
                    if !keep_going {
                        return Err(whole(e, None));
                    }
                    rejected += 1;
                    break;
                }
            }
        }
    } else {
        let mut frames = fep_core::TelegramReader::new(schema, input).keep_going(true);
        while let Some(item) = frames.next() {
            match item {
                Ok(frame) => match p.push(&frame.telegram, frame.offset, None) {
                    Ok(()) => paired += 1,
                    Err(_) if keep_going => rejected += 1,
                    Err(e) => return Err(whole(e.in_frame(frame.offset), Some(frame.offset))),
                },
                Err(e) => {
                    // Past a frame whose end is known, reading goes on; else it cannot.
                    let fatal = e
                        .offset()
                        .is_none_or(|at| frames.stream_offset() <= at as u64);
                    if !keep_going {
                        return Err(whole(e, None));
                    }
                    rejected += 1;
                    if fatal {
                        break;
                    }
                }
            }
        }
    }
    Ok(Paired {
        rows: p.into_rows(),
        paired,
        rejected,
        gaps,
    })
}
