//! The send/receive task: one TCP session to the counterpart, shared by many callers.
//!
//! Callers hand requests to the session task over a channel, each with a oneshot to be
//! answered on and a trace id. The session task files each request in a [`Correlator`]
//! (its token: the reply sender, the trace id and a tracing span) and writes it. The
//! session's reader task matches each response to its request and answers that caller,
//! inside the request's span. The timer task gives up requests at their deadline. When the
//! session is cut, the requests pending on it are failed at once and the task reconnects.
//!
//! Whatever happens, each request ends exactly once, because only the one who takes its
//! token out of the correlator (a response, the timer, or the drain of a closed session)
//! answers it.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use fep_core::{Correlator, Error, ErrorKind, Expired, FepCodec, Key, Rejected, Schema};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_util::codec::{FramedRead, FramedWrite};
use tracing::{Instrument, Span, debug, field, info, info_span, warn};

/// A caller's trace id, carried in the request's span and given back with its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId(pub u64);

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// How the relay runs.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// The counterpart's address.
    pub addr: SocketAddr,
    /// The most requests pending at once; more are refused ([`RelayError::Rejected`]).
    pub capacity: usize,
    /// How long a request waits for its response.
    pub timeout: Duration,
    /// Requests queued for the session task before callers wait to hand theirs over.
    pub queue: usize,
    /// The pause between failed connection attempts.
    pub reconnect_delay: Duration,
}

impl RelayConfig {
    /// A relay to `addr`: 10,000 pending at most, 5 s timeout.
    pub fn new(addr: SocketAddr) -> RelayConfig {
        RelayConfig {
            addr,
            capacity: 10_000,
            timeout: Duration::from_secs(5),
            queue: 1024,
            reconnect_delay: Duration::from_millis(20),
        }
    }
}

/// A matched response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The trace id the request was sent with.
    pub trace_id: TraceId,
    /// The key request and response share.
    pub key: Key,
    /// The response telegram (unframed).
    pub telegram: Bytes,
    /// From filing the request to matching its response.
    pub elapsed: Duration,
}

/// Why a request got no response.
#[derive(Debug)]
pub enum RelayError {
    /// No response before the deadline.
    Timeout {
        /// The request's trace id.
        trace_id: TraceId,
        /// The request's key.
        key: String,
        /// How long it waited.
        after: Duration,
    },
    /// The session the request was sent on was closed before its response came.
    SessionClosed {
        /// The request's trace id.
        trace_id: TraceId,
        /// The counterpart.
        host: String,
        /// The request's key.
        key: String,
    },
    /// The correlator refused the request (a duplicate key, full, no key).
    Rejected(Error),
    /// The relay stopped, or lost the request (never, unless a task panicked).
    Stopped,
}

impl fmt::Display for RelayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelayError::Timeout { key, after, .. } => write!(
                f,
                "request {key} got no response in {} ms",
                after.as_millis()
            ),
            RelayError::SessionClosed { host, key, .. } => write!(
                f,
                "the session to {host} was closed; request {key} was pending"
            ),
            RelayError::Rejected(e) => write!(f, "the request was refused: {e}"),
            RelayError::Stopped => f.write_str("the relay has stopped"),
        }
    }
}

impl std::error::Error for RelayError {}

/// What a caller gets back: exactly one per request.
pub type Outcome = Result<Reply, RelayError>;

/// The relay's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayCounts {
    /// Requests filed and written.
    pub sent: u64,
    /// Responses matched to their request.
    pub matched: u64,
    /// Requests given up at their deadline.
    pub timed_out: u64,
    /// Requests failed because their session was closed.
    pub session_failed: u64,
    /// Requests the correlator refused.
    pub rejected: u64,
    /// Responses that matched no pending request: duplicates, or late after a timeout.
    pub unmatched: u64,
    /// Responses whose key could not be read.
    pub unreadable: u64,
    /// Sessions opened.
    pub sessions: u64,
}

#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    matched: AtomicU64,
    timed_out: AtomicU64,
    session_failed: AtomicU64,
    rejected: AtomicU64,
    unmatched: AtomicU64,
    unreadable: AtomicU64,
    sessions: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    fn snapshot(&self) -> RelayCounts {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        RelayCounts {
            sent: g(&self.sent),
            matched: g(&self.matched),
            timed_out: g(&self.timed_out),
            session_failed: g(&self.session_failed),
            rejected: g(&self.rejected),
            unmatched: g(&self.unmatched),
            unreadable: g(&self.unreadable),
            sessions: g(&self.sessions),
        }
    }
}

/// A request on its way to the session task.
#[derive(Debug)]
struct Request {
    telegram: Vec<u8>,
    trace_id: TraceId,
    reply: oneshot::Sender<Outcome>,
}

/// The correlator's token: whoever takes it out answers the caller.
#[derive(Debug)]
struct Pending {
    reply: oneshot::Sender<Outcome>,
    trace_id: TraceId,
    span: Span,
}

#[derive(Debug)]
struct Shared {
    schema: Schema,
    host: String,
    config: RelayConfig,
    correlator: Correlator<Pending>,
    counts: Counters,
}

/// The relay: a session task, a timer task, and the handles callers send through.
#[derive(Debug)]
pub struct Relay {
    handle: RelayHandle,
    shared: Arc<Shared>,
    session: JoinHandle<()>,
    timer: JoinHandle<()>,
    stop_timer: watch::Sender<bool>,
}

/// What callers hold to send requests; clone one per caller.
#[derive(Debug, Clone)]
pub struct RelayHandle {
    tx: mpsc::Sender<Request>,
}

impl RelayHandle {
    /// Sends a request and waits for its one outcome.
    pub async fn call(&self, telegram: Vec<u8>, trace_id: TraceId) -> Outcome {
        let (reply, outcome) = oneshot::channel();
        let req = Request {
            telegram,
            trace_id,
            reply,
        };
        if self.tx.send(req).await.is_err() {
            return Err(RelayError::Stopped);
        }
        outcome.await.unwrap_or(Err(RelayError::Stopped))
    }
}

/// The end of a relay: its counters, and what was left in its correlator (nothing, when
/// every request ended).
#[derive(Debug, Clone, Copy)]
pub struct RelayReport {
    /// The counters at the end.
    pub counts: RelayCounts,
    /// Requests still pending in the correlator.
    pub pending: usize,
}

impl Relay {
    /// Starts the session and timer tasks on the current runtime; the session connects
    /// to `config.addr`.
    pub fn start(schema: &Schema, config: RelayConfig) -> Relay {
        let (tx, rx) = mpsc::channel(config.queue);
        let shared = Arc::new(Shared {
            schema: schema.clone(),
            host: config.addr.to_string(),
            correlator: Correlator::new(schema, config.capacity, config.timeout),
            config,
            counts: Counters::default(),
        });
        let (stop_timer, stopped) = watch::channel(false);
        let session = tokio::spawn(run_sessions(shared.clone(), rx));
        let timer = tokio::spawn(run_timer(shared.clone(), stopped));
        Relay {
            handle: RelayHandle { tx },
            shared,
            session,
            timer,
            stop_timer,
        }
    }

    /// A handle to send requests with.
    pub fn handle(&self) -> RelayHandle {
        self.handle.clone()
    }

    /// The counters now.
    pub fn counts(&self) -> RelayCounts {
        self.shared.counts.snapshot()
    }

    /// Requests pending now.
    pub fn pending(&self) -> usize {
        self.shared.correlator.len()
    }

    /// Stops taking requests and waits until every request taken has ended (once every
    /// other handle is dropped too).
    ///
    /// # Errors
    /// A task of the relay that panicked.
    pub async fn shutdown(self) -> Result<RelayReport, tokio::task::JoinError> {
        let Relay {
            handle,
            shared,
            session,
            timer,
            stop_timer,
        } = self;
        drop(handle);
        let session = session.await;
        // The timer runs until the session task is done: it may be what ends the last
        // requests.
        let _ = stop_timer.send(true);
        let timer = timer.await;
        session?;
        timer?;
        Ok(RelayReport {
            counts: shared.counts.snapshot(),
            pending: shared.correlator.len(),
        })
    }
}

/// Why a session ended.
enum Closed {
    /// The counterpart closed it, or it broke.
    Cut(String),
    /// No more requests, and none pending.
    Done,
}

async fn run_sessions(shared: Arc<Shared>, mut rx: mpsc::Receiver<Request>) {
    let mut open = true;
    let mut number = 0u64;
    loop {
        if !open && shared.correlator.is_empty() {
            return;
        }
        let stream = match TcpStream::connect(shared.config.addr).await {
            Ok(s) => s,
            Err(e) => {
                warn!(host = %shared.host, "cannot connect: {e}");
                tokio::time::sleep(shared.config.reconnect_delay).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        number += 1;
        bump(&shared.counts.sessions);
        let span = info_span!("session", n = number, host = %shared.host);
        let closed = session(&shared, stream, &mut rx, &mut open)
            .instrument(span.clone())
            .await;
        let _e = span.enter();
        match closed {
            Closed::Done => {
                info!("no more requests; the session is closed");
                return;
            }
            Closed::Cut(why) => {
                let failed = fail_pending(&shared, shared.correlator.drain());
                warn!(failed, "the session was closed: {why}; reconnecting");
            }
        }
    }
}

/// Fails the requests that were pending on a closed session.
fn fail_pending(shared: &Shared, drained: Vec<Expired<Pending>>) -> usize {
    let n = drained.len();
    for e in drained {
        let Pending {
            reply,
            trace_id,
            span,
        } = e.token;
        let error = RelayError::SessionClosed {
            trace_id,
            host: shared.host.clone(),
            key: e.key.text(),
        };
        span.in_scope(|| debug!("{error}"));
        bump(&shared.counts.session_failed);
        let _ = reply.send(Err(error));
    }
    n
}

/// One session: writes requests until the session is cut or there is no more to do.
async fn session(
    shared: &Arc<Shared>,
    stream: TcpStream,
    rx: &mut mpsc::Receiver<Request>,
    open: &mut bool,
) -> Closed {
    info!("session open");
    let (r, w) = stream.into_split();
    let frames = FramedRead::new(r, FepCodec::new(&shared.schema));
    let mut reader = tokio::spawn(read_responses(shared.clone(), frames).in_current_span());
    let mut writer = FramedWrite::new(w, FepCodec::new(&shared.schema));
    let mut idle = tokio::time::interval(Duration::from_millis(5));
    let mut reader_done = false;
    let closed = loop {
        tokio::select! {
            biased;
            end = &mut reader => {
                reader_done = true;
                break Closed::Cut(match end {
                    Ok(why) => why,
                    Err(e) => format!("the reader failed: {e}"),
                });
            }
            req = rx.recv(), if *open => {
                let Some(req) = req else {
                    *open = false;
                    continue;
                };
                if let Err(e) = send_batch(shared, &mut writer, rx, req).await {
                    break Closed::Cut(format!("a write failed: {e}"));
                }
            }
            _ = idle.tick(), if !*open => {
                if shared.correlator.is_empty() {
                    break Closed::Done;
                }
            }
        }
    };
    // Nothing of this session may complete a request after its pending ones are drained.
    if !reader_done {
        reader.abort();
        let _ = reader.await;
    }
    closed
}

/// Files and writes a request and those queued behind it, then flushes them together.
async fn send_batch(
    shared: &Shared,
    writer: &mut FramedWrite<OwnedWriteHalf, FepCodec>,
    rx: &mut mpsc::Receiver<Request>,
    first: Request,
) -> Result<(), Error> {
    let mut next = Some(first);
    let mut n = 0;
    while let Some(req) = next.take() {
        if let Some(telegram) = file(shared, req) {
            writer.feed(&telegram[..]).await?;
        }
        n += 1;
        if n < 256 {
            next = rx.try_recv().ok();
        }
    }
    writer.flush().await
}

/// Files a request in the correlator; the telegram to write, or `None` when refused (the
/// caller has been answered).
fn file(shared: &Shared, req: Request) -> Option<Vec<u8>> {
    let Request {
        telegram,
        trace_id,
        reply,
    } = req;
    let span = info_span!("request", trace_id = %trace_id, key = field::Empty);
    let token = Pending {
        reply,
        trace_id,
        span: span.clone(),
    };
    match shared.correlator.insert(&telegram, token) {
        Ok(key) => {
            span.record("key", field::display(&key));
            bump(&shared.counts.sent);
            Some(telegram)
        }
        Err(Rejected { error, token }) => {
            span.in_scope(|| warn!("refused: {error}"));
            bump(&shared.counts.rejected);
            let _ = token.reply.send(Err(RelayError::Rejected(error)));
            None
        }
    }
}

/// The session's reader: matches each response to its request and answers that caller.
/// Returns why the stream ended.
async fn read_responses(
    shared: Arc<Shared>,
    mut frames: FramedRead<OwnedReadHalf, FepCodec>,
) -> String {
    while let Some(frame) = frames.next().await {
        match frame {
            Ok(frame) => complete(&shared, frame.telegram),
            Err(e) => return format!("a broken stream: {e}"),
        }
    }
    "the counterpart closed it".to_string()
}

fn complete(shared: &Shared, telegram: Bytes) {
    match shared.correlator.complete(&telegram) {
        Ok(m) => {
            let Pending {
                reply,
                trace_id,
                span,
            } = m.token;
            span.in_scope(|| {
                debug!(
                    elapsed_us = m.elapsed.as_micros() as u64,
                    "response \"{}\"", m.response_message
                );
            });
            bump(&shared.counts.matched);
            let _ = reply.send(Ok(Reply {
                trace_id,
                key: m.key,
                telegram,
                elapsed: m.elapsed,
            }));
        }
        Err(e) if matches!(e.kind(), ErrorKind::Unmatched { .. }) => {
            bump(&shared.counts.unmatched);
            info!("a response for no pending request (a duplicate, or late): {e}");
        }
        Err(e) => {
            bump(&shared.counts.unreadable);
            warn!("a response whose key cannot be read: {e}");
        }
    }
}

/// Gives up requests at their deadline. Every deadline is its request's filing time plus
/// the one timeout, so a request filed while the timer sleeps never has an earlier one
/// than the timer's wake-up (at most one timeout ahead).
async fn run_timer(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let timeout = shared.config.timeout;
    let mut expired = Vec::new();
    loop {
        let now = Instant::now();
        let wake = shared
            .correlator
            .next_deadline()
            .map_or(now + timeout, |d| d.min(now + timeout));
        tokio::select! {
            _ = tokio::time::sleep_until(wake.into()) => {}
            _ = stop.changed() => return,
        }
        let now = Instant::now();
        shared.correlator.expire_into(now, &mut expired);
        for e in expired.drain(..) {
            let Pending {
                reply,
                trace_id,
                span,
            } = e.token;
            let error = RelayError::Timeout {
                trace_id,
                key: e.key.text(),
                after: now.saturating_duration_since(e.sent),
            };
            span.in_scope(|| info!("{error}"));
            bump(&shared.counts.timed_out);
            let _ = reply.send(Err(error));
        }
    }
}
