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
//! The table is made of small buckets, each behind its own lock held only to add or take
//! one entry (never across the caller's code), so that senders and receivers on many
//! threads do not queue behind one lock, and an operation writes only to the cache lines
//! of its key's bucket. The capacity is counted in credits that each thread's stripe
//! borrows in batches from a shared pool, so that counting writes to no line another
//! thread uses either. Keys are kept as bytes, inline for the usual lengths; the table is
//! sized for the capacity when the correlator is made, so that a correlator in steady state
//! allocates nothing.

mod key;
mod table;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use self::key::Key;
use self::table::{Entry, Pending, Removal, Table};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::Schema;

/// Credit stripes: a power of two. Each thread counts on its own (threads beyond this many
/// share them).
const STRIPES: usize = 16;

/// How many times an insert that finds no credit gathers the stripes' before it says the
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
    table: Table<T>,
    seed: key::Seed,
    plans: key::KeyPlans,
    capacity: usize,
    /// Credits (room for one pending request each) that no stripe holds. With the
    /// stripes' credits and the pending requests they always add up to the capacity.
    free: AtomicUsize,
    /// Credits held by the threads' stripes: an insert spends one of its thread's, a
    /// request leaving gives one back to the thread that takes it out.
    stripes: Box<[Stripe]>,
    /// How many credits a stripe borrows from `free` at once.
    batch: usize,
    timeout: Duration,
    unmatched: Mutex<VecDeque<Unmatched>>,
}

/// A thread's credits, on cache lines of their own (128 bytes: two lines, as adjacent lines
/// are fetched in pairs), so that threads counting never write to the same line.
#[repr(align(128))]
struct Stripe {
    credits: AtomicUsize,
}

/// The stripe of the calling thread: threads are numbered as they first count.
fn stripe_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    INDEX.with(|i| *i) & (STRIPES - 1)
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
        Correlator::with_table(schema, capacity, timeout, Table::new(capacity))
    }

    fn with_table(
        schema: &Schema,
        capacity: usize,
        timeout: Duration,
        table: Table<T>,
    ) -> Correlator<T> {
        Correlator {
            schema: schema.clone(),
            table,
            seed: key::Seed::new(),
            plans: key::KeyPlans::new(schema),
            capacity,
            free: AtomicUsize::new(capacity),
            stripes: (0..STRIPES)
                .map(|_| Stripe {
                    credits: AtomicUsize::new(0),
                })
                .collect(),
            // A few dozen inserts a thread between visits to the shared pool, and never so
            // many that the stripes' holdings are a large part of a small table.
            batch: (capacity / (STRIPES * 8)).clamp(1, 64),
            timeout,
            unmatched: Mutex::new(VecDeque::with_capacity(UNMATCHED_KEPT)),
        }
    }

    /// The schema whose keys the correlator reads.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// How many requests are pending (exact when no other thread is changing the table):
    /// the credits no one holds.
    pub fn len(&self) -> usize {
        let held: usize = self
            .stripes
            .iter()
            .map(|s| s.credits.load(Ordering::Acquire))
            .sum();
        self.capacity
            .saturating_sub(self.free.load(Ordering::Acquire).saturating_add(held))
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

    fn stripe(&self) -> &AtomicUsize {
        &self.stripes[stripe_index()].credits
    }

    /// Credits from the shared pool: up to `want`, as many as it has.
    fn borrow(&self, want: usize) -> usize {
        let mut got = 0;
        // `fetch_update` retries only when another thread took or gave at the same moment.
        let _ = self
            .free
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |free| {
                got = free.min(want);
                Some(free - got)
            });
        got
    }

    /// Every credit the pool and the stripes hold, gathered for a thread that found none
    /// (the table is full, or nearly, with its room held by other threads' stripes).
    #[cold]
    fn gather(&self) -> usize {
        let mut got = self.borrow(usize::MAX);
        for s in &*self.stripes {
            got += s.credits.swap(0, Ordering::AcqRel);
        }
        got
    }

    /// One credit for an insert: from the thread's stripe, else a batch from the pool,
    /// else gathered from every stripe. False when the table is full.
    fn take_credit(&self) -> bool {
        let stripe = self.stripe();
        if stripe
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| c.checked_sub(1))
            .is_ok()
        {
            return true;
        }
        let got = self.borrow(self.batch);
        if got > 0 {
            stripe.fetch_add(got - 1, Ordering::AcqRel);
            return true;
        }
        // None in the pool: gather the stripes'. Another thread gathering at the same
        // moment holds credits in passing, so finding none while fewer than `capacity`
        // requests are pending means "look again", not "full".
        for tries in 0..GATHER_TRIES {
            if tries > 0 {
                std::thread::yield_now();
            }
            let got = self.gather();
            if got > 0 {
                stripe.fetch_add(got - 1, Ordering::AcqRel);
                return true;
            }
            if self.len() >= self.capacity {
                break;
            }
        }
        false
    }

    /// Gives back `n` credits to the thread's stripe, and its surplus to the pool.
    fn repay(&self, n: usize) {
        let stripe = self.stripe();
        if stripe.fetch_add(n, Ordering::AcqRel) + n > 2 * self.batch
            && let Ok(had) = stripe.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                (c > self.batch).then_some(self.batch)
            })
        {
            self.free.fetch_add(had - self.batch, Ordering::AcqRel);
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
        if !self.take_credit() {
            let kind = ErrorKind::CorrelatorFull {
                capacity: self.capacity,
                key: key.text(),
            };
            return Err(self.rejected(kind, mi, token));
        }
        let entry = Entry {
            key: key.clone(),
            pending: Pending {
                token,
                message: mi as u32,
                sent: now,
                deadline,
            },
        };
        match self.table.insert(entry) {
            Ok(()) => Ok(key),
            Err(back) => {
                self.repay(1);
                let kind = ErrorKind::DuplicateKey(key.text());
                Err(self.rejected(kind, mi, back.pending.token))
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
        // A response of a message with `answers` matches only the requests it answers.
        let answers = s.messages[mi].answers.as_ref();
        let found = self
            .table
            .remove(&key, |p| answers.is_none_or(|a| a.contains(&p.message)));
        let Entry { key, pending: p } = match found {
            Removal::Removed(e) => e,
            Removal::Refused(request) => {
                return Err(self.unmatched_response(key, mi, now, Some(request)));
            }
            Removal::Missing => return Err(self.unmatched_response(key, mi, now, None)),
        };
        self.repay(1);
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
        let mut scanned = 0;
        self.table.for_each(|Entry { key: k, pending: p }| {
            scanned += 1;
            // A request of a message this response does not answer is not its request.
            if m.answers.as_ref().is_some_and(|a| !a.contains(&p.message)) {
                return scanned < NEAREST_SCAN;
            }
            if let (same, Some(part)) = key::compare(k, key)
                && same > 0
                && best.as_ref().is_none_or(|b| b.0 < same)
            {
                best = Some((same, k.clone(), p.message, part));
            }
            scanned < NEAREST_SCAN
        });
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
        match self.table.remove(key, |_| true) {
            Removal::Removed(e) => {
                self.repay(1);
                Some(self.expired(e.key, e.pending))
            }
            Removal::Refused(_) | Removal::Missing => None,
        }
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

    fn take_into(&self, out: &mut Vec<Expired<T>>, take: impl FnMut(&Pending<T>) -> bool) {
        let gone = self
            .table
            .take_if(take, |e| out.push(self.expired(e.key, e.pending)));
        if gone > 0 {
            self.repay(gone);
        }
    }

    /// The earliest deadline of the pending requests, to know when to call
    /// [`expire`](Correlator::expire) next. It looks at every pending request.
    pub fn next_deadline(&self) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        self.table.for_each(|e| {
            next = Some(next.map_or(e.pending.deadline, |n| n.min(e.pending.deadline)));
            true
        });
        next
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

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::parse(
            "encoding ascii\nkey seq\n\
             message request 10 {\n when kind = \"REQ\"\n kind X(3)\n seq 9(7)\n}\n\
             message response 10 {\n when kind = \"RES\"\n kind X(3)\n seq 9(7)\n}\n",
        )
        .expect("layout")
    }

    fn telegram(kind: &str, n: usize) -> Vec<u8> {
        format!("{kind}{n:07}").into_bytes()
    }

    /// Every key in one home bucket: the buckets after it fill, then the spill list, and
    /// every path (duplicates, matches, cancels, expiry) finds keys in all three places.
    #[test]
    fn keys_past_their_home_and_in_the_spill_list_are_found_and_leave_once() {
        let schema = schema();
        let n = 3 * (table::PROBE + 1) * table::SLOTS;
        let c = Correlator::<usize>::with_table(
            &schema,
            n + 1,
            Duration::from_secs(30),
            Table::with_homes(1),
        );
        let t0 = Instant::now();
        for i in 0..n {
            let deadline = t0 + Duration::from_secs(if i % 3 == 0 { 1 } else { 60 });
            c.insert_at(&telegram("REQ", i), i, t0, deadline)
                .expect("filed");
        }
        assert_eq!(c.len(), n);
        let in_buckets = (table::PROBE + 1) * table::SLOTS;
        assert_eq!(c.table.spilled(), n - in_buckets);
        assert_eq!(c.table.elsewhere(), n - table::SLOTS);
        // A duplicate is refused wherever the pending one sits: home, further on, spill.
        for i in [0, table::SLOTS + 1, n - 1] {
            let r = c
                .insert_at(&telegram("REQ", i), usize::MAX, t0, t0)
                .expect_err("duplicate");
            assert!(
                matches!(r.error.kind(), ErrorKind::DuplicateKey(_)),
                "{i}: {}",
                r.error
            );
            assert_eq!(r.token, usize::MAX);
        }
        // One more fits; then the table is full: the next is refused, its token given back.
        c.insert_at(&telegram("REQ", n), n, t0, t0 + Duration::from_secs(60))
            .expect("filed");
        let r = c
            .insert_at(&telegram("REQ", n + 1), n + 1, t0, t0)
            .expect_err("full");
        assert!(matches!(r.error.kind(), ErrorKind::CorrelatorFull { .. }));
        // Matches from every place.
        for i in [1, table::SLOTS + 2, n - 2] {
            let done = c.complete_at(&telegram("RES", i), t0).expect("matched");
            assert_eq!(done.token, i);
        }
        let key = c.key(&telegram("REQ", n - 3)).expect("key");
        assert_eq!(c.cancel(&key).map(|e| e.token), Some(n - 3));
        assert!(c.cancel(&key).is_none());
        // Expiry takes the rest that are due, from everywhere, once.
        let gone = c.expire(t0 + Duration::from_secs(2));
        let mut tokens: Vec<usize> = gone.iter().map(|e| e.token).collect();
        tokens.sort_unstable();
        let due: Vec<usize> = (0..n).filter(|i| i % 3 == 0 && *i != n - 3).collect();
        assert_eq!(tokens, due);
        assert!(c.expire(t0 + Duration::from_secs(2)).is_empty());
        let left = n + 1 - 4 - due.len();
        assert_eq!(c.len(), left);
        let drained = c.drain();
        assert_eq!(drained.len(), left);
        assert!(c.is_empty());
        assert_eq!(c.table.spilled(), 0);
        assert_eq!(c.table.elsewhere(), 0);
        // And the room is all back.
        for i in 0..n {
            c.insert_at(&telegram("REQ", i), i, t0, t0)
                .expect("filed again");
        }
    }

    #[test]
    fn a_bucket_fills_its_cache_lines_and_no_more() {
        let t = Table::<u64>::new(10);
        assert_eq!(t.bucket_bytes() % 64, 0);
        assert!(t.bucket_bytes() <= 320, "{}", t.bucket_bytes());
    }
}
