//! RTCP sender and receiver reports (rtcp-types), kept per reported SSRC so each RTP stream
//! can show what its receiver said about it beside what we measured.

use rustc_hash::FxHashMap;
use serde::Serialize;

/// SSRCs with reports kept at most.
pub const MAX_REPORTED_SSRCS: usize = 100_000;

/// What the RTCP reports said about one SSRC.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RtcpFigures {
    /// Sender reports sent by this SSRC.
    pub sender_reports: u64,
    /// Report blocks about this SSRC (from its receivers).
    pub receiver_reports: u64,
    /// Largest cumulative number of packets lost the receiver reported.
    pub max_cumulative_lost: i64,
    /// Largest fraction lost in one report, in percent.
    pub max_fraction_lost_pct: f64,
    /// Largest interarrival jitter reported, in timestamp units (ms when the clock is known).
    pub max_jitter_units: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_jitter_ms: Option<f64>,
    /// Round trip from LSR/DLSR against our capture of the sender report (RFC 3550 6.4.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_round_trip_ms: Option<f64>,
}

#[derive(Debug, Default)]
pub struct RtcpTable {
    /// What was reported per SSRC, and when last (activity clock).
    by_ssrc: FxHashMap<u32, (RtcpFigures, i64)>,
    /// The activity clock of the packet being read.
    active: i64,
    /// Middle 32 bits of each sender report's NTP time -> capture time (ns), for round trips.
    sr_seen: FxHashMap<(u32, u32), i64>,
    pub packets: u64,
    pub unreadable: u64,
}

impl RtcpTable {
    fn entry(&mut self, ssrc: u32) -> Option<&mut RtcpFigures> {
        if !self.by_ssrc.contains_key(&ssrc) && self.by_ssrc.len() >= MAX_REPORTED_SSRCS {
            return None;
        }
        let e = self.by_ssrc.entry(ssrc).or_default();
        e.1 = self.active;
        Some(&mut e.0)
    }

    /// One RTCP packet captured at `ts_ns`; `active` is the analysis' activity clock.
    pub fn push(&mut self, data: &[u8], ts_ns: i64, active: i64) {
        use rtcp_types::{Compound, Packet};
        self.packets += 1;
        self.active = active;
        let Ok(compound) = Compound::parse(data) else {
            self.unreadable += 1;
            return;
        };
        for packet in compound {
            match packet {
                Ok(Packet::Sr(sr)) => {
                    let ntp_middle = (sr.ntp_timestamp() >> 16) as u32;
                    if self.sr_seen.len() < MAX_REPORTED_SSRCS * 4 {
                        self.sr_seen.insert((sr.ssrc(), ntp_middle), ts_ns);
                    }
                    if let Some(e) = self.entry(sr.ssrc()) {
                        e.sender_reports += 1;
                    }
                    for b in sr.report_blocks() {
                        self.block(b, ts_ns);
                    }
                }
                Ok(Packet::Rr(rr)) => {
                    for b in rr.report_blocks() {
                        self.block(b, ts_ns);
                    }
                }
                Ok(_) => {}
                Err(_) => {
                    self.unreadable += 1;
                    break;
                }
            }
        }
    }

    fn block(&mut self, b: rtcp_types::ReportBlock<'_>, ts_ns: i64) {
        let rtt = (b.last_sender_report_timestamp() != 0)
            .then(|| {
                self.sr_seen
                    .get(&(b.ssrc(), b.last_sender_report_timestamp()))
            })
            .flatten()
            .map(|sent_ns| {
                let dlsr_ms = f64::from(b.delay_since_last_sender_report_timestamp()) / 65.536;
                (ts_ns - sent_ns) as f64 / 1e6 - dlsr_ms
            });
        let Some(e) = self.entry(b.ssrc()) else {
            return;
        };
        e.receiver_reports += 1;
        // cumulative lost is a signed 24-bit number
        let cum = b.cumulative_lost() & 0x00FF_FFFF;
        let cum = if cum & 0x0080_0000 != 0 {
            i64::from(cum) - (1 << 24)
        } else {
            i64::from(cum)
        };
        e.max_cumulative_lost = e.max_cumulative_lost.max(cum);
        e.max_fraction_lost_pct = e
            .max_fraction_lost_pct
            .max(f64::from(b.fraction_lost()) * 100.0 / 256.0);
        e.max_jitter_units = e.max_jitter_units.max(b.interarrival_jitter());
        if let Some(r) = rtt.filter(|r| *r >= 0.0) {
            e.max_round_trip_ms = Some(e.max_round_trip_ms.map_or(r, |m: f64| m.max(r)));
        }
    }

    /// What was reported about `ssrc`, with jitter in ms for the stream's clock.
    pub fn figures(&self, ssrc: u32, clock_rate: u32) -> Option<RtcpFigures> {
        self.by_ssrc
            .get(&ssrc)
            .map(|(f, _)| with_clock(f.clone(), clock_rate))
    }

    /// What was reported about `ssrc` so far, as it is (the stream's clock is applied by
    /// [`with_clock`] once known).
    pub fn reported(&self, ssrc: u32) -> Option<RtcpFigures> {
        self.by_ssrc.get(&ssrc).map(|(f, _)| f.clone())
    }

    /// Forgets SSRCs whose last report is `idle` or more before `now` (activity clock) and
    /// that `live` says no live stream has, and sender reports captured before `before_ns`.
    pub fn prune(&mut self, now: i64, idle: i64, before_ns: i64, live: impl Fn(u32) -> bool) {
        self.by_ssrc
            .retain(|ssrc, (_, last)| now.saturating_sub(*last) < idle || live(*ssrc));
        self.sr_seen.retain(|_, ts| *ts >= before_ns);
    }

    pub fn len(&self) -> usize {
        self.by_ssrc.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_ssrc.is_empty()
    }
}

/// The figures with jitter in ms for a stream whose clock is `clock_rate`.
pub fn with_clock(mut f: RtcpFigures, clock_rate: u32) -> RtcpFigures {
    if clock_rate > 0 && f.receiver_reports > 0 {
        f.max_jitter_ms = Some(f64::from(f.max_jitter_units) * 1000.0 / f64::from(clock_rate));
    }
    f
}
