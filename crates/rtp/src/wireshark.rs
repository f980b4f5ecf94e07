//! The `wireshark` family of stream figures: computed exactly as Wireshark 4.0's RTP analysis
//! (`ui/tap-rtp-analysis.c`, `rtppacket_analyse`) does, so our table matches `tshark -z
//! rtp,streams` number for number. ../shared/RTP-ANALYSIS.md describes each step; where it
//! and 4.0 differ, 4.0 wins (the oracle is tshark 4.0):
//! - "in time" means the timestamp is not before the stream's first one (within 2^31);
//! - the nominal time is counted from the first timestamp, and the last nominal time moves
//!   only on packets with a clock rate, so telephone-event packets (clock 0) between audio
//!   packets make the next audio packet's expected time count from the last audio packet's
//!   timestamp but the event packet's arrival.
//!
//! Its quirks are kept on purpose: loss is signed (duplicates make it negative), a reordered
//! packet never moves the reference, jitter is not computed without a known clock rate, and
//! the means divide by all packets, not by the packets that contributed.

use serde::Serialize;

const PT_CN: u8 = 13;
const PT_CN_OLD: u8 = 19;

/// Per-stream state of the Wireshark computation (times in milliseconds).
#[derive(Clone, Debug)]
pub struct WiresharkState {
    packets: u64,
    start_seq: u16,
    stop_seq: u16,
    seq_num: u16,
    seq_cycles: u64,
    under: bool,
    first_timestamp: u32,
    start_time: f64,
    /// Arrival of the last in-time packet.
    time: f64,
    pt: u8,
    last_nominal: f64,
    delta: f64,
    jitter: f64,
    max_delta: f64,
    max_delta_frame: u64,
    min_delta: f64,
    mean_delta: f64,
    min_jitter: f64,
    max_jitter: f64,
    mean_jitter: f64,
    max_skew: f64,
    sequence_errors: u64,
    wrong_timestamps: u64,
    clock_rate_seen: u32,
}

/// What one packet brings to the computation.
#[derive(Clone, Copy, Debug)]
pub struct WiresharkPacket {
    pub frame: u64,
    /// Arrival in milliseconds from the capture start.
    pub arrival_ms: f64,
    pub seq: u16,
    pub timestamp: u32,
    pub payload_type: u8,
    pub marker: bool,
    /// The clock rate Wireshark would use for this packet: 0 for telephone-event and for
    /// dynamic payload types it cannot name.
    pub clock_rate: u32,
}

/// What one packet did, for the per-packet series.
#[derive(Clone, Copy, Debug, Default)]
pub struct PacketOutcome {
    pub delta_ms: f64,
    pub jitter_ms: f64,
    pub diff_ms: f64,
}

impl WiresharkState {
    pub fn new(p: &WiresharkPacket) -> WiresharkState {
        WiresharkState {
            packets: 1,
            start_seq: p.seq,
            stop_seq: p.seq,
            seq_num: p.seq,
            seq_cycles: 0,
            under: false,
            first_timestamp: p.timestamp,
            start_time: p.arrival_ms,
            time: p.arrival_ms,
            pt: p.payload_type,
            last_nominal: 0.0,
            delta: 0.0,
            jitter: 0.0,
            max_delta: 0.0,
            max_delta_frame: p.frame,
            min_delta: -1.0,
            mean_delta: 0.0,
            min_jitter: -1.0,
            max_jitter: 0.0,
            mean_jitter: 0.0,
            max_skew: 0.0,
            sequence_errors: 0,
            wrong_timestamps: 0,
            clock_rate_seen: 0,
        }
    }

    /// Packets so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Every packet after the first.
    pub fn push(&mut self, p: &WiresharkPacket) -> PacketOutcome {
        let mut out = PacketOutcome::default();
        // guint32_wraparound_diff(ts, first) < 0x80000000
        let since_first = p.timestamp.wrapping_sub(self.first_timestamp);
        let in_time = since_first < 0x8000_0000;
        if !in_time {
            self.wrong_timestamps += 1;
        }
        let seq = i32::from(p.seq);
        let start = i32::from(self.start_seq);
        // a new cycle: below the start number, or 0 right after 65535 (start was 0)
        if in_time && !self.under && (seq < start || (seq == 0 && self.stop_seq == 65535)) {
            self.seq_cycles += 1;
            self.under = true;
        } else if seq > start && in_time && self.under {
            self.under = false;
        }
        // C int arithmetic on u16 values: seq_num + 1 may be 65536.
        let last = i32::from(self.seq_num);
        if in_time && (last + 1 == seq || (last == 65535 && seq == 0)) {
            self.seq_num = p.seq;
        } else if in_time && (last + 1 < seq || last - seq > 0xFF00) {
            self.seq_num = p.seq;
            self.sequence_errors += 1;
        } else if last + 1 > seq {
            self.sequence_errors += 1;
        }

        let cn = p.payload_type == PT_CN || p.payload_type == PT_CN_OLD;
        let follows_cn = self.pt == PT_CN || self.pt == PT_CN_OLD;
        self.pt = p.payload_type;

        let mut current_jitter = 0.0;
        let clock = p.clock_rate;
        if clock != 0 {
            self.clock_rate_seen = clock;
        }
        if in_time {
            if clock != 0 {
                // clock_rate / 1000 is an integer division in Wireshark (44100 -> 44)
                let nominal = f64::from(since_first) / f64::from(clock / 1000);
                let expected = self.time + (nominal - self.last_nominal);
                let diff = (p.arrival_ms - expected).abs();
                current_jitter = (15.0 * self.jitter + diff) / 16.0;
                self.delta = p.arrival_ms - self.time;
                self.jitter = current_jitter;
                out.diff_ms = diff;
                self.last_nominal = nominal;
                let skew = nominal - (p.arrival_ms - self.start_time);
                if skew.abs() > self.max_skew.abs() {
                    self.max_skew = skew;
                }
            } else {
                self.delta = p.arrival_ms - self.time;
            }
        }
        out.delta_ms = self.delta;
        out.jitter_ms = self.jitter;

        let regular = !p.marker && !cn && in_time && !follows_cn;
        if regular {
            if self.delta > self.max_delta {
                self.max_delta = self.delta;
                self.max_delta_frame = p.frame;
            }
            if self.min_delta == -1.0 || self.delta < self.min_delta {
                self.min_delta = self.delta;
            }
            let n = self.packets as f64;
            self.mean_delta = (self.mean_delta * (n - 1.0) + self.delta) / n;
            if clock != 0 {
                if self.jitter > self.max_jitter {
                    self.max_jitter = self.jitter;
                }
                self.mean_jitter = (self.mean_jitter * (n - 1.0) + current_jitter) / n;
                if self.min_jitter == -1.0 || self.jitter < self.min_jitter {
                    self.min_jitter = self.jitter;
                }
            }
        }
        if in_time {
            self.time = p.arrival_ms;
        }
        self.stop_seq = p.seq;
        self.packets += 1;
        out
    }

    pub fn summary(&self) -> WiresharkFigures {
        let expected = (i64::from(self.stop_seq) + self.seq_cycles as i64 * 65536)
            - i64::from(self.start_seq)
            + 1;
        let lost = expected - self.packets as i64;
        WiresharkFigures {
            expected,
            lost,
            lost_pct: if expected != 0 {
                lost as f64 * 100.0 / expected as f64
            } else {
                0.0
            },
            min_delta_ms: self.min_delta.max(0.0),
            mean_delta_ms: self.mean_delta,
            max_delta_ms: self.max_delta,
            max_delta_frame: self.max_delta_frame,
            min_jitter_ms: self.min_jitter,
            mean_jitter_ms: self.mean_jitter,
            max_jitter_ms: self.max_jitter,
            max_skew_ms: self.max_skew,
            sequence_errors: self.sequence_errors,
            wrong_timestamps: self.wrong_timestamps,
            problem: self.sequence_errors > 0 || self.wrong_timestamps > 0,
            clock_rate: self.clock_rate_seen,
        }
    }
}

/// The `wireshark` figures of a stream, as `tshark -z rtp,streams` and the RTP Stream Analysis
/// dialog print them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WiresharkFigures {
    pub expected: i64,
    /// Signed: a duplicated packet makes it negative.
    pub lost: i64,
    pub lost_pct: f64,
    pub min_delta_ms: f64,
    pub mean_delta_ms: f64,
    pub max_delta_ms: f64,
    /// Frame of the largest delta.
    pub max_delta_frame: u64,
    /// -1 when no jitter could be computed (clock rate unknown to Wireshark).
    pub min_jitter_ms: f64,
    pub mean_jitter_ms: f64,
    pub max_jitter_ms: f64,
    pub max_skew_ms: f64,
    pub sequence_errors: u64,
    /// Packets whose timestamp went backwards.
    pub wrong_timestamps: u64,
    pub problem: bool,
    /// The clock rate Wireshark's computation used (0: none).
    pub clock_rate: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkt(i: u64, seq: u16, ts: u32, arrival: f64) -> WiresharkPacket {
        WiresharkPacket {
            frame: i,
            arrival_ms: arrival,
            seq,
            timestamp: ts,
            payload_type: 0,
            marker: false,
            clock_rate: 8000,
        }
    }

    #[test]
    fn steady_stream_has_no_jitter_and_duplicates_make_loss_negative() {
        let mut s = WiresharkState::new(&pkt(1, 10, 0, 0.0));
        for i in 1..10u16 {
            s.push(&pkt(
                u64::from(i) + 1,
                10 + i,
                u32::from(i) * 160,
                f64::from(i) * 20.0,
            ));
        }
        let f = s.summary();
        assert_eq!((f.lost, f.max_jitter_ms, f.max_delta_ms), (0, 0.0, 20.0));
        s.push(&pkt(11, 19, 9 * 160, 181.0)); // the last packet again
        let f = s.summary();
        assert_eq!(f.lost, -1);
        assert!(f.problem);
    }

    #[test]
    fn late_packet_is_a_sequence_error_and_gap_is_loss() {
        let mut s = WiresharkState::new(&pkt(1, 1, 0, 0.0));
        s.push(&pkt(2, 3, 320, 40.0));
        s.push(&pkt(3, 2, 160, 41.0));
        let f = s.summary();
        assert_eq!(f.sequence_errors, 2);
        // expected counts to the last packet's sequence number, as Wireshark does
        assert_eq!(f.expected, 2);
    }
}
