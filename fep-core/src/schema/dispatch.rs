//! Dispatch: which message a telegram is, from its discriminator bytes alone, without
//! decoding it. Built by the compiler from the messages' `when` conditions.

/// The most messages one layout may hold (the dispatch bit sets are sized for it).
pub const MAX_MESSAGES: usize = 1024;
pub(crate) const MAX_WORDS: usize = MAX_MESSAGES / 64;

/// A bit set of messages, by their position in [`Dispatch::order`].
pub(crate) type MessageSet = Box<[u64]>;

/// A discriminator: a byte range that `when` conditions test.
#[derive(Debug)]
pub(crate) struct Disc {
    pub offset: usize,
    pub width: usize,
    pub path: Box<str>,
    pub sensitive: bool,
    /// Wire values, sorted, each with the bit set of the messages that allow it.
    pub values: Vec<(Box<[u8]>, MessageSet)>,
    /// Messages that do not test this discriminator.
    pub any: Box<[u64]>,
    /// The same for layouts of up to 64 messages and discriminators of up to 8 bytes:
    /// values packed into integers, sets into one word (the common case, and the fast one).
    pub small: Option<SmallDisc>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct InlineDisc {
    pub offset: u32,
    pub width: u32,
    /// The low `width` bytes of a word: what of an 8-byte load is the discriminator.
    pub mask: u64,
    /// A multiplier that sends each wire value to its own slot of `slots`.
    pub mult: u64,
    /// Wire values as little-endian integers ([`load_key`]) with their message sets, each
    /// in the slot its hash names; free slots have an empty set.
    pub slots: [(u64, u64); INLINE_SLOTS],
    pub any: u64,
}

/// The slots of an inline discriminator: twice the most values it holds.
pub(crate) const INLINE_SLOTS: usize = 16;

/// In [`Dispatch::chosen`]: no message.
pub(crate) const NONE_CHOSEN: u32 = u32::MAX;

impl InlineDisc {
    /// The slot of a wire value.
    #[inline]
    pub fn slot(mult: u64, key: u64) -> usize {
        (key.wrapping_mul(mult) >> (64 - INLINE_SLOTS.trailing_zeros())) as usize
    }

    /// Lays out up to `INLINE_SLOTS / 2` distinct wire values, trying multipliers until
    /// none shares a slot (a handful of tries for eight values); `None` if none is found.
    pub fn build(offset: u32, width: u32, any: u64, values: &[(u64, u64)]) -> Option<InlineDisc> {
        if values.len() > INLINE_SLOTS / 2 {
            return None;
        }
        // Odd multipliers from a fixed sequence (splitmix64), so a layout always compiles
        // to the same table.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let mult = (z ^ (z >> 31)) | 1;
            let mut slots = [(0u64, 0u64); INLINE_SLOTS];
            let mut used = 0u32;
            let fits = values.iter().all(|&(k, set)| {
                let i = Self::slot(mult, k);
                let free = used & (1 << i) == 0;
                used |= 1 << i;
                slots[i] = (k, set);
                free
            });
            if fits {
                return Some(InlineDisc {
                    offset,
                    width,
                    mask: if width >= 8 {
                        !0
                    } else {
                        (1u64 << (8 * width)) - 1
                    },
                    mult,
                    slots,
                    any,
                });
            }
        }
        None
    }
}

#[derive(Debug)]
pub(crate) struct SmallDisc {
    /// Packed wire values, sorted.
    pub keys: Box<[u64]>,
    /// The message set of each key.
    pub sets: Box<[u64]>,
    pub any: u64,
}

/// A discriminator value of up to 8 bytes as one integer (equal widths keep the order).
#[inline]
pub(crate) fn pack(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |k, &b| k << 8 | u64::from(b))
}

/// A discriminator's bytes (up to 8) as a little-endian integer: one load and a mask
/// when the telegram holds 8 bytes from `offset`, byte by byte near its end.
#[inline]
pub(crate) fn load_key(data: &[u8], offset: usize, width: usize, mask: u64) -> u64 {
    if let Some(word) = data.get(offset..).and_then(|d| d.first_chunk::<8>()) {
        return u64::from_le_bytes(*word) & mask;
    }
    data[offset..offset + width]
        .iter()
        .rev()
        .fold(0u64, |k, &b| k << 8 | u64::from(b))
}

/// Chooses a message from the discriminator bytes, without decoding the telegram.
#[derive(Debug, Default)]
pub(crate) struct Dispatch {
    pub discs: Vec<Disc>,
    /// Message indices by falling specificity: bit `i` of a set is `order[i]`.
    pub order: Vec<u32>,
    pub words: usize,
    /// Every discriminator has its `small` form.
    pub small: bool,
    /// The same again, laid out flat, when every discriminator also has at most eight
    /// values (the usual layout): one hashed slot per discriminator, no search.
    pub inline: Box<[InlineDisc]>,
    /// The set of all messages (up to 64).
    pub all: u64,
    /// The end of the furthest discriminator.
    pub end: usize,
    /// With one inline discriminator, the message each of its slots chooses when the wire
    /// value is the slot's, then (last) the one chosen when it is no slot's: `NONE_CHOSEN`
    /// for none. What the bit sets give, looked up at once.
    pub chosen: [u32; INLINE_SLOTS + 1],
}

impl Dispatch {
    /// [`Dispatch::chosen`] for `inline` and `order` (all `NONE_CHOSEN` unless there is
    /// exactly one inline discriminator). Both sets are within `all`: no message beyond it
    /// to mask out.
    pub fn chosen_of(inline: &[InlineDisc], order: &[u32]) -> [u32; INLINE_SLOTS + 1] {
        let mut chosen = [NONE_CHOSEN; INLINE_SLOTS + 1];
        if let [d] = inline {
            let first = |bits: u64| {
                if bits == 0 {
                    NONE_CHOSEN
                } else {
                    order[bits.trailing_zeros() as usize]
                }
            };
            for (c, (_, set)) in chosen.iter_mut().zip(&d.slots) {
                *c = first(d.any | set);
            }
            chosen[INLINE_SLOTS] = first(d.any);
        }
        chosen
    }

    /// The message for a telegram: the first (most specific) whose conditions all hold.
    #[inline(always)]
    pub fn choose(&self, data: &[u8]) -> Option<usize> {
        // The usual layout: one discriminator (a transaction code), without the loop.
        if let [d] = &*self.inline
            && data.len() >= self.end
        {
            let key = load_key(data, d.offset as usize, d.width as usize, d.mask);
            let i = InlineDisc::slot(d.mult, key);
            let (k, _) = d.slots[i];
            let mi = std::hint::select_unpredictable(
                k == key,
                self.chosen[i],
                self.chosen[INLINE_SLOTS],
            );
            return (mi != NONE_CHOSEN).then_some(mi as usize);
        }
        self.choose_several(data)
    }

    /// `choose` for more than one discriminator (kept out of line, so that the usual case
    /// above is inlined where a telegram's message is chosen).
    #[inline(never)]
    fn choose_several(&self, data: &[u8]) -> Option<usize> {
        if !self.inline.is_empty() && data.len() >= self.end {
            let mut bits = self.all;
            for d in self.inline.iter() {
                let key = load_key(data, d.offset as usize, d.width as usize, d.mask);
                // One slot to look at; a value the layout does not name finds another
                // value there, or a free slot, and allows only the messages that do not
                // test this discriminator.
                let (k, set) = d.slots[InlineDisc::slot(d.mult, key)];
                bits &= d.any | std::hint::select_unpredictable(k == key, set, 0);
            }
            return (bits != 0).then(|| self.order[bits.trailing_zeros() as usize] as usize);
        }
        self.choose_general(data)
    }

    /// `choose` through the general bit sets only, for tests of the faster forms.
    #[cfg(test)]
    pub fn choose_by_bits(&self, data: &[u8]) -> Option<usize> {
        self.first(&self.bits(data).0)
    }

    /// `choose` for layouts beyond the inline form, and for telegrams shorter than the
    /// furthest discriminator.
    #[cold]
    fn choose_general(&self, data: &[u8]) -> Option<usize> {
        if self.small && data.len() >= self.end {
            let mut bits = self.all;
            for d in &self.discs {
                let Some(sd) = &d.small else { break };
                let key = pack(&data[d.offset..d.offset + d.width]);
                let allowed = sd.keys.binary_search(&key).ok().map_or(0, |i| sd.sets[i]);
                bits &= sd.any | allowed;
            }
            return (bits != 0).then(|| self.order[bits.trailing_zeros() as usize] as usize);
        }
        match self.choose_partial(data) {
            Some(decided) => decided,
            // With all of the telegram there, nothing more can come: what holds now is it.
            None => self.first(&self.bits(data).0),
        }
    }

    /// Like `choose` for the front of a stream: `None` while a more specific message could
    /// still match once more bytes arrive, `Some(decision)` once it is settled.
    pub fn choose_partial(&self, data: &[u8]) -> Option<Option<usize>> {
        let (definite, possible) = self.bits(data);
        let Some(best) = self.first_bit(&possible) else {
            return Some(None);
        };
        if definite[best / 64] & (1 << (best % 64)) != 0 {
            Some(Some(self.order[best] as usize))
        } else {
            None
        }
    }

    /// Bit sets of the messages whose conditions hold (`definite`) and of those that could
    /// still hold when the discriminators beyond `data` arrive (`possible`).
    fn bits(&self, data: &[u8]) -> ([u64; MAX_WORDS], [u64; MAX_WORDS]) {
        let words = self.words;
        let mut definite = [0u64; MAX_WORDS];
        for w in definite.iter_mut().take(words) {
            *w = !0;
        }
        let n = self.order.len();
        if !n.is_multiple_of(64) {
            definite[words - 1] = (1u64 << (n % 64)) - 1;
        }
        let mut possible = definite;
        for d in &self.discs {
            match data.get(d.offset..d.offset + d.width) {
                Some(v) => {
                    let allowed = d
                        .values
                        .binary_search_by(|(k, _)| (**k).cmp(v))
                        .ok()
                        .map(|i| &d.values[i].1);
                    for w in 0..words {
                        let a = d.any[w] | allowed.map_or(0, |s| s[w]);
                        definite[w] &= a;
                        possible[w] &= a;
                    }
                }
                None => {
                    for (w, any) in definite.iter_mut().zip(d.any.iter()) {
                        *w &= any;
                    }
                }
            }
        }
        (definite, possible)
    }

    fn first_bit(&self, bits: &[u64; MAX_WORDS]) -> Option<usize> {
        (0..self.words)
            .find(|&w| bits[w] != 0)
            .map(|w| w * 64 + bits[w].trailing_zeros() as usize)
    }

    fn first(&self, bits: &[u64; MAX_WORDS]) -> Option<usize> {
        self.first_bit(bits).map(|b| self.order[b] as usize)
    }
}
