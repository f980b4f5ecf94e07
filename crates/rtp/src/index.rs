//! The stream index: stream positions by key hash, in an open-addressed table whose slot for a
//! hash can be computed before the lookup. With 20,000 live streams neither the index nor the
//! states stay in cache, and a packet otherwise waits twice on memory; knowing the slot's
//! address lets the in-order stage prefetch it a few packets ahead, then the state. hashbrown
//! (used before) keeps where a hash lands to itself.
//!
//! A slot holds the position plus one and the hash's high half (0: empty), so a probe compares
//! hashes without touching the streams and the caller compares keys once.

/// Slots at first; the table doubles when half full, so probes stay short.
const INITIAL_SLOTS: usize = 1024;

#[derive(Debug)]
pub struct StreamIndex {
    slots: Vec<u64>,
    len: usize,
}

impl Default for StreamIndex {
    fn default() -> Self {
        StreamIndex {
            slots: vec![0; INITIAL_SLOTS],
            len: 0,
        }
    }
}

fn tag(hash: u64) -> u64 {
    hash >> 32
}

fn entry(hash: u64, pos: u32) -> u64 {
    (tag(hash) << 32) | (u64::from(pos) + 1)
}

fn position(slot: u64) -> u32 {
    ((slot & 0xFFFF_FFFF) - 1) as u32
}

impl StreamIndex {
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    fn home(&self, hash: u64) -> usize {
        hash as usize & self.mask()
    }

    /// The first position from the home slot of `hash` on whose hash's high half matches and
    /// that `is_key` accepts.
    pub fn find(&self, hash: u64, mut is_key: impl FnMut(u32) -> bool) -> Option<u32> {
        let mask = self.mask();
        let want = tag(hash);
        let mut i = self.home(hash);
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            if slot >> 32 == want && is_key(position(slot)) {
                return Some(position(slot));
            }
            // never endless: the table is at most half full
            i = (i + 1) & mask;
        }
    }

    /// The likely position for `hash`, without comparing keys: for prefetching only.
    pub fn guess(&self, hash: u64) -> Option<u32> {
        self.find(hash, |_| true)
    }

    /// Where a lookup of `hash` starts reading.
    pub fn home_slot(&self, hash: u64) -> &u64 {
        &self.slots[self.home(hash)]
    }

    /// Adds a position that is not in the index; `hash_of` gives the hash of any position
    /// already in it (needed when the table grows).
    pub fn insert(&mut self, hash: u64, pos: u32, hash_of: impl Fn(u32) -> u64) {
        if (self.len + 1) * 2 > self.slots.len() {
            let doubled = vec![0; self.slots.len() * 2];
            let old = std::mem::replace(&mut self.slots, doubled);
            for s in old.into_iter().filter(|&s| s != 0) {
                let p = position(s);
                self.place(entry(hash_of(p), p), hash_of(p));
            }
        }
        self.place(entry(hash, pos), hash);
        self.len += 1;
    }

    /// Removes the entry of position `pos` (whose hash is `hash`); `hash_of` gives the hash
    /// of any position in the index. Later entries of the probe sequence move back into the
    /// hole, so lookups never stop early (linear probing keeps no tombstones).
    pub fn remove(&mut self, hash: u64, pos: u32, hash_of: impl Fn(u32) -> u64) {
        let mask = self.mask();
        let mut i = self.home(hash);
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return;
            }
            if position(slot) == pos {
                break;
            }
            i = (i + 1) & mask;
        }
        self.len -= 1;
        let mut hole = i;
        let mut j = (i + 1) & mask;
        loop {
            let slot = self.slots[j];
            if slot == 0 {
                break;
            }
            let home = self.home(hash_of(position(slot)));
            // the entry at j may fill the hole unless its home lies in (hole, j]
            let stays = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !stays {
                self.slots[hole] = slot;
                hole = j;
            }
            j = (j + 1) & mask;
        }
        self.slots[hole] = 0;
    }

    /// The entry of position `from` (hash `hash`) now names position `to`.
    pub fn repoint(&mut self, hash: u64, from: u32, to: u32) {
        let mask = self.mask();
        let mut i = self.home(hash);
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return;
            }
            if position(slot) == from {
                self.slots[i] = entry(hash, to);
                return;
            }
            i = (i + 1) & mask;
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    fn place(&mut self, value: u64, hash: u64) {
        let mask = self.mask();
        let mut i = self.home(hash);
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_position_through_growth_and_collisions() {
        // hashes chosen to collide on their home slot and on their high half
        let hash_of = |p: u32| (u64::from(p % 7) << 32) | (u64::from(p % 3) * 1024);
        let mut index = StreamIndex::default();
        for p in 0..5000u32 {
            index.insert(hash_of(p), p, hash_of);
        }
        assert!(index.slots.len() >= 10_000);
        for p in 0..5000u32 {
            assert_eq!(index.find(hash_of(p), |q| q == p), Some(p));
        }
        assert_eq!(index.find(hash_of(1), |q| q == 5001), None);
        assert_eq!(index.guess(12345 << 32), None);
    }

    #[test]
    fn removing_keeps_every_other_position_findable() {
        let hash_of = |p: u32| (u64::from(p % 5) << 32) | (u64::from(p % 4) * 1023);
        let mut index = StreamIndex::default();
        for p in 0..3000u32 {
            index.insert(hash_of(p), p, hash_of);
        }
        for p in (0..3000u32).filter(|p| p % 3 == 0) {
            index.remove(hash_of(p), p, hash_of);
        }
        assert_eq!(index.len(), 2000);
        for p in 0..3000u32 {
            let found = index.find(hash_of(p), |q| q == p);
            assert_eq!(found, (p % 3 != 0).then_some(p), "{p}");
        }
        // a moved position is found under its new number
        index.repoint(hash_of(1), 1, 7000);
        assert_eq!(index.find(hash_of(1), |q| q == 7000), Some(7000));
        assert_eq!(index.find(hash_of(1), |q| q == 1), None);
    }
}
