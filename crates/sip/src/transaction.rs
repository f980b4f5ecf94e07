//! Retransmission detection by transaction (RFC 3261 section 17): a message is a retransmission
//! when the same transaction already carried the same message on the same hop.
//!
//! Two refinements keep the count honest. A byte-identical copy on the same hop within
//! [`DUPLICATE_WINDOW_NS`] is a capture duplicate (a mirror port seeing the packet twice), not
//! a retransmission: no SIP timer fires that fast. A provisional response without RSeq is only
//! retransmitted when its request was (section 17.2.1); repeated otherwise, it is a new
//! provisional the server chose to send (a second 180, a 183 relayed again by a B2BUA).
//!
//! The transaction is the top Via branch with its sent-by and the CSeq method when the branch
//! has the RFC 3261 magic cookie; otherwise (RFC 2543 peers) Call-ID, CSeq, From tag and the
//! top Via. "The same message" is the method for requests and the status code and To tag for
//! responses (so forked 200s are not taken for repeats). "The same hop" is source and
//! destination address, so a proxy forwarding a message is not a retransmission. Entries expire
//! after [`TRANSACTION_LIFETIME_NS`], which keeps the table bounded by live transactions.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use super::message::{Message, MessageKind};

/// Longer than any transaction lives (64*T1 = 32 s, Timer B/F/H), so repeats are always found.
pub const TRANSACTION_LIFETIME_NS: i64 = 40_000_000_000;
/// How often entries past [`TRANSACTION_LIFETIME_NS`] are forgotten: the table holds at most
/// the lifetime plus this (it held up to twice the lifetime when purged once per lifetime).
const PURGE_EVERY_NS: i64 = 4_000_000_000;
/// Repeats closer than this with identical bytes are copies made by the capture setup.
pub const DUPLICATE_WINDOW_NS: i64 = 10_000_000;
/// Entries kept at most; the oldest half is dropped beyond it (counted by the caller).
pub const MAX_TRANSACTIONS: usize = 1 << 20;

const MAGIC_COOKIE: &str = "z9hG4bK";

/// What a message is relative to those before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    New,
    Retransmission,
    /// The same packet captured twice.
    Duplicate,
}

/// 16 bytes: the table holds every message of the last 40 s (110,000 on a busy link).
#[derive(Clone, Copy, Debug)]
struct Seen {
    ts_ns: i64,
    /// The low half of the message's fingerprint: a collision within the duplicate window on
    /// the same hop and transaction is as unlikely as one of the whole.
    content: u32,
    /// Request retransmissions of the transaction when this message was seen.
    request_repeats: u32,
}

/// Remembers the messages of live transactions.
#[derive(Debug, Default)]
pub struct RetransmissionDetector {
    seen: FxHashMap<u64, Seen>,
    /// Request retransmissions per transaction (key without the message identity).
    request_repeats: FxHashMap<u64, (i64, u32)>,
    last_purge_ns: i64,
    /// Entries dropped because the table was full.
    pub evicted: u64,
}

fn transaction_key(m: &Message) -> FxHasher {
    // FxHasher has no random keys: the same capture gives the same keys on every run.
    let mut h = FxHasher::default();
    let branch = m.via.as_ref().and_then(|v| v.branch.as_deref());
    let sent_by = m.via.as_ref().map(|v| v.sent_by.as_str()).unwrap_or("");
    match branch {
        Some(b) if b.starts_with(MAGIC_COOKIE) => {
            0u8.hash(&mut h);
            b.hash(&mut h);
            sent_by.hash(&mut h);
            m.cseq_method.hash(&mut h);
        }
        _ => {
            1u8.hash(&mut h);
            m.call_id.hash(&mut h);
            m.cseq.hash(&mut h);
            m.cseq_method.hash(&mut h);
            m.from.tag.hash(&mut h);
            sent_by.hash(&mut h);
            branch.hash(&mut h);
        }
    }
    m.src.min(m.dst).hash(&mut h);
    m.src.max(m.dst).hash(&mut h);
    h
}

/// The message's key: its transaction's (`transaction`, from [`transaction_key`]) and what
/// tells its messages apart.
fn message_key(m: &Message, transaction: FxHasher) -> u64 {
    let mut h = transaction;
    match &m.kind {
        MessageKind::Request { method, .. } => {
            2u8.hash(&mut h);
            method.hash(&mut h);
        }
        MessageKind::Response { code, .. } => {
            3u8.hash(&mut h);
            code.hash(&mut h);
            m.to.tag.hash(&mut h);
            m.rare().rseq.hash(&mut h);
        }
    }
    m.src.hash(&mut h);
    h.finish()
}

/// A fast fingerprint of a message's bytes, to tell identical copies apart from changed ones.
/// Not cryptographic: a collision only turns a retransmission into a duplicate.
pub fn fingerprint(data: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = data.len() as u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    for &b in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    h
}

impl RetransmissionDetector {
    /// Records `m` (with a hash of its bytes) and says whether it repeats a message seen before.
    pub fn classify(&mut self, m: &Message, content: u64) -> Repeat {
        self.purge(m.ts_ns);
        let transaction = transaction_key(m);
        let tx = transaction.clone().finish();
        let key = message_key(m, transaction);
        let request_repeats = self.request_repeats.get(&tx).map_or(0, |r| r.1);
        let content = content as u32;
        let now = Seen {
            ts_ns: m.ts_ns,
            content,
            request_repeats,
        };
        let Some(previous) = self.seen.insert(key, now) else {
            return Repeat::New;
        };
        let gap = m.ts_ns.saturating_sub(previous.ts_ns);
        if gap > TRANSACTION_LIFETIME_NS {
            return Repeat::New;
        }
        if previous.content == content && gap < DUPLICATE_WINDOW_NS {
            // Keep the original's view so a later real retransmission is still recognised.
            self.seen.insert(key, previous);
            return Repeat::Duplicate;
        }
        match m.status() {
            None => {
                let r = self.request_repeats.entry(tx).or_insert((m.ts_ns, 0));
                *r = (m.ts_ns, r.1 + 1);
                Repeat::Retransmission
            }
            Some(code) if code < 200 && m.rare().rseq.is_none() => {
                if request_repeats > previous.request_repeats {
                    Repeat::Retransmission
                } else {
                    Repeat::New
                }
            }
            Some(_) => Repeat::Retransmission,
        }
    }

    fn purge(&mut self, now_ns: i64) {
        let due = now_ns.saturating_sub(self.last_purge_ns) > PURGE_EVERY_NS;
        if due || self.seen.len() >= MAX_TRANSACTIONS {
            let cutoff = now_ns.saturating_sub(TRANSACTION_LIFETIME_NS);
            self.seen.retain(|_, s| s.ts_ns >= cutoff);
            self.request_repeats.retain(|_, r| r.0 >= cutoff);
            if self.seen.len() >= MAX_TRANSACTIONS {
                // Still full of live entries: forget the oldest half rather than grow.
                let mut times: Vec<i64> = self.seen.values().map(|s| s.ts_ns).collect();
                times.sort_unstable();
                let median = times[times.len() / 2];
                let before = self.seen.len();
                self.seen.retain(|_, s| s.ts_ns > median);
                self.request_repeats.retain(|_, r| r.0 > median);
                self.evicted += (before - self.seen.len()) as u64;
            }
            self.last_purge_ns = now_ns;
        }
    }
}
