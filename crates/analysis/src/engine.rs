//! The live analysis: the in-order stage's sink. It keeps what is live (Call-IDs, RTP streams,
//! media flows, the SDP media plan, RTCP reports), decides on an activity clock when each is
//! over, and hands what is over to the finisher in batches, one per sweep.
//!
//! Timers (activity clock, see [`Clock`]): a sweep runs each second. A stream or flow is
//! finished when it has been quiet 2 s after the call it belongs to is over (BYE answered, or
//! refused), else after 60 s; a Call-ID by [`voipscope_sip::live`]'s timers once the streams tied
//! to it are finished. Caps bound only what is live: beyond them the longest idle are finished
//! early, never dropped.

use std::net::SocketAddr;
use std::sync::mpsc::SyncSender;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::finish::{Retired, Tie, ToFinisher};
use crate::pipeline;
use voipscope_rtp::rtcp::RtcpTable;
use voipscope_rtp::streams::{RetiredStream, StreamKey};
use voipscope_rtp::{flows::FlowTable, Direction, Encryption, StreamTable};
use voipscope_sdp::plan::MediaPlan;
use voipscope_sip::calls::Side;
use voipscope_sip::{LogId, Offer, Preread, SipTracker, Unfiled};
use voipscope_wire::anomaly::{Anomaly, AnomalyKind, Detail};
use voipscope_wire::decode::{self, MediaKind, SipMessage};
use voipscope_wire::timefmt::TimeBase;

const S: i64 = 1_000_000_000;
/// How often the live state is looked at (activity clock).
pub const SWEEP_NS: i64 = S;
/// A forward jump of capture time counts at most this much on the activity clock.
pub const MAX_STEP_NS: i64 = 10 * S;
/// A stream or flow whose call is over is finished after this long without a packet.
pub const QUIET_AFTER_CALL_NS: i64 = 2 * S;
/// Any other stream or flow is finished after this long without a packet.
pub const MEDIA_IDLE_NS: i64 = 60 * S;
/// SDP endpoints no live call names are forgotten this long after their last description
/// (a stream that began keeps what it read; one that begins later has no call to join).
pub const PLAN_IDLE_NS: i64 = 10 * S;
/// RTCP reports about an SSRC no live stream has are forgotten after this long.
pub const RTCP_IDLE_NS: i64 = 60 * S;
/// A DTLS or ZRTP handshake between two addresses is remembered this long after its last
/// packet, to mark the SRTP streams between them.
pub const HANDSHAKE_IDLE_NS: i64 = 3600 * S;
/// SIP messages read in parallel at once; small enough that memory does not notice.
const SIP_BATCH: usize = 1024;

/// Capture time for timers: it advances with the largest timestamp seen, but a forward jump
/// between two frames counts at most [`MAX_STEP_NS`], so a clock step, merged captures or a
/// night without packets do not finish every live call at once; it never runs backwards.
#[derive(Debug, Default)]
pub struct Clock {
    now: i64,
    last_ts: Option<i64>,
}

impl Clock {
    pub fn tick(&mut self, ts: i64) -> i64 {
        match self.last_ts {
            None => self.last_ts = Some(ts),
            Some(last) if ts > last => {
                self.now += (ts - last).min(MAX_STEP_NS);
                self.last_ts = Some(ts);
            }
            Some(_) => {}
        }
        self.now
    }

    pub fn now(&self) -> i64 {
        self.now
    }

    /// The largest capture time seen.
    pub fn seen_until(&self) -> i64 {
        self.last_ts.unwrap_or(0)
    }
}

/// An offer as the endpoint index keeps it: whose it is, who made it and when (microseconds
/// from the time base, as the outputs compare times).
#[derive(Clone, Copy, Debug)]
struct Named {
    log: LogId,
    side: Side,
    us: i64,
}

/// The offer in effect when media started: the latest before it, else the first after.
fn pick(list: &[Named], start_us: i64) -> Option<Named> {
    list.iter()
        .rfind(|o| o.us <= start_us)
        .or_else(|| list.first())
        .copied()
}

pub(crate) struct Engine<'a> {
    clock: Clock,
    base: Option<TimeBase>,
    next_sweep: i64,
    tracker: SipTracker,
    batch: Vec<Unfiled>,
    plan: MediaPlan,
    streams: StreamTable,
    rtcp: RtcpTable,
    flows: FlowTable,
    /// SDP endpoints of live calls, in the order they were filed.
    named: FxHashMap<SocketAddr, SmallVec<[Named; 2]>>,
    handshakes: FxHashMap<(SocketAddr, SocketAddr), (Encryption, i64)>,
    /// Live streams per SSRC, so RTCP about them is kept.
    live_ssrcs: FxHashMap<u32, u32>,
    /// Streams finished early (the live cap), waiting for the next sweep's batch.
    early_streams: Vec<(
        Box<RetiredStream>,
        Option<voipscope_rtp::rtcp::RtcpFigures>,
        Option<Tie>,
    )>,
    stream_cap_reported: bool,
    anomalies: Vec<Anomaly>,
    out: SyncSender<ToFinisher>,
    /// The finisher is gone (it failed): stop sending.
    closed: bool,
    on_sip: &'a mut (dyn FnMut(&SipMessage) + Send),
}

impl<'a> Engine<'a> {
    pub fn new(
        out: SyncSender<ToFinisher>,
        jitter_buffer_ms: f64,
        plot_series: bool,
        on_sip: &'a mut (dyn FnMut(&SipMessage) + Send),
    ) -> Engine<'a> {
        Engine {
            clock: Clock::default(),
            base: None,
            next_sweep: SWEEP_NS,
            tracker: SipTracker::new(),
            batch: Vec::with_capacity(SIP_BATCH),
            plan: MediaPlan::default(),
            streams: StreamTable::new(jitter_buffer_ms, plot_series),
            rtcp: RtcpTable::default(),
            flows: FlowTable::default(),
            named: FxHashMap::default(),
            handshakes: FxHashMap::default(),
            live_ssrcs: FxHashMap::default(),
            early_streams: Vec::new(),
            stream_cap_reported: false,
            anomalies: Vec::new(),
            out,
            closed: false,
            on_sip,
        }
    }

    fn base(&self) -> TimeBase {
        self.base.unwrap_or_default()
    }

    fn send(&mut self, m: ToFinisher) {
        if !self.closed && self.out.send(m).is_err() {
            self.closed = true;
        }
    }

    fn maybe_sweep(&mut self, now: i64) {
        if now >= self.next_sweep || self.tracker.must_evict() {
            self.sweep(now, false);
            self.next_sweep = now.saturating_add(SWEEP_NS);
        }
    }

    /// Looks at everything live: what is over goes to the finisher. `last`: the capture has
    /// ended, and everything is over.
    fn sweep(&mut self, now: i64, last: bool) {
        self.streams.number_confirmed();
        self.tracker.flush(&mut self.batch);
        self.anomalies.extend(self.tracker.take_anomalies());
        let base = self.base();
        for o in self.tracker.take_offers() {
            self.name(o, base);
        }
        self.own_fresh_media(base);
        let mut retired = Retired {
            seen_until_ns: self.clock.seen_until(),
            now,
            ..Retired::default()
        };
        retired.streams = std::mem::take(&mut self.early_streams);
        self.retire_streams(now, last, &mut retired);
        self.retire_flows(now, last, &mut retired);
        let due = if last {
            self.tracker.live_logs()
        } else {
            self.tracker.due(now)
        };
        for id in due {
            if !(last || self.tracker.is_early(id) || self.tracker.media(id) == 0) {
                continue;
            }
            let Some(r) = self.tracker.retire(id) else {
                continue;
            };
            for addr in &r.offered {
                if let Some(list) = self.named.get_mut(addr) {
                    list.retain(|n| n.log != id);
                    if list.is_empty() {
                        self.named.remove(addr);
                    }
                }
                self.plan.unpin(addr);
            }
            retired.logs.push(r);
        }
        retired.started = self.tracker.take_started();
        retired.bound = self.tracker.take_bound();
        self.plan.prune(now, PLAN_IDLE_NS);
        let live = &self.live_ssrcs;
        self.rtcp.prune(
            now,
            RTCP_IDLE_NS,
            self.clock.seen_until().saturating_sub(RTCP_IDLE_NS),
            |ssrc| live.contains_key(&ssrc),
        );
        self.handshakes
            .retain(|_, (_, at)| now.saturating_sub(*at) < HANDSHAKE_IDLE_NS);
        if !retired.is_empty() {
            self.send(ToFinisher::Batch(Box::new(retired)));
        }
    }

    /// Files an SDP endpoint of a live call.
    fn name(&mut self, o: Offer, base: TimeBase) {
        let list = self.named.entry(o.addr).or_default();
        if !list.iter().any(|n| n.log == o.log) {
            self.plan.pin(&o.addr);
        }
        list.push(Named {
            log: o.log,
            side: o.side,
            us: base.us(o.ts_ns),
        });
    }

    /// The call a stream or flow from `src` to `dst` that started at `start_ns` belongs to,
    /// by the SDP of live calls: the one that described both ends, else the one that
    /// described its destination, else its source.
    fn tie(&self, src: &SocketAddr, dst: &SocketAddr, start_ns: i64) -> Option<Tie> {
        let start = self.base().us(start_ns);
        let dst_named = self.named.get(dst);
        let src_named = self.named.get(src);
        // a call whose offer/answer names both ends owns the media, even when another call
        // named one of them later (many calls answered on one media server port)
        let both = match (dst_named, src_named) {
            (Some(d), Some(s)) if d.len() > 1 || s.len() > 1 => {
                let shared: Vec<Named> = d
                    .iter()
                    .filter(|n| s.iter().any(|m| m.log == n.log))
                    .copied()
                    .collect();
                pick(&shared, start)
            }
            _ => None,
        };
        let by_dst = both.or_else(|| dst_named.and_then(|l| pick(l, start)));
        let by_src = src_named.and_then(|l| pick(l, start));
        let (n, direction) = match (by_dst, by_src) {
            // sent to the side that described the destination
            (
                Some(
                    n @ Named {
                        side: Side::Caller, ..
                    },
                ),
                _,
            ) => (n, Direction::CalleeToCaller),
            (Some(n), _) => (n, Direction::CallerToCallee),
            // symmetric RTP: sent from the port the sender receives on
            (
                None,
                Some(
                    n @ Named {
                        side: Side::Caller, ..
                    },
                ),
            ) => (n, Direction::CallerToCallee),
            (None, Some(n)) => (n, Direction::CalleeToCaller),
            (None, None) => return None,
        };
        Some(Tie {
            log: n.log,
            direction,
            by_dst: by_dst.is_some(),
            named_by: n.side,
        })
    }

    /// Streams and flows started since the last sweep get the call they likely belong to,
    /// which then waits for them.
    fn own_fresh_media(&mut self, _base: TimeBase) {
        for pos in 0..self.streams.len() {
            if !self.streams.metas()[pos].fresh {
                continue;
            }
            let (key, start) = self.streams.key_of(pos);
            *self.live_ssrcs.entry(key.ssrc).or_insert(0) += 1;
            let owner = self.tie(&key.src, &key.dst, start).map(|t| t.log);
            if let Some(log) = owner {
                self.tracker.hold_media(log);
            }
            let meta = self.streams.meta_mut(pos);
            meta.fresh = false;
            meta.owner = owner.map_or(0, LogId::tag);
        }
        for pos in 0..self.flows.len() {
            if !self.flows.metas()[pos].fresh {
                continue;
            }
            let (flow, start) = self.flows.flow_of(pos);
            let owner = self.tie(&flow.src, &flow.dst, start).map(|t| t.log);
            if let Some(log) = owner {
                self.tracker.hold_media(log);
            }
            let meta = self.flows.meta_mut(pos);
            meta.fresh = false;
            meta.owner = owner.map_or(0, LogId::tag);
        }
    }

    /// How long a stream or flow owned by `owner` may be quiet.
    fn quiet_limit(&self, owner: u64) -> i64 {
        match LogId::from_tag(owner) {
            Some(log) if !self.tracker.is_over(log) => MEDIA_IDLE_NS,
            Some(_) => QUIET_AFTER_CALL_NS,
            None => MEDIA_IDLE_NS,
        }
    }

    fn retire_streams(&mut self, now: i64, last: bool, retired: &mut Retired) {
        let mut due: Vec<usize> = Vec::new();
        for (pos, m) in self.streams.metas().iter().enumerate() {
            let quiet = now.saturating_sub(m.last_active);
            if last || (quiet >= QUIET_AFTER_CALL_NS && quiet >= self.quiet_limit(m.owner)) {
                due.push(pos);
            }
        }
        self.retire_stream_positions(due, &mut retired.streams);
    }

    /// Retires the streams at these positions (any order) into `out`.
    fn retire_stream_positions(
        &mut self,
        mut due: Vec<usize>,
        out: &mut Vec<(
            Box<RetiredStream>,
            Option<voipscope_rtp::rtcp::RtcpFigures>,
            Option<Tie>,
        )>,
    ) {
        due.sort_unstable_by(|a, b| b.cmp(a));
        let from = out.len();
        for pos in due {
            let owner = self.streams.metas()[pos].owner;
            let fresh = self.streams.metas()[pos].fresh;
            let mut s = Box::new(self.streams.retire(pos));
            let key: StreamKey = s.key();
            if let Some(log) = LogId::from_tag(owner) {
                self.tracker.release_media(log);
            }
            if !fresh {
                if let Some(n) = self.live_ssrcs.get_mut(&key.ssrc) {
                    *n -= 1;
                    if *n == 0 {
                        self.live_ssrcs.remove(&key.ssrc);
                    }
                }
            }
            if let Some((how, _)) = self.handshakes.get(&pair(key.src, key.dst)) {
                s.mark_encrypted(*how);
            }
            let rtcp = self.rtcp.reported(key.ssrc);
            let tie = self.tie(&key.src, &key.dst, s.start_ns());
            out.push((s, rtcp, tie));
        }
        // in the order they started
        out[from..].sort_by_key(|(s, _, _)| (s.start_ns(), s.key().ssrc));
    }

    fn retire_flows(&mut self, now: i64, last: bool, retired: &mut Retired) {
        let mut due: Vec<usize> = Vec::new();
        for (pos, m) in self.flows.metas().iter().enumerate() {
            let quiet = now.saturating_sub(m.last_active);
            if last || (quiet >= QUIET_AFTER_CALL_NS && quiet >= self.quiet_limit(m.owner)) {
                due.push(pos);
            }
        }
        due.sort_unstable_by(|a, b| b.cmp(a));
        let from = retired.flows.len();
        for pos in due {
            let owner = self.flows.metas()[pos].owner;
            if let Some(log) = LogId::from_tag(owner) {
                self.tracker.release_media(log);
            }
            let f = self.flows.retire(pos);
            let tie = self.tie(&f.src, &f.dst, f.start_ns);
            retired.flows.push((f, tie));
        }
        retired.flows[from..].sort_by_key(|(f, _)| f.number);
    }

    /// The stream table is full: the longest idle tenth are finished early.
    fn evict_streams(&mut self, frame: u64) {
        if !self.stream_cap_reported {
            self.stream_cap_reported = true;
            self.anomalies.push(Anomaly::new(
                AnomalyKind::RtpCapReached,
                frame,
                Detail::LiveStreamsOverCap {
                    max: voipscope_rtp::streams::MAX_STREAMS,
                },
            ));
        }
        let mut by_age: Vec<(i64, usize)> = self
            .streams
            .metas()
            .iter()
            .enumerate()
            .map(|(pos, m)| (m.last_active, pos))
            .collect();
        by_age.sort_unstable();
        by_age.truncate((voipscope_rtp::streams::MAX_STREAMS / 10).max(1));
        let due = by_age.into_iter().map(|(_, pos)| pos).collect();
        self.streams.number_confirmed();
        let mut out = std::mem::take(&mut self.early_streams);
        self.retire_stream_positions(due, &mut out);
        self.early_streams = out;
    }

    /// The capture has ended: everything live is finished.
    pub fn finish(mut self) -> EngineEnd {
        if !self.batch.is_empty() {
            self.tracker.push_batch(&mut self.batch);
        }
        let now = self.clock.now();
        self.sweep(now.saturating_add(i64::MAX / 4), true);
        self.anomalies.extend(self.tracker.take_anomalies());
        EngineEnd {
            sip: self.tracker.stats(),
            rtcp_packets: self.rtcp.packets,
            rtcp_unreadable: self.rtcp.unreadable,
            sdp_endpoints_dropped: self.plan.dropped,
            dropped_flow_packets: self.flows.dropped_packets,
            anomalies: self.anomalies,
            base: self.base.unwrap_or_default(),
        }
    }
}

/// What the engine knows once the capture has ended.
#[derive(Debug)]
pub(crate) struct EngineEnd {
    pub sip: voipscope_sip::SipStats,
    pub rtcp_packets: u64,
    pub rtcp_unreadable: u64,
    pub sdp_endpoints_dropped: u64,
    pub dropped_flow_packets: u64,
    pub anomalies: Vec<Anomaly>,
    pub base: TimeBase,
}

fn pair(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl pipeline::Sink for Engine<'_> {
    fn first_frame(&mut self, ts_ns: i64) {
        if self.base.is_none() {
            let base = TimeBase::new(ts_ns);
            self.base = Some(base);
            self.send(ToFinisher::Start(base));
        }
    }

    fn sip(&mut self, m: SipMessage, preread: Option<Preread>) {
        let now = self.clock.tick(m.ts_ns);
        (self.on_sip)(&m);
        match preread {
            Some(preread) => {
                match preread.sdp() {
                    Some(sdp) => self.plan.learn(sdp, now),
                    // a body the reader did not take for SDP (no SDP content type) may hold one
                    None => {
                        if let Some(sdp) = sdp_of(&m.data) {
                            self.plan.learn(&sdp, now);
                        }
                    }
                }
                self.batch.push(Unfiled::Read(preread.at(now)));
            }
            None => {
                if let Some(sdp) = sdp_of(&m.data) {
                    self.plan.learn(&sdp, now);
                }
                self.batch.push(Unfiled::Framed(m, now));
            }
        }
        if self.batch.len() == SIP_BATCH {
            self.tracker.push_batch(&mut self.batch);
        }
        self.maybe_sweep(now);
    }

    fn media(&mut self, p: &decode::MediaPacket<'_>) {
        let now = self.clock.tick(p.ts_ns);
        match &p.kind {
            MediaKind::Rtp(h) => {
                if !self.streams.push(p, h, &self.plan, now) {
                    self.evict_streams(p.frame);
                    self.streams.push(p, h, &self.plan, now);
                }
            }
            MediaKind::Rtcp => self.rtcp.push(p.data, p.ts_ns, now),
            kind => {
                let how = match kind {
                    MediaKind::Dtls => Some(Encryption::Dtls),
                    MediaKind::Zrtp => Some(Encryption::Zrtp),
                    _ => None,
                };
                if let Some(how) = how {
                    self.handshakes
                        .entry(pair(p.flow.src, p.flow.dst))
                        .and_modify(|e| e.1 = now)
                        .or_insert((how, now));
                }
                self.flows.push(p, &self.plan, now);
            }
        }
        self.maybe_sweep(now);
    }

    fn lookahead(&self) -> &'static [pipeline::Lookahead] {
        use pipeline::Lookahead::{Close, Far, Near};
        match (self.streams.prefetching(), self.streams.keeps_plot_series()) {
            (false, _) => &[],
            // the series' next slot is only worth fetching when points are kept
            (true, false) => &[Far, Near],
            (true, true) => &[Far, Near, Close],
        }
    }

    fn upcoming_media(&self, kind: &MediaKind, ahead: pipeline::Lookahead) {
        if let MediaKind::Rtp(h) = kind {
            match ahead {
                pipeline::Lookahead::Far => self.streams.prefetch_index(h.stream_hash),
                pipeline::Lookahead::Near => self.streams.prefetch(h.stream_hash, h.seq),
                pipeline::Lookahead::Close => self.streams.prefetch_series(h.stream_hash),
            }
        }
    }
}

/// The SDP body of a SIP message, found cheaply (most messages carry none).
fn sdp_of(data: &[u8]) -> Option<voipscope_sdp::SessionDescription> {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    // built once: `memmem::find` builds a searcher per call, dearer than searching a message
    static CRLF_CRLF: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("\r\n\r\n"));
    static LF_LF: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("\n\n"));
    let body_at = CRLF_CRLF
        .find(data)
        .map(|i| i + 4)
        .or_else(|| LF_LF.find(data).map(|i| i + 2))?;
    voipscope_sdp::parse_embedded(&data[body_at..])
}
