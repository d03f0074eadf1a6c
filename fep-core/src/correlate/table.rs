//! The pending table: small buckets, each behind its own lock, so that an operation writes
//! only to memory that belongs to its key.
//!
//! A key has a *home* bucket, chosen by its hash. It sits there, or, when its home is full,
//! in one of the next [`PROBE`] buckets (its home counts how many of its keys sit further
//! on), or, when those are full too, in a small shared spill list. A bucket holds
//! [`SLOTS`] entries and their hashes, the hashes beside its lock on the bucket's first
//! cache line, so that a lookup reads one line before the entry it finds.
//!
//! Why buckets and not a few large shards: two threads working on a shared table pay for
//! every cache line that the other thread wrote last. With a few shards, every operation
//! takes a lock, and reads control bytes, that the other thread has just written; with a
//! bucket per two entries, the lines of an operation are its key's, and another thread
//! touches them only when its own keys land in the same bucket.
//!
//! Locks are taken in one order, so that no two threads wait for each other: a home bucket,
//! then buckets after it (one at a time), then the spill list; an operation that starts
//! from the whole table (`take_if`, `for_each`) holds one lock at a time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::key::Key;

/// Entries per bucket.
pub(super) const SLOTS: usize = 2;

/// How many buckets after its home a key may sit in before it goes to the spill list.
pub(super) const PROBE: usize = 16;

/// Buckets per entry of capacity, as a fraction: at capacity, 70% of the slots are in use.
const LOAD_NUM: usize = 7;
const LOAD_DEN: usize = 10;

/// What the table keeps of a pending request.
pub(super) struct Pending<T> {
    pub token: T,
    /// The request's message, by its index in the schema.
    pub message: u32,
    pub sent: Instant,
    pub deadline: Instant,
}

/// A pending request and its key.
pub(super) struct Entry<T> {
    pub key: Key,
    pub pending: Pending<T>,
}

/// One bucket on cache lines of its own.
#[repr(align(64))]
struct Bucket<T> {
    cells: Mutex<Cells<T>>,
}

struct Cells<T> {
    /// The hash of each slot's key with its lowest bit set (0: the slot is empty).
    tags: [u64; SLOTS],
    /// Keys whose home this is that sit in a later bucket or in the spill list (never
    /// fewer than there are: it is lowered after they leave).
    elsewhere: u32,
    slots: [Option<Entry<T>>; SLOTS],
}

/// What became of a removal.
pub(super) enum Removal<T> {
    /// The entry, out of the table.
    Removed(Entry<T>),
    /// The entry is there, but the caller did not accept it: its request's message.
    Refused(u32),
    /// No entry has the key.
    Missing,
}

pub(super) struct Table<T> {
    /// `homes` buckets that keys are homed in, then [`PROBE`] more that only take
    /// overflow.
    buckets: Box<[Bucket<T>]>,
    homes: usize,
    /// Entries whose home and the buckets after it were full, with their home.
    spill: Mutex<Vec<(usize, Entry<T>)>>,
    /// How many entries the spill list holds (read without its lock).
    spilled: AtomicUsize,
}

fn tag(key: &Key) -> u64 {
    key.hash_value() | 1
}

impl<T> Cells<T> {
    fn find(&self, tag: u64, key: &Key) -> Option<usize> {
        (0..SLOTS)
            .find(|&i| self.tags[i] == tag && self.slots[i].as_ref().is_some_and(|e| e.key == *key))
    }

    fn free(&self) -> Option<usize> {
        self.tags.iter().position(|&t| t == 0)
    }

    fn put(&mut self, i: usize, tag: u64, e: Entry<T>) {
        self.tags[i] = tag;
        self.slots[i] = Some(e);
    }

    fn take(&mut self, i: usize) -> Option<Entry<T>> {
        self.tags[i] = 0;
        self.slots[i].take()
    }
}

impl<T> Bucket<T> {
    fn lock(&self) -> MutexGuard<'_, Cells<T>> {
        // A panic elsewhere while a bucket was locked leaves it consistent (each change is
        // a slot and its tag, or a count): go on with it.
        self.cells.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Table<T> {
    /// A table with room for `capacity` entries without growing (the spill list aside).
    pub(super) fn new(capacity: usize) -> Table<T> {
        let homes = capacity
            .saturating_mul(LOAD_DEN)
            .div_ceil(SLOTS * LOAD_NUM)
            .max(1);
        Table::with_homes(homes)
    }

    /// A table of `homes` home buckets (and [`PROBE`] more after them).
    pub(super) fn with_homes(homes: usize) -> Table<T> {
        let buckets = (0..homes + PROBE)
            .map(|_| Bucket {
                cells: Mutex::new(Cells {
                    tags: [0; SLOTS],
                    elsewhere: 0,
                    slots: std::array::from_fn(|_| None),
                }),
            })
            .collect();
        Table {
            buckets,
            homes,
            spill: Mutex::new(Vec::new()),
            spilled: AtomicUsize::new(0),
        }
    }

    /// The home bucket of a key: its hash, remixed so that the bits a bucket is chosen by
    /// are spread over all of it, scaled to the number of homes.
    fn home(&self, key: &Key) -> usize {
        let h = key.hash_value();
        let h = (h ^ (h >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        ((u128::from(h) * self.homes as u128) >> 64) as usize
    }

    fn spill(&self) -> MutexGuard<'_, Vec<(usize, Entry<T>)>> {
        self.spill.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Files an entry; gives it back when an entry with the same key is in the table.
    pub(super) fn insert(&self, e: Entry<T>) -> Result<(), Entry<T>> {
        let tag = tag(&e.key);
        let h = self.home(&e.key);
        let mut home = self.buckets[h].lock();
        if home.find(tag, &e.key).is_some() {
            return Err(e);
        }
        if home.elsewhere > 0 {
            // Keys of this home sit further on too: none may have this key.
            for b in &self.buckets[h + 1..=h + PROBE] {
                if b.lock().find(tag, &e.key).is_some() {
                    return Err(e);
                }
            }
            if self.spilled.load(Ordering::Acquire) > 0
                && self.spill().iter().any(|(_, s)| s.key == e.key)
            {
                return Err(e);
            }
        }
        if let Some(i) = home.free() {
            home.put(i, tag, e);
            return Ok(());
        }
        for b in &self.buckets[h + 1..=h + PROBE] {
            let mut cells = b.lock();
            if let Some(i) = cells.free() {
                cells.put(i, tag, e);
                home.elsewhere += 1;
                return Ok(());
            }
        }
        self.spill().push((h, e));
        self.spilled.fetch_add(1, Ordering::AcqRel);
        home.elsewhere += 1;
        Ok(())
    }

    /// Takes out the entry with `key` if `accept` takes it.
    pub(super) fn remove(&self, key: &Key, accept: impl FnOnce(&Pending<T>) -> bool) -> Removal<T> {
        let tag = tag(key);
        let h = self.home(key);
        let mut home = self.buckets[h].lock();
        if let Some(i) = home.find(tag, key) {
            return take_accepted(&mut home, i, accept);
        }
        if home.elsewhere == 0 {
            return Removal::Missing;
        }
        for b in &self.buckets[h + 1..=h + PROBE] {
            let mut cells = b.lock();
            if let Some(i) = cells.find(tag, key) {
                let r = take_accepted(&mut cells, i, accept);
                drop(cells);
                if matches!(r, Removal::Removed(_)) {
                    home.elsewhere -= 1;
                }
                return r;
            }
        }
        if self.spilled.load(Ordering::Acquire) > 0 {
            let mut spill = self.spill();
            if let Some(p) = spill.iter().position(|(_, s)| s.key == *key) {
                if !accept(&spill[p].1.pending) {
                    return Removal::Refused(spill[p].1.pending.message);
                }
                let (_, e) = spill.swap_remove(p);
                self.spilled.fetch_sub(1, Ordering::AcqRel);
                drop(spill);
                home.elsewhere -= 1;
                return Removal::Removed(e);
            }
        }
        Removal::Missing
    }

    /// Takes out every entry that `take` picks, handing each to `out`; how many.
    pub(super) fn take_if(
        &self,
        mut take: impl FnMut(&Pending<T>) -> bool,
        mut out: impl FnMut(Entry<T>),
    ) -> usize {
        let mut taken = 0;
        // Homes of entries taken from another bucket: lowered once that bucket's lock is
        // let go, so that no lock is taken while another is held out of order.
        let mut homes = Vec::new();
        for (j, b) in self.buckets.iter().enumerate() {
            let mut cells = b.lock();
            for i in 0..SLOTS {
                if cells.slots[i].as_ref().is_some_and(|e| take(&e.pending))
                    && let Some(e) = cells.take(i)
                {
                    let h = self.home(&e.key);
                    if h != j {
                        homes.push(h);
                    }
                    out(e);
                    taken += 1;
                }
            }
            drop(cells);
            for h in homes.drain(..) {
                let mut home = self.buckets[h].lock();
                home.elsewhere = home.elsewhere.saturating_sub(1);
            }
        }
        if self.spilled.load(Ordering::Acquire) > 0 {
            let mut spill = self.spill();
            let mut p = 0;
            while p < spill.len() {
                if take(&spill[p].1.pending) {
                    let (h, e) = spill.swap_remove(p);
                    self.spilled.fetch_sub(1, Ordering::AcqRel);
                    homes.push(h);
                    out(e);
                    taken += 1;
                } else {
                    p += 1;
                }
            }
            drop(spill);
            for h in homes.drain(..) {
                let mut home = self.buckets[h].lock();
                home.elsewhere = home.elsewhere.saturating_sub(1);
            }
        }
        taken
    }

    /// Calls `f` on entries, one bucket locked at a time, until it returns false.
    pub(super) fn for_each(&self, mut f: impl FnMut(&Entry<T>) -> bool) {
        for b in &*self.buckets {
            let cells = b.lock();
            for e in cells.slots.iter().flatten() {
                if !f(e) {
                    return;
                }
            }
        }
        if self.spilled.load(Ordering::Acquire) > 0 {
            for (_, e) in self.spill().iter() {
                if !f(e) {
                    return;
                }
            }
        }
    }

    /// Bytes of one bucket.
    #[cfg(test)]
    pub(super) fn bucket_bytes(&self) -> usize {
        std::mem::size_of::<Bucket<T>>()
    }

    /// Entries in the spill list.
    #[cfg(test)]
    pub(super) fn spilled(&self) -> usize {
        self.spilled.load(Ordering::Acquire)
    }

    /// Every home's count of keys elsewhere, summed.
    #[cfg(test)]
    pub(super) fn elsewhere(&self) -> usize {
        self.buckets
            .iter()
            .map(|b| b.lock().elsewhere as usize)
            .sum()
    }
}

fn take_accepted<T>(
    cells: &mut Cells<T>,
    i: usize,
    accept: impl FnOnce(&Pending<T>) -> bool,
) -> Removal<T> {
    match cells.slots[i].as_ref() {
        Some(e) if !accept(&e.pending) => Removal::Refused(e.pending.message),
        Some(_) => cells.take(i).map_or(Removal::Missing, Removal::Removed),
        None => Removal::Missing,
    }
}
