//! The counterpart simulator: a bank's side of the session, badly behaved on purpose.
//!
//! It answers each transfer request with a transfer response carrying the request's key,
//! after a random delay (so out of order), drops some requests, answers some twice, and
//! cuts the connection in the middle of a telegram a given number of times.
//!
//! Each request's fate (dropped, duplicated, its delays) is drawn from a generator seeded
//! with the seed and the request's key, so it does not depend on the order requests arrive.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use fep_core::{FepCodec, Framer};
use futures_util::StreamExt;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::codec::FramedRead;
use tracing::{debug, info, warn};

use crate::samples::Samples;

/// How the counterpart misbehaves.
#[derive(Debug, Clone)]
pub struct CounterpartConfig {
    /// The seed of every random choice.
    pub seed: u64,
    /// Each response waits a random time up to this.
    pub max_delay: Duration,
    /// The fraction of requests never answered.
    pub p_drop: f64,
    /// The fraction of requests answered twice (each copy with its own delay).
    pub p_dup: f64,
    /// How many times to cut the connection in the middle of a response.
    pub cuts: u64,
    /// Responses written (over all connections) before each cut: the cuts come at
    /// response `cut_every`, `2 * cut_every`, ...
    pub cut_every: u64,
}

impl Default for CounterpartConfig {
    /// Well behaved: answers everything at once, never cuts.
    fn default() -> CounterpartConfig {
        CounterpartConfig {
            seed: 1,
            max_delay: Duration::ZERO,
            p_drop: 0.0,
            p_dup: 0.0,
            cuts: 0,
            cut_every: u64::MAX,
        }
    }
}

/// What the counterpart did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CounterpartCounts {
    /// Connections accepted.
    pub connections: u64,
    /// Requests read.
    pub requests: u64,
    /// Requests not answered on purpose.
    pub dropped: u64,
    /// Requests answered twice on purpose.
    pub duplicated: u64,
    /// Responses written whole.
    pub responses: u64,
    /// Connections cut in the middle of a response.
    pub cuts: u64,
    /// Telegrams read that were not transfer requests.
    pub bad_requests: u64,
}

#[derive(Debug, Default)]
struct Counters {
    connections: AtomicU64,
    requests: AtomicU64,
    dropped: AtomicU64,
    duplicated: AtomicU64,
    responses: AtomicU64,
    due: AtomicU64,
    cuts: AtomicU64,
    bad_requests: AtomicU64,
}

fn bump(c: &AtomicU64) -> u64 {
    c.fetch_add(1, Ordering::Relaxed) + 1
}

#[derive(Debug)]
struct Shared {
    samples: Samples,
    config: CounterpartConfig,
    counts: Counters,
}

/// A running counterpart on 127.0.0.1.
#[derive(Debug)]
pub struct Counterpart {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Counterpart {
    /// Listens on 127.0.0.1 (a free port) and serves every connection.
    ///
    /// # Errors
    /// The listener's.
    pub async fn start(samples: Samples, config: CounterpartConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            samples,
            config,
            counts: Counters::default(),
        });
        let task = tokio::spawn(accept(listener, shared.clone()));
        info!(%addr, "counterpart listening");
        Ok(Counterpart { addr, shared, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What it did so far.
    pub fn counts(&self) -> CounterpartCounts {
        let c = &self.shared.counts;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CounterpartCounts {
            connections: g(&c.connections),
            requests: g(&c.requests),
            dropped: g(&c.dropped),
            duplicated: g(&c.duplicated),
            responses: g(&c.responses),
            cuts: g(&c.cuts),
            bad_requests: g(&c.bad_requests),
        }
    }

    /// Stops listening (connections being served end with the runtime).
    pub fn stop(&self) {
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let n = bump(&shared.counts.connections);
                debug!(%peer, n, "counterpart: a connection");
                tokio::spawn(serve(stream, shared.clone()));
            }
            Err(e) => {
                warn!("counterpart: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// A generator for one request's fate: the seed and the request's key, mixed.
fn fate(seed: u64, key: &str) -> SmallRng {
    // FNV-1a over the key, then the seed.
    let h = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    SmallRng::seed_from_u64(h ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let (r, w) = stream.into_split();
    let (out, responses) = mpsc::unbounded_channel::<Bytes>();
    let writer = tokio::spawn(write_responses(w, responses, shared.clone()));
    let schema = shared.samples.schema().clone();
    let mut frames = FramedRead::new(r, FepCodec::new(&schema));
    let c = &shared.config;
    let reading = async {
        while let Some(frame) = frames.next().await {
            let telegram = match frame {
                Ok(f) => f.telegram,
                Err(e) => {
                    warn!("counterpart: a broken request stream: {e}");
                    return;
                }
            };
            bump(&shared.counts.requests);
            let (Ok(key), Some(response)) =
                (schema.key(&telegram), shared.samples.respond(&telegram))
            else {
                bump(&shared.counts.bad_requests);
                continue;
            };
            let mut rng = fate(c.seed, &key);
            if rng.random_bool(c.p_drop) {
                bump(&shared.counts.dropped);
                continue;
            }
            let copies = if rng.random_bool(c.p_dup) {
                bump(&shared.counts.duplicated);
                2
            } else {
                1
            };
            let response = Bytes::from(response);
            for _ in 0..copies {
                let delay = c.max_delay.mul_f64(rng.random::<f64>());
                let out = out.clone();
                let response = response.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = out.send(response);
                });
            }
        }
    };
    // Reading ends when the relay closes its side, or when the writer cut the connection.
    let mut writer = writer;
    tokio::select! {
        _ = reading => {
            // Answer what is still on its way, then close.
            drop(out);
            let _ = (&mut writer).await;
        }
        _ = &mut writer => {}
    }
}

/// Writes responses as they come due; cuts the connection mid-telegram when the count of
/// responses reaches the next cut.
async fn write_responses(
    mut w: OwnedWriteHalf,
    mut responses: mpsc::UnboundedReceiver<Bytes>,
    shared: Arc<Shared>,
) {
    let framer = Framer::new(shared.samples.schema());
    let c = &shared.config;
    let mut buf = BytesMut::new();
    while let Some(first) = responses.recv().await {
        let mut next = Some(first);
        while let Some(response) = next.take() {
            // Every response due counts once toward the cuts, whole or cut.
            let n = bump(&shared.counts.due);
            let cut_due =
                c.cut_every > 0 && n.is_multiple_of(c.cut_every) && n / c.cut_every <= c.cuts;
            if cut_due {
                bump(&shared.counts.cuts);
                let mut frame = Vec::new();
                if framer.write(&response, &mut frame).is_err() {
                    return;
                }
                buf.extend_from_slice(&frame[..frame.len() / 2]);
                let _ = w.write_all(&buf).await;
                let _ = w.flush().await;
                warn!(
                    after = n - 1,
                    "counterpart: cutting the connection in the middle of a response"
                );
                // Dropping the write half sends FIN; the caller stops reading too.
                return;
            }
            if framer.write(&response, &mut buf).is_err() {
                return;
            }
            bump(&shared.counts.responses);
            next = responses.try_recv().ok();
        }
        if w.write_all(&buf).await.is_err() {
            return;
        }
        buf.clear();
    }
}
