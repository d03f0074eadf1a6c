//! Correlation: responses matched to their requests by key, and each request's token (a
//! trace id, a span, a reply channel) given back with its response.
//!
//! A FEP sends many requests over the few TCP sessions a counterpart allows, and the
//! responses come back in any order with nothing but their fields to say which request
//! they answer. The [`Correlator`] files each request under its correlation key (the
//! layout's `key` fields, read from the bytes without decoding), hands the token back when
//! the response with the same key arrives, and gives back every request whose deadline
//! passes. Every request it takes in leaves exactly once: matched, expired, cancelled or
//! drained. It does no I/O and keeps no clock of its own: the caller passes the time.
//!
//! The table is split into shards, each behind its own lock held only for a hash map
//! operation (never across the caller's code), so senders and receivers on many threads do
//! not queue behind one lock. Each shard sits on its own cache lines, and the capacity is
//! counted in credits that each shard borrows in batches from a shared pool, so that a
//! pair of operations on one shard writes to no memory another shard's users touch. Keys
//! are kept as bytes, inline for the usual lengths; the maps are sized for the capacity
//! when the correlator is made, so that a correlator in steady state allocates nothing.

mod key;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub use self::key::Key;
use crate::error::{Error, ErrorKind, Result};
use crate::schema::Schema;

/// Shards of the pending table: a power of two, enough that threads rarely meet.
const SHARDS: usize = 16;

/// How many times an insert that finds no credit gathers the shards' before it says the
/// table is full while fewer than `capacity` requests are pending.
const GATHER_TRIES: usize = 4;

/// How many unmatched responses are kept for diagnosis.
pub const UNMATCHED_KEPT: usize = 64;

/// How many pending requests an unmatched response is compared with, at most, to find the
/// nearest: a bound on the time one bad response costs.
const NEAREST_SCAN: usize = 16_384;

/// Matches responses to their requests by the layout's correlation key.
///
/// `T` is the caller's token: a trace id, a span, a reply channel, anything `Send`.
///
/// # Example
/// ```
/// use std::time::{Duration, Instant};
/// use fep_core::{Correlator, Schema};
///
/// let schema = Schema::parse(r#"
/// encoding ascii
/// key seq
/// message request 10 {
///   when kind = "REQ"
///   kind X(3)
///   seq  9(7)
/// }
/// message response 12 {
///   when kind = "RES"
///   kind X(3)
///   seq  9(7)
///   code X(2)
/// }
/// "#)?;
/// let table = Correlator::new(&schema, 10_000, Duration::from_secs(30));
/// let now = Instant::now();
/// table.insert_at(b"REQ0000042", "trace-42", now, now + Duration::from_secs(5))
///     .map_err(|r| r.error)?;
/// let done = table.complete_at(b"RES000004200", now + Duration::from_millis(120))?;
/// assert_eq!(done.token, "trace-42");
/// assert_eq!(done.request_message, "request");
/// assert_eq!(done.key.text(), "0000042");
/// assert_eq!(done.elapsed, Duration::from_millis(120));
/// assert!(table.is_empty());
/// # Ok::<(), fep_core::Error>(())
/// ```
pub struct Correlator<T> {
    schema: Schema,
    shards: Box<[Slot<T>]>,
    seed: key::Seed,
    plans: key::KeyPlans,
    capacity: usize,
    /// Credits (room for one pending request each) that no shard holds. With the shards'
    /// own credits and the pending requests they always add up to the capacity.
    free: AtomicUsize,
    /// How many credits a shard borrows from `free` at once.
    batch: usize,
    timeout: Duration,
    unmatched: Mutex<VecDeque<Unmatched>>,
}

/// A shard's pending requests, filed by the hash their key carries.
type Map<T> = hashbrown::HashTable<Entry<T>>;

struct Entry<T> {
    key: Key,
    pending: Pending<T>,
}

/// One shard: its lock, and its count of pending requests for [`Correlator::len`], on
/// cache lines of their own (128 bytes: two lines, as adjacent lines are fetched in pairs),
/// so that threads working in different shards never write to the same line.
#[repr(align(128))]
struct Slot<T> {
    shard: Mutex<Shard<T>>,
    /// The map's length, stored under the lock after each change; read without it.
    pending: AtomicUsize,
}

struct Shard<T> {
    map: Map<T>,
    /// Credits this shard holds: inserts here spend them, requests leaving give them back.
    credits: usize,
}

struct Pending<T> {
    token: T,
    message: u32,
    sent: Instant,
    deadline: Instant,
}

/// A response matched with its request. The message names are the schema's, borrowed
/// from the correlator: a match touches no shared reference count, which threads would
/// contend for.
#[derive(Debug)]
pub struct Matched<'c, T> {
    /// The token the request was inserted with.
    pub token: T,
    /// The request's message.
    pub request_message: &'c str,
    /// The response's message.
    pub response_message: &'c str,
    /// The key they share.
    pub key: Key,
    /// From the request's insert to the response's completion.
    pub elapsed: Duration,
}

/// A request that left the table without a response: its deadline passed, it was
/// cancelled, or the table was drained.
#[derive(Debug)]
pub struct Expired<T> {
    /// The token the request was inserted with.
    pub token: T,
    /// The request's message.
    pub request_message: Arc<str>,
    /// The request's key.
    pub key: Key,
    /// The request's deadline.
    pub deadline: Instant,
    /// When the request was inserted.
    pub sent: Instant,
}

/// A request the correlator did not take, with its token given back: nothing is lost.
#[derive(Debug)]
pub struct Rejected<T> {
    /// Why: [`ErrorKind::DuplicateKey`], [`ErrorKind::CorrelatorFull`], or the error of
    /// reading the key ([`ErrorKind::NoKey`], a telegram no message matches, ...).
    pub error: Error,
    /// The token, back to the caller.
    pub token: T,
}

impl<T> From<Rejected<T>> for Error {
    fn from(r: Rejected<T>) -> Error {
        r.error
    }
}

/// A response that matched no pending request, kept for diagnosis
/// ([`Correlator::unmatched`]).
#[derive(Debug, Clone)]
pub struct Unmatched {
    /// The response's message.
    pub message: Arc<str>,
    /// The response's key.
    pub key: Key,
    /// When it arrived (the time passed to [`Correlator::complete_at`]).
    pub at: Instant,
    /// The pending request whose key is nearest, and how it differs, when one shares at
    /// least one key part: `request "transfer" 20240314|004|TESTCO0001|0000123 differs in
    /// header.send_date: 20240314, the response has 20240315`.
    pub nearest: Option<String>,
}

/// A correlation error about a telegram of `message` (`transfer: a request with the key
/// ... is already pending`): the message is the error's, its path empty.
fn about(kind: ErrorKind, message: &Arc<str>) -> Error {
    Error::value(kind).with_message(message)
}

impl<T> std::fmt::Debug for Correlator<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Correlator")
            .field("pending", &self.len())
            .field("capacity", &self.capacity)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl<T> Correlator<T> {
    /// A correlator for the schema's telegrams, holding at most `capacity` pending
    /// requests, with `timeout` as the deadline of [`insert`](Correlator::insert).
    pub fn new(schema: &Schema, capacity: usize, timeout: Duration) -> Correlator<T> {
        // Room for the capacity spread unevenly over the shards, so the maps never grow in
        // steady state. Keys are hashed with a random seed, so a shard's share of a full
        // table is binomial: its mean plus four standard deviations (about the square root
        // of the mean) is exceeded by one of the 16 shards about once in 2,000 full tables,
        // and then that map grows once. A wider margin costs dearly: the maps round their
        // buckets up to a power of two, and a quarter more (the earlier margin) took a
        // table of 100,000 from 8,192 to 16,384 buckets a shard, 359 bytes per request.
        let mean = capacity.div_ceil(SHARDS);
        let per_shard = mean + 4 * mean.isqrt() + 16;
        let shards = (0..SHARDS)
            .map(|_| Slot {
                shard: Mutex::new(Shard {
                    map: Map::with_capacity(per_shard),
                    credits: 0,
                }),
                pending: AtomicUsize::new(0),
            })
            .collect();
        Correlator {
            schema: schema.clone(),
            shards,
            seed: key::Seed::new(),
            plans: key::KeyPlans::new(schema),
            capacity,
            free: AtomicUsize::new(capacity),
            // A few dozen inserts a shard between visits to the shared pool, and never so
            // many that the shards' holdings are a large part of a small table.
            batch: (capacity / (SHARDS * 8)).clamp(1, 64),
            timeout,
            unmatched: Mutex::new(VecDeque::with_capacity(UNMATCHED_KEPT)),
        }
    }

    /// The schema whose keys the correlator reads.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// How many requests are pending (exact when no other thread is changing the table).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.pending.load(Ordering::Relaxed))
            .sum()
    }

    /// True when no request is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most requests that may be pending at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The timeout [`insert`](Correlator::insert) gives a request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The key of a telegram as the correlator reads it.
    ///
    /// # Errors
    /// [`ErrorKind::NoKey`] when its message has no key; the errors of [`Schema::key`].
    pub fn key(&self, telegram: &[u8]) -> Result<Key> {
        self.plans
            .read(&self.schema, telegram, &self.seed)
            .map(|(k, _)| k)
    }

    fn slot(&self, key: &Key) -> &Slot<T> {
        // The shard from a remix of the hash, so that neither the bits the map takes for
        // its bucket (low) nor those for its control bytes (high) are fixed within a shard.
        let h = key.hash_value();
        let i = ((h ^ (h >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 60) as usize & (SHARDS - 1);
        &self.shards[i]
    }

    /// Credits from the shared pool: up to `want`, as many as it has.
    fn borrow(&self, want: usize) -> usize {
        let mut got = 0;
        // `fetch_update` retries only when another shard took or gave at the same moment.
        let _ = self
            .free
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |free| {
                got = free.min(want);
                Some(free - got)
            });
        got
    }

    /// Every credit the pool and the other shards hold, gathered for a shard that found
    /// none (the table is full, or nearly, with its room held by other shards). Locks one
    /// shard at a time, never while holding another.
    #[cold]
    fn gather(&self) -> usize {
        let mut got = self.borrow(usize::MAX);
        for slot in &*self.shards {
            got += std::mem::take(&mut slot.lock().credits);
        }
        got
    }

    /// Gives back `n` credits to a shard, and its surplus to the pool.
    fn repay(&self, shard: &mut Shard<T>, n: usize) {
        shard.credits += n;
        if shard.credits > 2 * self.batch {
            self.free
                .fetch_add(shard.credits - self.batch, Ordering::AcqRel);
            shard.credits = self.batch;
        }
    }

    /// Files a request, sent now, with the correlator's timeout.
    ///
    /// # Errors
    /// See [`insert_at`](Correlator::insert_at); the token comes back with the error.
    pub fn insert(&self, request: &[u8], token: T) -> Result<Key, Rejected<T>> {
        let now = Instant::now();
        self.insert_at(request, token, now, now + self.timeout)
    }

    /// Files a request sent at `now`, to be given up at `deadline`, under its key.
    ///
    /// # Errors
    /// The token comes back with [`ErrorKind::DuplicateKey`] when a request with the same
    /// key is pending (the pending one stays), [`ErrorKind::CorrelatorFull`] at capacity,
    /// [`ErrorKind::NoKey`] when the request's message has no key, or the error of reading
    /// its key (no message matches, a short telegram).
    pub fn insert_at(
        &self,
        request: &[u8],
        token: T,
        now: Instant,
        deadline: Instant,
    ) -> Result<Key, Rejected<T>> {
        let (key, mi) = match self.plans.read(&self.schema, request, &self.seed) {
            Ok(k) => k,
            Err(error) => return Err(Rejected { error, token }),
        };
        let slot = self.slot(&key);
        let mut shard = slot.lock();
        if shard.credits == 0 {
            shard.credits = self.borrow(self.batch);
            // None in the pool: gather the other shards'. Another thread gathering at the
            // same moment holds credits in passing, so finding none while fewer than
            // `capacity` requests are pending means "look again", not "full".
            let mut tries = 0;
            while shard.credits == 0 && tries < GATHER_TRIES {
                drop(shard);
                if tries > 0 {
                    std::thread::yield_now();
                }
                let got = self.gather();
                shard = slot.lock();
                shard.credits += got;
                tries += 1;
                if self.len() >= self.capacity {
                    break;
                }
            }
            if shard.credits == 0 {
                drop(shard);
                let kind = ErrorKind::CorrelatorFull {
                    capacity: self.capacity,
                    key: key.text(),
                };
                return Err(self.rejected(kind, mi, token));
            }
        }
        let hash = key.hash_value();
        match shard
            .map
            .entry(hash, |e| e.key == key, |e| e.key.hash_value())
        {
            hashbrown::hash_table::Entry::Occupied(_) => {
                drop(shard);
                Err(self.rejected(ErrorKind::DuplicateKey(key.text()), mi, token))
            }
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(Entry {
                    key: key.clone(),
                    pending: Pending {
                        token,
                        message: mi as u32,
                        sent: now,
                        deadline,
                    },
                });
                shard.credits -= 1;
                slot.pending.store(shard.map.len(), Ordering::Relaxed);
                Ok(key)
            }
        }
    }

    #[cold]
    fn rejected(&self, kind: ErrorKind, mi: usize, token: T) -> Rejected<T> {
        Rejected {
            error: about(kind, &self.schema.inner.messages[mi].name),
            token,
        }
    }

    /// Matches a response arriving now.
    ///
    /// # Errors
    /// See [`complete_at`](Correlator::complete_at).
    pub fn complete(&self, response: &[u8]) -> Result<Matched<'_, T>> {
        self.complete_at(response, Instant::now())
    }

    /// Matches a response that arrived at `now` with its pending request, which leaves the
    /// table.
    ///
    /// # Errors
    /// [`ErrorKind::Unmatched`] when no pending request has its key, naming the key and the
    /// nearest pending request (the one sharing the most key parts among up to 16,384 of
    /// them); kept too, for [`unmatched`](Correlator::unmatched). The errors of reading its
    /// key.
    pub fn complete_at(&self, response: &[u8], now: Instant) -> Result<Matched<'_, T>> {
        let (key, mi) = self.plans.read(&self.schema, response, &self.seed)?;
        let s = &*self.schema.inner;
        let slot = self.slot(&key);
        let mut shard = slot.lock();
        let Ok(found) = shard.map.find_entry(key.hash_value(), |e| e.key == key) else {
            drop(shard);
            return Err(self.unmatched_response(key, mi, now, None));
        };
        // A response of a message with `answers` matches only the requests it answers.
        let request = found.get().pending.message;
        if let Some(answers) = &s.messages[mi].answers
            && !answers.contains(&request)
        {
            drop(shard);
            return Err(self.unmatched_response(key, mi, now, Some(request)));
        }
        let (Entry { key, pending: p }, _) = found.remove();
        self.repay(&mut shard, 1);
        slot.pending.store(shard.map.len(), Ordering::Relaxed);
        drop(shard);
        Ok(Matched {
            token: p.token,
            request_message: &s.messages[p.message as usize].name,
            response_message: &s.messages[mi].name,
            key,
            elapsed: now.saturating_duration_since(p.sent),
        })
    }

    /// The error for a response that matched nothing, kept for [`unmatched`](Self::unmatched):
    /// `other` is the message of the pending request with the same key that this response
    /// does not answer; without one, the nearest pending request is looked for.
    #[cold]
    fn unmatched_response(&self, key: Key, mi: usize, now: Instant, other: Option<u32>) -> Error {
        let s = &*self.schema.inner;
        let m = &s.messages[mi];
        let nearest = match other {
            Some(request) => Some(format!(
                "request \"{}\" {key} has the same key, but \"{}\" answers {}",
                s.messages[request as usize].name,
                m.name,
                m.answers
                    .iter()
                    .flatten()
                    .map(|&a| format!("\"{}\"", s.messages[a as usize].name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => self.nearest(&key, mi),
        };
        let mut kept = self
            .unmatched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.len() == UNMATCHED_KEPT {
            kept.pop_front();
        }
        kept.push_back(Unmatched {
            message: m.name.clone(),
            key: key.clone(),
            at: now,
            nearest: nearest.clone(),
        });
        about(
            ErrorKind::Unmatched {
                key: key.text(),
                nearest,
            },
            &m.name,
        )
    }

    /// The pending request sharing the most key parts with `key` (among up to 16,384 of
    /// those the response's message answers), and how it differs, as text.
    fn nearest(&self, key: &Key, mi: usize) -> Option<String> {
        let s = &*self.schema.inner;
        let m = &s.messages[mi];
        // The pending request sharing the most key parts: (parts shared, its key, its
        // message, the first part that differs). Text is made for that one only.
        let mut best: Option<(usize, Key, u32, usize)> = None;
        for slot in &*self.shards {
            let shard = slot.lock();
            for Entry { key: k, pending: p } in shard.map.iter().take(NEAREST_SCAN / SHARDS) {
                // A request of a message this response does not answer is not its request.
                if m.answers.as_ref().is_some_and(|a| !a.contains(&p.message)) {
                    continue;
                }
                let (same, Some(part)) = key::compare(k, key) else {
                    continue;
                };
                if same > 0 && best.as_ref().is_none_or(|b| b.0 < same) {
                    best = Some((same, k.clone(), p.message, part));
                }
            }
        }
        best.map(|(_, k, message, part)| {
            let field = m.key.as_ref().and_then(|ids| ids.get(part)).map_or_else(
                || format!("part {}", part + 1),
                |&id| s.fields[id as usize].path.to_string(),
            );
            format!(
                "request \"{}\" {k} differs in {field}: {}, the response has {}",
                s.messages[message as usize].name,
                key::nth_part_text(&k, part),
                key::nth_part_text(key, part),
            )
        })
    }

    /// Takes back a pending request by its key, without a response (the caller gave up).
    pub fn cancel(&self, key: &Key) -> Option<Expired<T>> {
        let (key, p) = self.slot(key).remove(key, self)?;
        Some(self.expired(key, p))
    }

    /// Takes back the pending request of a request telegram (its key read again).
    ///
    /// # Errors
    /// The errors of reading its key.
    pub fn cancel_request(&self, request: &[u8]) -> Result<Option<Expired<T>>> {
        let key = self.key(request)?;
        Ok(self.cancel(&key))
    }

    fn expired(&self, key: Key, p: Pending<T>) -> Expired<T> {
        Expired {
            token: p.token,
            request_message: self.schema.inner.messages[p.message as usize].name.clone(),
            key,
            deadline: p.deadline,
            sent: p.sent,
        }
    }

    /// Every pending request whose deadline is at or before `now`, each given back once.
    pub fn expire(&self, now: Instant) -> Vec<Expired<T>> {
        let mut out = Vec::new();
        self.expire_into(now, &mut out);
        out
    }

    /// [`expire`](Correlator::expire) into a vector the caller keeps.
    pub fn expire_into(&self, now: Instant, out: &mut Vec<Expired<T>>) {
        self.take_into(out, |p| p.deadline <= now);
    }

    /// Every pending request, given back (a session closed: fail them all at once).
    pub fn drain(&self) -> Vec<Expired<T>> {
        let mut out = Vec::new();
        self.take_into(&mut out, |_| true);
        out
    }

    fn take_into(&self, out: &mut Vec<Expired<T>>, mut take: impl FnMut(&Pending<T>) -> bool) {
        for slot in &*self.shards {
            let mut shard = slot.lock();
            let before = out.len();
            for e in shard.map.extract_if(|e| take(&e.pending)) {
                out.push(self.expired(e.key, e.pending));
            }
            let gone = out.len() - before;
            if gone > 0 {
                self.repay(&mut shard, gone);
                slot.pending.store(shard.map.len(), Ordering::Relaxed);
            }
        }
    }

    /// The earliest deadline of the pending requests, to know when to call
    /// [`expire`](Correlator::expire) next. It looks at every pending request.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.shards
            .iter()
            .filter_map(|s| s.lock().map.iter().map(|e| e.pending.deadline).min())
            .min()
    }

    /// The last responses that matched no request (at most [`UNMATCHED_KEPT`]), oldest
    /// first.
    pub fn unmatched(&self) -> Vec<Unmatched> {
        self.unmatched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }
}

impl<T> Slot<T> {
    fn lock(&self) -> MutexGuard<'_, Shard<T>> {
        // A panic elsewhere while a shard was locked leaves a consistent shard (each
        // operation is one map call and its counts): go on with it.
        self.shard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a pending request out by its key, its credit back to the shard.
    fn remove(&self, key: &Key, c: &Correlator<T>) -> Option<(Key, Pending<T>)> {
        let mut shard = self.lock();
        let (e, _) = shard
            .map
            .find_entry(key.hash_value(), |e| e.key == *key)
            .ok()?
            .remove();
        c.repay(&mut shard, 1);
        self.pending.store(shard.map.len(), Ordering::Relaxed);
        Some((e.key, e.pending))
    }
}
