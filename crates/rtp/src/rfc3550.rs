//! The `rfc3550` family: sequence tracking as RFC 3550 appendix A.1 (`update_seq`) does it,
//! with duplicates and reordering counted apart, loss that never goes negative, loss bursts,
//! and the interarrival jitter of section 6.4.1 in timestamp units.
//!
//! One deliberate difference from A.1: there is no probation. A.1 waits for two packets in
//! sequence before it counts a new source; a capture is analyzed after the fact, and the
//! stream key (addresses and SSRC) already tells sources apart, so the first packet counts.

use serde::Serialize;

/// A.1's constants: a jump of fewer than MAX_DROPOUT is loss; a step back of fewer than
/// MAX_MISORDER is reordering; anything else is a restart (after two packets agree on it).
pub const MAX_DROPOUT: u32 = 3000;
pub const MAX_MISORDER: u32 = 100;
const SEQ_MOD: u32 = 1 << 16;
/// Sequence numbers remembered behind the highest, to tell duplicates and fill gaps.
const WINDOW: u64 = 1024;
// a sequence number's word in the window must not depend on its cycle
const _: () = assert!((SEQ_MOD as u64).is_multiple_of(WINDOW));
/// Loss bursts are counted by length 1..=BURST_BUCKETS, the last bucket holding longer ones.
pub const BURST_BUCKETS: usize = 10;

/// `repr(C)`, in the order a packet reads it: the window of received numbers comes after the
/// counters every packet updates, since a packet reads one word of it (see
/// [`Rfc3550State::window_word`]), and the loss-burst counts and the counters of duplicates,
/// reordering and restarts come last, so that a prefetch of the stream state can leave them
/// out.
#[derive(Clone, Debug)]
#[repr(C)]
pub struct Rfc3550State {
    base: u64,
    max_seq: u16,
    cycles: u64,
    bad_seq: u32,
    /// The packet that jumped, waiting for the next one to confirm a restart.
    jumped: Option<u16>,
    /// Every packet that arrived, and the distinct ones counted against `expected`.
    arrived: u64,
    unique: u64,
    /// Extended numbers below this have been judged (missing runs counted).
    judged_below: u64,
    run: u64,
    jitter: f64,
    last_transit: Option<f64>,
    /// Received flags for extended sequence numbers (highest - WINDOW, highest].
    seen: [u64; (WINDOW / 64) as usize],
    bursts: [u64; BURST_BUCKETS],
    // counted only when a packet comes twice, late, or after a restart
    duplicates: u64,
    out_of_order: u64,
    restarts: u64,
    /// Expected packets of the segments before the last restart.
    prior_expected: u64,
}

impl Rfc3550State {
    /// Bytes from the start that every packet reads; of the window after them it reads one
    /// word, and the rest is read on loss.
    pub const WINDOW_OFFSET: usize = std::mem::offset_of!(Rfc3550State, seen);

    /// The word of the window a packet with this sequence number reads and marks: extended
    /// numbers differ from it by multiples of 2^16, and the window's length divides 2^16.
    pub fn window_word(&self, seq: u16) -> &u64 {
        &self.seen[Self::bit(u64::from(seq)).0]
    }

    pub fn new(seq: u16) -> Rfc3550State {
        let mut s = Rfc3550State {
            base: u64::from(seq),
            max_seq: seq,
            cycles: 0,
            bad_seq: SEQ_MOD + 1,
            jumped: None,
            arrived: 1,
            unique: 1,
            duplicates: 0,
            out_of_order: 0,
            restarts: 0,
            prior_expected: 0,
            seen: [0; (WINDOW / 64) as usize],
            judged_below: u64::from(seq),
            run: 0,
            bursts: [0; BURST_BUCKETS],
            jitter: 0.0,
            last_transit: None,
        };
        s.mark(u64::from(seq));
        s
    }

    fn highest(&self) -> u64 {
        self.cycles + u64::from(self.max_seq)
    }

    fn bit(ext: u64) -> (usize, u64) {
        let i = ext % WINDOW;
        ((i / 64) as usize, 1u64 << (i % 64))
    }

    fn is_seen(&self, ext: u64) -> bool {
        let (w, b) = Self::bit(ext);
        self.seen[w] & b != 0
    }

    fn mark(&mut self, ext: u64) {
        let (w, b) = Self::bit(ext);
        self.seen[w] |= b;
    }

    /// Judges the numbers that leave the window: received, or part of a missing run.
    fn judge_until(&mut self, below: u64) {
        while self.judged_below < below {
            let ext = self.judged_below;
            if self.is_seen(ext) {
                self.close_run();
            } else {
                self.run += 1;
            }
            let (w, b) = Self::bit(ext);
            self.seen[w] &= !b;
            self.judged_below += 1;
        }
    }

    fn close_run(&mut self) {
        if self.run > 0 {
            let i = (self.run as usize).min(BURST_BUCKETS) - 1;
            self.bursts[i] += 1;
            self.run = 0;
        }
    }

    /// One more packet with this sequence number.
    pub fn push_seq(&mut self, seq: u16) {
        self.arrived += 1;
        let udelta = u32::from(seq.wrapping_sub(self.max_seq));
        if udelta == 0 {
            self.duplicates += 1;
            return;
        }
        if udelta < MAX_DROPOUT {
            self.jumped = None;
            self.bad_seq = SEQ_MOD + 1;
            if seq < self.max_seq {
                self.cycles += u64::from(SEQ_MOD);
            }
            self.max_seq = seq;
            let ext = self.highest();
            self.judge_until(ext.saturating_sub(WINDOW - 1));
            self.mark(ext);
            self.unique += 1;
            return;
        }
        if udelta <= SEQ_MOD - MAX_MISORDER {
            // A very large jump: the sender restarted if the next packet follows it.
            if u32::from(seq) == self.bad_seq {
                let first = self.jumped.unwrap_or(seq);
                self.judge_until(self.highest() + 1);
                self.close_run();
                self.prior_expected += self.highest() + 1 - self.base;
                self.restarts += 1;
                self.seen.fill(0);
                // the confirming packet follows the jumped one, across a wrap if the jump
                // landed on 65535 (found by the rtp fuzz target: `expected` underflowed)
                self.cycles = if seq < first { u64::from(SEQ_MOD) } else { 0 };
                self.base = u64::from(first);
                self.judged_below = self.base;
                self.max_seq = seq;
                self.mark(self.base);
                self.mark(self.highest());
                self.unique += if first == seq { 1 } else { 2 };
                self.jumped = None;
                self.bad_seq = SEQ_MOD + 1;
            } else {
                self.jumped = Some(seq);
                self.bad_seq = (u32::from(seq) + 1) & (SEQ_MOD - 1);
            }
            return;
        }
        // Behind the highest: late, or a duplicate.
        let back = u64::from(SEQ_MOD - udelta);
        match self.highest().checked_sub(back) {
            Some(ext) if ext >= self.judged_below && ext >= self.base => {
                if self.is_seen(ext) {
                    self.duplicates += 1;
                } else {
                    self.out_of_order += 1;
                    self.mark(ext);
                    self.unique += 1;
                }
            }
            // Older than the window or the stream: its gap was judged already.
            _ => self.out_of_order += 1,
        }
    }

    /// Interarrival jitter (section 6.4.1); `arrival` and `timestamp` in the same units
    /// (RTP timestamp units, with the arrival converted by the stream's clock rate).
    pub fn push_transit(&mut self, arrival_units: f64, timestamp: i64) -> f64 {
        let transit = arrival_units - timestamp as f64;
        let d = match self.last_transit {
            Some(last) => transit - last,
            None => 0.0,
        };
        self.last_transit = Some(transit);
        self.jitter += (d.abs() - self.jitter) / 16.0;
        d
    }

    pub fn summary(&self, clock_rate: u32) -> Rfc3550Figures {
        let mut judged = self.clone();
        let highest = judged.highest();
        judged.judge_until(highest + 1);
        judged.close_run();
        let expected = self.prior_expected + highest + 1 - self.base.min(highest + 1);
        let lost = expected.saturating_sub(self.unique);
        let jitter_ms = if clock_rate > 0 {
            self.jitter / f64::from(clock_rate) * 1000.0
        } else {
            0.0
        };
        Rfc3550Figures {
            expected,
            received: self.arrived,
            lost,
            lost_pct: if expected > 0 {
                lost as f64 * 100.0 / expected as f64
            } else {
                0.0
            },
            duplicates: self.duplicates,
            out_of_order: self.out_of_order,
            restarts: self.restarts,
            loss_bursts: judged.bursts,
            jitter_ms,
        }
    }
}

/// The `rfc3550` figures of a stream.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rfc3550Figures {
    /// Extended highest sequence number - first + 1.
    pub expected: u64,
    /// Packets that arrived, duplicates included.
    pub received: u64,
    /// Never negative: expected minus distinct packets received.
    pub lost: u64,
    pub lost_pct: f64,
    pub duplicates: u64,
    pub out_of_order: u64,
    /// Sequence restarts (a jump confirmed by the next packet, A.1).
    pub restarts: u64,
    /// Runs of consecutive missing packets by length: [1, 2, ..., 9, 10 or more].
    pub loss_bursts: [u64; BURST_BUCKETS],
    /// Interarrival jitter (RFC 3550 6.4.1) at the end of the stream.
    pub jitter_ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seqs: &[u16]) -> Rfc3550Figures {
        let mut s = Rfc3550State::new(seqs[0]);
        for &q in &seqs[1..] {
            s.push_seq(q);
        }
        s.summary(8000)
    }

    #[test]
    fn duplicate_is_not_loss() {
        let f = run(&[1, 2, 3, 3, 4]);
        assert_eq!((f.lost, f.duplicates, f.received, f.expected), (0, 1, 5, 4));
    }

    #[test]
    fn reordering_fills_the_gap() {
        let f = run(&[1, 3, 2, 4]);
        assert_eq!((f.lost, f.out_of_order, f.duplicates), (0, 1, 0));
        assert_eq!(f.loss_bursts.iter().sum::<u64>(), 0);
    }

    #[test]
    fn bursts_by_length_across_wrap() {
        let f = run(&[65533, 65534, 1, 2, 5, 6]);
        // missing 65535, 0 (a run of 2), then 3, 4 (another run of 2)
        assert_eq!(f.lost, 4);
        assert_eq!(f.loss_bursts[1], 2);
        assert_eq!(f.expected, 10);
    }

    /// A restart onto 65535 confirmed by 0: the rtp fuzz target's crash (the expected count
    /// of the segment before the next restart underflowed).
    #[test]
    fn restart_confirmed_across_the_wrap() {
        let f = run(&[40000, 40001, 40002, 65535, 0, 1, 2, 30000, 30001]);
        assert_eq!(f.restarts, 2);
        assert_eq!((f.lost, f.duplicates), (0, 0));
        // 3 + 4 (65535, 0, 1, 2) + 2
        assert_eq!(f.expected, 9);
    }

    #[test]
    fn late_duplicate_within_misorder_is_a_duplicate_and_far_behind_is_a_jump() {
        let mut seqs: Vec<u16> = (100..400).collect();
        seqs.push(350);
        let f = run(&seqs);
        assert_eq!((f.duplicates, f.lost), (1, 0));
        // 249 behind is more than MAX_MISORDER: A.1 takes it for a jump, not counted
        seqs.push(150);
        let f = run(&seqs);
        assert_eq!((f.duplicates, f.lost, f.restarts), (1, 0, 0));
    }
}
