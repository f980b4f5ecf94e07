//! The stream table: RTP packets in capture order -> per-stream state (both families of
//! figures, DTMF, series) -> [`RtpStream`] results. A stream is (source, destination, SSRC).
//!
//! Payload names and clock rates come from the media plan (SDP seen so far) when it names the
//! endpoint, else from the static payload table. Streams no SDP announced are kept when the
//! heuristic confirms them (sequence numbers that follow each other), so stray UDP that only
//! looks like RTP does not become a stream.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use serde::Serialize;

use super::clock;
use super::dtmf::{self, DtmfCollector, DtmfEvent};
use super::index::StreamIndex;
use super::quality::{self, Quality};
use super::rfc3550::{Rfc3550Figures, Rfc3550State};
use super::rtcp::RtcpFigures;
use super::series::{Point, Series};
use super::wireshark::{WiresharkFigures, WiresharkPacket, WiresharkState};
use voipscope_sdp::plan::MediaPlan;
use voipscope_wire::decode::{MediaPacket, RtpHeader};

/// Live streams at most: a stream beyond this makes the analysis retire the longest idle
/// ones early (see the analysis' stream timers).
pub const MAX_STREAMS: usize = 100_000;
/// Live streams above which their states are prefetched: their states fill about half a
/// core's L2 cache (1 MiB).
const PREFETCH_ABOVE_STREAMS: usize = (1 << 20) / std::mem::size_of::<StreamState>();
/// Streams are counted live per epoch of 2^28 ns (0.27 s) of capture time.
const EPOCH_SHIFT: u32 = 28;
/// The part of a stream's state every packet reads: up to the rfc3550 window of received
/// sequence numbers, of which a packet reads one line (fetched apart, see
/// [`StreamTable::prefetch`]). 6 of its 15 cache lines; the rest would only take the place of
/// lines the packet needs.
const STATE_HOT_BYTES: usize = std::mem::offset_of!(StreamState, rfc) + Rfc3550State::WINDOW_OFFSET;
/// Packets buffered per stream to estimate an unknown clock rate.
const CLOCK_SAMPLES: usize = 64;
/// Unsignaled streams need this many packets that follow their predecessor by one.
const HEURISTIC_IN_SEQUENCE: u32 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamKey {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub ssrc: u32,
}

/// A stream's key as its state stores it: the addresses without an IPv6 flow label and scope,
/// which decoding never sets, so 44 bytes instead of 72 and the key shares the state's first
/// line with the fields a packet reads next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct StoredKey {
    src_ip: IpAddr,
    dst_ip: IpAddr,
    src_port: u16,
    dst_port: u16,
    ssrc: u32,
}

impl StoredKey {
    fn of(key: &StreamKey) -> StoredKey {
        StoredKey {
            src_ip: key.src.ip(),
            dst_ip: key.dst.ip(),
            src_port: key.src.port(),
            dst_port: key.dst.port(),
            ssrc: key.ssrc,
        }
    }

    fn key(&self) -> StreamKey {
        StreamKey {
            src: SocketAddr::new(self.src_ip, self.src_port),
            dst: SocketAddr::new(self.dst_ip, self.dst_port),
            ssrc: self.ssrc,
        }
    }
}

/// How one payload type of a stream is read.
#[derive(Clone, Debug)]
struct PayloadInfo {
    pt: u8,
    name: Option<Arc<str>>,
    /// The rate Wireshark uses (0: none, as for telephone-event).
    wireshark_clock: u32,
    /// The rate we use, and where it came from.
    clock: Option<u32>,
    clock_source: ClockSource,
    event: bool,
    comfort_noise: bool,
    packets: u64,
    /// The first packet of this type (set by the caller; a finding about the type cites it).
    first_frame: u64,
}

fn payload_info(pt: u8, h_payload: &[u8], plan: &MediaPlan, key: &StreamKey) -> PayloadInfo {
    let planned = plan
        .for_flow(&key.src, &key.dst)
        .and_then(|e| e.format(pt))
        .cloned();
    let mut info = PayloadInfo {
        first_frame: 0,
        pt,
        name: None,
        wireshark_clock: 0,
        clock: None,
        clock_source: ClockSource::Unknown,
        event: false,
        comfort_noise: pt == 13 || pt == 19,
        packets: 0,
    };
    if let Some(f) = planned {
        let event = f.name.to_ascii_lowercase().starts_with("telephone-event");
        info.event = event;
        info.comfort_noise |= f.name.eq_ignore_ascii_case("CN");
        info.clock = f.clock_rate.or_else(|| {
            let r = clock::wireshark_dynamic(&f.name);
            (r != 0).then_some(r)
        });
        info.clock_source = ClockSource::Sdp;
        info.wireshark_clock = if pt < 96 {
            clock::wireshark_static(pt)
        } else if event {
            0
        } else {
            f.clock_rate
                .unwrap_or_else(|| clock::wireshark_dynamic(&f.name))
        };
        info.name = Some(Arc::from(f.name.as_str()));
        return info;
    }
    if let Some((name, rate)) = voipscope_sdp::static_payload(pt) {
        info.name = Some(Arc::from(name));
        info.clock = Some(rate);
        info.clock_source = ClockSource::StaticPayloadType;
        info.wireshark_clock = clock::wireshark_static(pt);
    } else if pt >= 96 && (pt == 101 || dtmf::looks_like_event(h_payload)) {
        // Wireshark's default rtpevent payload type is 101; others by their shape.
        info.event = true;
        info.name = Some(Arc::from("telephone-event"));
        info.clock = Some(8000);
        info.clock_source = ClockSource::EventDefault;
    } else {
        info.wireshark_clock = clock::wireshark_static(pt);
    }
    info
}

/// What a packet reads of its payload type, copied out of the stream's list of payload types
/// (which holds names and lies in the state's cold part): nearly every packet has the type of
/// the packet before it, and with thousands of streams each line a packet reads is a miss.
#[derive(Clone, Copy, Debug)]
struct CurrentPayload {
    /// Its position in [`StreamState::payloads`].
    slot: u8,
    pt: u8,
    event: bool,
    comfort_noise: bool,
    wireshark_clock: u32,
    clock: Option<u32>,
}

impl CurrentPayload {
    fn of(slot: usize, info: &PayloadInfo) -> CurrentPayload {
        CurrentPayload {
            // payload types are 7 bits, so a stream has at most 128 of them
            slot: slot as u8,
            pt: info.pt,
            event: info.event,
            comfort_noise: info.comfort_noise,
            wireshark_clock: info.wireshark_clock,
            clock: info.clock,
        }
    }
}

/// Laid out in the order a packet touches it (`repr(C)` keeps that order), hot part first:
/// with thousands of streams each packet's state is a cache miss, and the fewer lines a packet
/// reads the fewer it waits for. Aligned to a line, so the hot part spans as few as it can.
#[derive(Clone, Debug)]
#[repr(C, align(64))]
struct StreamState {
    key: StoredKey,
    /// The plan's entry for the destination, once it has one: it takes precedence over the
    /// source's, so a new description is checked without looking the address up.
    dst_plan: Option<u32>,
    last_seq: u16,
    signaled: bool,
    /// Consecutive G.711/G.722 packets compared with their timestamp step, and how many of
    /// them were longer by exactly an SRTP authentication tag.
    octet_codec_checks: u32,
    auth_tag_sized: u32,
    /// Packets that followed their predecessor by one (counted up to the heuristic's need).
    in_sequence: u32,
    /// Packets of `payload`'s type not yet added to its count in `payloads`.
    payload_unsaved: u32,
    /// Our clock for the rfc3550 figures: the first audio payload's (its source is in
    /// `clock_source`, read once).
    clock: Option<u32>,
    payload: CurrentPayload,
    plan_generation: u64,
    /// The last timestamp, extended past its wraps (its low 32 bits are the last raw one).
    last_ext_ts: i64,
    last_frame: u64,
    last_ns: i64,
    payload_bytes: u64,
    late: u64,
    ws: WiresharkState,
    /// Its window of received sequence numbers is the last hot part.
    rfc: Rfc3550State,
    // The cold part: read when a packet changes payload type, and at the end.
    /// Inline: nearly every stream has one or two payload types.
    payloads: smallvec::SmallVec<[PayloadInfo; 2]>,
    clock_source: ClockSource,
    series: Series,
    clock_samples: Vec<(i64, i64)>,
    dtmf: DtmfCollector,
    first_frame: u64,
    first_ns: i64,
    encrypted: bool,
    udptl: bool,
    /// 1-based once numbered, else 0.
    number: u32,
    /// SDP named an endpoint, or the heuristic saw packets in sequence.
    confirmed: bool,
    /// A DTLS or ZRTP handshake went between its addresses.
    handshake: Option<Encryption>,
}

/// Packets compared before an SRTP authentication tag is believed.
const AUTH_TAG_MIN_CHECKS: u32 = 10;

/// What the analysis keeps beside each live stream: when it last had a packet (on the
/// analysis' activity clock), the call it is thought to belong to, and whether the analysis
/// has looked at it since it started. Kept apart from the state, so a sweep over all live
/// streams reads a few bytes of each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamMeta {
    pub last_active: i64,
    /// Set by the analysis (0: none).
    pub owner: u64,
    /// Started since the analysis last looked.
    pub fresh: bool,
    /// Confirmed and not yet numbered ([`StreamTable::number_confirmed`]).
    pub to_number: bool,
}

/// The live streams of a capture, fed in capture order; streams leave when the analysis
/// retires them ([`StreamTable::retire`]).
#[derive(Debug)]
pub struct StreamTable {
    /// Positions in `streams` by key hash (the key is compared in the stream, which the packet
    /// updates next anyway).
    index: StreamIndex,
    streams: Vec<StreamState>,
    meta: Vec<StreamMeta>,
    origin_ns: Option<i64>,
    /// Numbers given so far: a stream is numbered when it is confirmed (SDP named it, or the
    /// heuristic saw packets in sequence).
    numbered: u32,
    /// Whether the streams that received a packet in the last quarter second of capture time
    /// are too many for the cache, so that prefetching their states pays.
    prefetching: bool,
    /// The current quarter second (capture time >> [`EPOCH_SHIFT`]) and the streams that had
    /// a packet in it so far.
    epoch: i64,
    live_in_epoch: usize,
    settings: Settings,
}

/// What the analysis asked of every stream.
#[derive(Clone, Copy, Debug)]
struct Settings {
    jitter_buffer_ms: f64,
    /// Keep each stream's time series for plots.
    plot_series: bool,
}

impl Default for StreamTable {
    fn default() -> Self {
        Self::new(quality::DEFAULT_JITTER_BUFFER_MS, true)
    }
}

impl StreamTable {
    /// `plot_series`: keep each stream's time series for plots (else they stay empty).
    pub fn new(jitter_buffer_ms: f64, plot_series: bool) -> StreamTable {
        StreamTable {
            index: StreamIndex::default(),
            streams: Vec::new(),
            meta: Vec::new(),
            origin_ns: None,
            numbered: 0,
            prefetching: false,
            epoch: i64::MIN,
            live_in_epoch: 0,
            settings: Settings {
                jitter_buffer_ms,
                plot_series,
            },
        }
    }

    /// One RTP packet; `plan` is the SDP seen so far, `active` the analysis' activity clock.
    /// False when the packet starts a stream and [`MAX_STREAMS`] are live: the analysis then
    /// retires some and pushes the packet again.
    pub fn push(
        &mut self,
        p: &MediaPacket<'_>,
        h: &RtpHeader,
        plan: &MediaPlan,
        active: i64,
    ) -> bool {
        let plan_generation = plan.generation();
        let origin = *self.origin_ns.get_or_insert(p.ts_ns);
        let epoch = p.ts_ns >> EPOCH_SHIFT;
        if epoch != self.epoch {
            self.prefetching = self.live_in_epoch > PREFETCH_ABOVE_STREAMS;
            self.epoch = epoch;
            self.live_in_epoch = 0;
        }
        let arrival_ms = ms(p.ts_ns - origin);
        let key = StreamKey {
            src: p.flow.src,
            dst: p.flow.dst,
            ssrc: h.ssrc,
        };
        let payload = p.payload();
        let hash = h.stream_hash;
        let streams = &self.streams;
        let stored = StoredKey::of(&key);
        let found = self.index.find(hash, |i| streams[i as usize].key == stored);
        let idx = match found {
            Some(i) => i as usize,
            None => {
                if self.streams.len() >= MAX_STREAMS {
                    return false;
                }
                let endpoint = plan.for_flow(&key.src, &key.dst);
                let info = payload_info(h.payload_type, payload, plan, &key);
                let ws =
                    WiresharkState::new(&wireshark_packet(p, h, arrival_ms, info.wireshark_clock));
                let mut s = StreamState {
                    key: stored,
                    first_frame: p.frame,
                    last_frame: p.frame,
                    first_ns: p.ts_ns,
                    last_ns: p.ts_ns,
                    payload_bytes: u64::from(h.payload_len),
                    ws,
                    rfc: Rfc3550State::new(h.seq),
                    last_ext_ts: i64::from(h.timestamp),
                    last_seq: h.seq,
                    in_sequence: 0,
                    payload: CurrentPayload::of(0, &info),
                    payload_unsaved: 1,
                    payloads: smallvec::SmallVec::new(),
                    plan_generation,
                    dst_plan: plan.endpoint_id(&key.dst),
                    clock: None,
                    clock_source: ClockSource::Unknown,
                    clock_samples: Vec::new(),
                    late: 0,
                    dtmf: DtmfCollector::default(),
                    series: if self.settings.plot_series {
                        Series::default()
                    } else {
                        Series::off()
                    },
                    signaled: endpoint.is_some(),
                    encrypted: endpoint.is_some_and(|e| e.encrypted),
                    udptl: endpoint.is_some_and(|e| e.udptl),
                    octet_codec_checks: 0,
                    auth_tag_sized: 0,
                    number: 0,
                    confirmed: false,
                    handshake: None,
                };
                s.first_packet_extras(&info, payload, h, p.frame, arrival_ms, p.ts_ns);
                self.count_live();
                s.payloads.push(PayloadInfo {
                    first_frame: p.frame,
                    ..info
                });
                s.confirmed = s.signaled;
                let streams = &self.streams;
                self.index.insert(hash, streams.len() as u32, |i| {
                    key_hash(&streams[i as usize].key.key())
                });
                self.streams.push(s);
                self.meta.push(StreamMeta {
                    last_active: active,
                    owner: 0,
                    fresh: true,
                    to_number: self.streams.last().is_some_and(|s| s.confirmed),
                });
                return true;
            }
        };
        self.meta[idx].last_active = active;
        if self.streams[idx].last_ns >> EPOCH_SHIFT != epoch {
            self.count_live();
        }
        let s = &mut self.streams[idx];
        if s.plan_generation != plan_generation {
            let read_at = s.plan_generation;
            s.plan_generation = plan_generation;
            // a description of this stream's endpoint since it last read the plan may have
            // renamed payload types: read those it names again (descriptions of other
            // endpoints change nothing here)
            if !s.dst_plan.is_some_and(|id| plan.holds(id, &key.dst)) {
                s.dst_plan = plan.endpoint_id(&key.dst);
            }
            let described = s
                .dst_plan
                .or_else(|| plan.endpoint_id(&key.src))
                .filter(|&id| plan.learned_at(id) > read_at)
                .map(|id| plan.entry(id));
            if let Some(e) = described {
                s.signaled = true;
                if !s.confirmed {
                    s.confirmed = true;
                    self.meta[idx].to_number = true;
                }
                s.encrypted |= e.encrypted;
                for i in &mut s.payloads {
                    if e.format(i.pt).is_some() {
                        let (packets, first_frame) = (i.packets, i.first_frame);
                        *i = payload_info(i.pt, &[], plan, &key);
                        i.packets = packets;
                        i.first_frame = first_frame;
                    }
                }
                let slot = usize::from(s.payload.slot);
                s.payload = CurrentPayload::of(slot, &s.payloads[slot]);
            }
        }
        s.push(p, h, payload, arrival_ms, plan, self.settings);
        if s.in_sequence == HEURISTIC_IN_SEQUENCE && !s.confirmed {
            s.confirmed = true;
            self.meta[idx].to_number = true;
        }
        true
    }

    /// Numbers the streams confirmed since the last call, in the order of their first packet:
    /// streams are numbered as the analysis looks at them (each sweep), so a stream the
    /// heuristic confirms a few packets late still comes before those that started after it.
    pub fn number_confirmed(&mut self) {
        let mut new: Vec<(u64, i64, usize)> = self
            .meta
            .iter()
            .enumerate()
            .filter(|(_, m)| m.to_number)
            .map(|(pos, _)| {
                let s = &self.streams[pos];
                (s.first_frame, s.first_ns, pos)
            })
            .collect();
        new.sort_unstable();
        for (_, _, pos) in new {
            self.numbered += 1;
            self.streams[pos].number = self.numbered;
            self.meta[pos].to_number = false;
        }
    }

    /// Live streams.
    pub fn len(&self) -> usize {
        self.streams.len()
    }

    pub fn is_empty(&self) -> bool {
        self.streams.is_empty()
    }

    /// What the analysis keeps of each live stream, by position.
    pub fn metas(&self) -> &[StreamMeta] {
        &self.meta
    }

    pub fn meta_mut(&mut self, pos: usize) -> &mut StreamMeta {
        &mut self.meta[pos]
    }

    /// The key and first packet time of the live stream at `pos`.
    pub fn key_of(&self, pos: usize) -> (StreamKey, i64) {
        let s = &self.streams[pos];
        (s.key.key(), s.first_ns)
    }

    /// Takes the stream at `pos` out of the table. The last stream moves to `pos`, so retire
    /// several from the highest position down.
    pub fn retire(&mut self, pos: usize) -> RetiredStream {
        let last = self.streams.len() - 1;
        let hash_of = |streams: &[StreamState], i: u32| key_hash(&streams[i as usize].key.key());
        let hash = hash_of(&self.streams, pos as u32);
        let streams = &self.streams;
        self.index.remove(hash, pos as u32, |i| hash_of(streams, i));
        if pos != last {
            let moved = hash_of(&self.streams, last as u32);
            self.index.repoint(moved, last as u32, pos as u32);
        }
        self.meta.swap_remove(pos);
        let state = self.streams.swap_remove(pos);
        RetiredStream {
            state,
            jitter_buffer_ms: self.settings.jitter_buffer_ms,
        }
    }

    /// A stream had its first packet of the current epoch. Prefetching pays once the live
    /// states outgrow the cache; with a few hundred live streams they stay cached and finding
    /// where to prefetch costs more than it saves (8% of the CPU on the 1 GB benchmark
    /// capture, 400 live streams).
    fn count_live(&mut self) {
        self.live_in_epoch += 1;
        if self.live_in_epoch > PREFETCH_ABOVE_STREAMS {
            self.prefetching = true;
        }
    }

    /// Whether streams keep their plot series.
    pub fn keeps_plot_series(&self) -> bool {
        self.settings.plot_series
    }

    /// Whether the live streams are many enough for prefetching their states to pay.
    pub fn prefetching(&self) -> bool {
        self.prefetching
    }

    /// Asks the CPU to fetch what a packet of this stream due in a while will read first: the
    /// index slot its lookup starts at. `hash`: the packet's [`RtpHeader::stream_hash`].
    pub fn prefetch_index(&self, hash: u64) {
        if self.prefetching {
            voipscope_wire::prefetch::lines_of(self.index.home_slot(hash));
        }
    }

    /// Asks the CPU to fetch the state of this packet's stream, which [`StreamTable::push`]
    /// will update a few packets later. With 20,000 live streams the states do not fit in
    /// cache and each packet otherwise waits for its stream's lines.
    /// `seq`: the packet's sequence number, which says which line of the rfc3550 window it
    /// reads.
    pub fn prefetch(&self, hash: u64, seq: u16) {
        if let Some(s) = self.likely_stream(hash) {
            voipscope_wire::prefetch::first_bytes_of(s, STATE_HOT_BYTES);
            voipscope_wire::prefetch::lines_of(s.rfc.window_word(seq));
            if self.settings.plot_series {
                voipscope_wire::prefetch::lines_of(&s.series);
            }
        }
    }

    /// Asks the CPU to fetch where the stream's plot series will take its next point: a
    /// separate allocation, so a miss of its own (the state, fetched before, says where).
    pub fn prefetch_series(&self, hash: u64) {
        if !self.settings.plot_series {
            return;
        }
        if let Some(s) = self.likely_stream(hash) {
            s.series.prefetch_next();
        }
    }

    /// The stream a packet probably belongs to, found by hash alone (a wrong guess only
    /// fetches other lines), while prefetching pays.
    fn likely_stream(&self, hash: u64) -> Option<&StreamState> {
        if !self.prefetching {
            return None;
        }
        let i = self.index.guess(hash)?;
        self.streams.get(i as usize)
    }

    /// Retires every live stream: the finished ones confirmed, in order of their number.
    pub fn finish(mut self) -> Vec<RtpStream> {
        use rayon::prelude::*;
        self.number_confirmed();
        let retired: Vec<RetiredStream> = (0..self.streams.len())
            .rev()
            .map(|pos| self.retire(pos))
            .collect();
        let mut streams: Vec<RtpStream> = retired
            .into_par_iter()
            .filter_map(RetiredStream::finish)
            .collect();
        streams.sort_by_key(|s| s.number);
        streams
    }
}

/// A stream the analysis retired: its figures are computed by [`RetiredStream::finish`],
/// which may run on another thread.
#[derive(Debug)]
pub struct RetiredStream {
    state: StreamState,
    jitter_buffer_ms: f64,
}

impl RetiredStream {
    pub fn key(&self) -> StreamKey {
        self.state.key.key()
    }

    pub fn start_ns(&self) -> i64 {
        self.state.first_ns
    }

    pub fn ssrc(&self) -> u32 {
        self.state.key.ssrc
    }

    /// Whether it became a stream: SDP named an endpoint, or its packets followed each other.
    pub fn confirmed(&self) -> bool {
        self.state.number != 0
    }

    /// Its packets, confirmed or not.
    pub fn packets(&self) -> u64 {
        self.state.ws.packets()
    }

    /// A key exchange went between its addresses (DTLS, ZRTP): it is SRTP.
    pub fn mark_encrypted(&mut self, how: Encryption) {
        if !self.state.encrypted && self.state.handshake.is_none() {
            self.state.handshake = Some(how);
        }
    }

    /// The stream's figures; None when it was never confirmed (stray UDP that looked like RTP).
    pub fn finish(self) -> Option<RtpStream> {
        self.confirmed()
            .then(|| self.state.into_result(self.jitter_buffer_ms))
    }
}

fn key_hash(key: &StreamKey) -> u64 {
    voipscope_wire::decode::Flow {
        src: key.src,
        dst: key.dst,
    }
    .stream_hash(key.ssrc)
}

fn wireshark_packet(
    p: &MediaPacket<'_>,
    h: &RtpHeader,
    arrival_ms: f64,
    clock_rate: u32,
) -> WiresharkPacket {
    WiresharkPacket {
        frame: p.frame,
        arrival_ms,
        seq: h.seq,
        timestamp: h.timestamp,
        payload_type: h.payload_type,
        marker: h.marker,
        clock_rate,
    }
}

fn ms(ns: i64) -> f64 {
    // as Wireshark's nstime_to_msec: seconds and nanoseconds apart
    let secs = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000);
    secs as f64 * 1000.0 + nanos as f64 / 1e6
}

impl StreamState {
    fn first_packet_extras(
        &mut self,
        info: &PayloadInfo,
        payload: &[u8],
        h: &RtpHeader,
        frame: u64,
        arrival_ms: f64,
        ts_ns: i64,
    ) {
        if info.event {
            self.dtmf.push(
                payload,
                h.timestamp,
                frame,
                ts_ns,
                info.clock.unwrap_or(8000),
            );
        } else if !info.comfort_noise {
            if let Some(c) = info.clock {
                self.clock = Some(c);
                self.clock_source = info.clock_source;
                self.rfc
                    .push_transit(arrival_ms * f64::from(c) / 1000.0, self.last_ext_ts);
            } else {
                self.clock_samples.push((ts_ns, self.last_ext_ts));
            }
        }
        self.series.push(Point {
            t: (arrival_ms / 1e3) as f32,
            ..Default::default()
        });
    }

    fn push(
        &mut self,
        p: &MediaPacket<'_>,
        h: &RtpHeader,
        payload: &[u8],
        arrival_ms: f64,
        plan: &MediaPlan,
        settings: Settings,
    ) {
        let Settings {
            jitter_buffer_ms,
            plot_series,
        } = settings;
        // the extended timestamp's low 32 bits are the last raw one
        let ts_step = h.timestamp.wrapping_sub(self.last_ext_ts as u32);
        let ext = self.last_ext_ts + i64::from(ts_step as i32);
        self.last_ext_ts = ext;
        let gap = h.seq.wrapping_sub(self.last_seq);
        // G.711 and G.722 carry one byte per timestamp unit; SRTP adds its authentication
        // tag (4 or 10 bytes) after the payload, which rtp-rs counts as payload (`payload` is
        // still the previous packet's type here)
        if gap == 1
            && h.payload_type == self.payload.pt
            && matches!(h.payload_type, 0 | 8 | 9)
            && (1..=4000).contains(&ts_step)
        {
            self.octet_codec_checks += 1;
            let excess = i64::from(h.payload_len) - i64::from(ts_step);
            self.auth_tag_sized += u32::from(excess == 4 || excess == 10);
        }
        if gap == 1 {
            self.in_sequence = self.in_sequence.saturating_add(1);
        }
        let lost_before = if (2..3000).contains(&gap) {
            u32::from(gap - 1)
        } else {
            0
        };
        self.last_seq = h.seq;
        self.last_frame = p.frame;
        self.last_ns = p.ts_ns;
        self.payload_bytes += u64::from(h.payload_len);

        if h.payload_type == self.payload.pt && self.payload_unsaved < u32::MAX {
            self.payload_unsaved += 1;
        } else {
            self.change_payload(h.payload_type, payload, plan, p.frame);
        }
        let CurrentPayload {
            wireshark_clock,
            event,
            comfort_noise: cn,
            clock,
            ..
        } = self.payload;
        let out = self
            .ws
            .push(&wireshark_packet(p, h, arrival_ms, wireshark_clock));
        self.rfc.push_seq(h.seq);
        let mut diff_ms = out.diff_ms;
        if event {
            self.dtmf.push(
                payload,
                h.timestamp,
                p.frame,
                p.ts_ns,
                clock.unwrap_or(8000),
            );
        } else if !cn {
            if self.clock.is_none() && clock.is_some() {
                self.clock = clock;
                self.clock_source = self.payloads[usize::from(self.payload.slot)].clock_source;
            }
            match self.clock {
                Some(c) => diff_ms = self.transit(arrival_ms, ext, c, jitter_buffer_ms),
                None => {
                    self.clock_samples.push((p.ts_ns, ext));
                    if self.clock_samples.len() >= CLOCK_SAMPLES {
                        self.infer_clock(jitter_buffer_ms);
                    }
                }
            }
        }
        // asked of the table, not of the series, whose lines a packet otherwise never reads
        if plot_series {
            self.series.push(Point {
                t: (arrival_ms / 1e3) as f32,
                delta_ms: out.delta_ms as f32,
                jitter_ms: out.jitter_ms as f32,
                diff_ms: diff_ms as f32,
                lost: lost_before,
            });
        }
    }

    /// Adds the packets of the current payload type counted in the hot part to its entry,
    /// then makes `pt` current (read from the plan if the stream had none of it yet).
    fn change_payload(&mut self, pt: u8, payload: &[u8], plan: &MediaPlan, frame: u64) {
        self.save_payload_count();
        let slot = match self.payloads.iter().position(|i| i.pt == pt) {
            Some(i) => i,
            None => {
                self.payloads.push(PayloadInfo {
                    first_frame: frame,
                    ..payload_info(pt, payload, plan, &self.key.key())
                });
                self.payloads.len() - 1
            }
        };
        self.payload = CurrentPayload::of(slot, &self.payloads[slot]);
        self.payload_unsaved = 1;
    }

    fn save_payload_count(&mut self) {
        self.payloads[usize::from(self.payload.slot)].packets +=
            u64::from(std::mem::take(&mut self.payload_unsaved));
    }

    /// RFC 3550 transit for one packet; returns |D| in ms and counts late packets.
    fn transit(&mut self, arrival_ms: f64, ext: i64, clock: u32, jitter_buffer_ms: f64) -> f64 {
        let d = self
            .rfc
            .push_transit(arrival_ms * f64::from(clock) / 1000.0, ext);
        let d_ms = d.abs() * 1000.0 / f64::from(clock);
        if d_ms > jitter_buffer_ms {
            self.late += 1;
        }
        d_ms
    }

    fn infer_clock(&mut self, jitter_buffer_ms: f64) {
        let samples = std::mem::take(&mut self.clock_samples);
        if let Some(c) = clock::estimate(&samples) {
            self.clock = Some(c);
            self.clock_source = ClockSource::Estimated;
            let origin = self.first_ns;
            for (ns, ext) in samples {
                self.transit(ms(ns - origin), ext, c, jitter_buffer_ms);
            }
        }
    }

    fn into_result(mut self, jitter_buffer_ms: f64) -> RtpStream {
        self.save_payload_count();
        if self.clock.is_none() && !self.clock_samples.is_empty() {
            self.infer_clock(jitter_buffer_ms);
        }
        self.series.finish();
        let auth_tag = self.octet_codec_checks >= AUTH_TAG_MIN_CHECKS
            && u64::from(self.auth_tag_sized) * 10 >= u64::from(self.octet_codec_checks) * 9;
        let ws = self.ws.summary();
        let clock_rate = self.clock.unwrap_or(0);
        let rfc = self.rfc.summary(clock_rate);
        let main = self
            .payloads
            .iter()
            .filter(|p| !p.event && !p.comfort_noise)
            .max_by_key(|p| p.packets);
        let codec = main.and_then(|p| p.name.as_deref().map(str::to_string));
        let audio_packets = main.map_or(0, |p| p.packets);
        let quality = (audio_packets > 0 && clock_rate > 0).then(|| {
            let (lost, bursts) = self.rfc.loss_and_bursts();
            quality::estimate(
                codec.as_deref().unwrap_or(""),
                rfc.expected,
                lost,
                bursts,
                self.late,
                jitter_buffer_ms,
            )
        });
        let key = self.key.key();
        RtpStream {
            number: self.number as usize,
            src: key.src,
            dst: key.dst,
            ssrc: key.ssrc,
            packets: self.ws.packets(),
            payload_bytes: self.payload_bytes,
            call_id: None,
            call_number: None,
            direction: None,
            codec,
            payload_types: self
                .payloads
                .iter()
                .map(|p| PayloadType {
                    pt: p.pt,
                    name: p.name.as_deref().map(str::to_string),
                    packets: p.packets,
                    first_frame: p.first_frame,
                })
                .collect(),
            clock_rate,
            clock_source: self.clock_source,
            start_ns: self.first_ns,
            end_ns: self.last_ns,
            first_frame: self.first_frame,
            last_frame: self.last_frame,
            signaled: self.signaled,
            encrypted: self.encrypted || auth_tag || self.handshake.is_some(),
            encryption_evidence: if self.encrypted {
                Some(Encryption::Sdp)
            } else if auth_tag {
                Some(Encryption::AuthTag)
            } else {
                self.handshake
            },
            comfort_noise_packets: self
                .payloads
                .iter()
                .filter(|p| p.comfort_noise)
                .map(|p| p.packets)
                .sum(),
            event_packets: self
                .payloads
                .iter()
                .filter(|p| p.event)
                .map(|p| p.packets)
                .sum(),
            t38_udptl_port: self.udptl,
            wireshark: ws,
            rfc3550: rfc,
            quality,
            dtmf: self.dtmf.into_events(),
            rtcp: None,
            series: self.series,
        }
    }
}

/// One payload type seen in a stream.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PayloadType {
    pub pt: u8,
    pub name: Option<String>,
    pub packets: u64,
    /// The stream's first packet of this type (evidence; not in the JSON).
    #[serde(skip)]
    pub first_frame: u64,
}

/// Where a stream's clock rate came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ClockSource {
    #[serde(rename = "sdp")]
    Sdp,
    #[serde(rename = "static payload type")]
    StaticPayloadType,
    /// RFC 4733 events on a type no SDP named: 8 kHz.
    #[serde(rename = "telephone-event default")]
    EventDefault,
    #[serde(rename = "estimated from timestamps")]
    Estimated,
    #[serde(rename = "unknown")]
    Unknown,
}

impl ClockSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockSource::Sdp => "sdp",
            ClockSource::StaticPayloadType => "static payload type",
            ClockSource::EventDefault => "telephone-event default",
            ClockSource::Estimated => "estimated from timestamps",
            ClockSource::Unknown => "unknown",
        }
    }
}

/// How we know a stream is SRTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encryption {
    /// SAVP profile, `a=crypto`, `a=fingerprint` or `a=zrtp-hash` in the SDP.
    Sdp,
    /// A DTLS handshake went between the same two addresses.
    Dtls,
    /// A ZRTP handshake went between the same two addresses.
    Zrtp,
    /// G.711/G.722 payloads longer than their timestamp step by an SRTP authentication tag.
    AuthTag,
}

impl Encryption {
    pub fn as_str(self) -> &'static str {
        match self {
            Encryption::Sdp => "sdp",
            Encryption::Dtls => "dtls",
            Encryption::Zrtp => "zrtp",
            Encryption::AuthTag => "auth-tag",
        }
    }
}

/// Which way a stream runs between the parties of its call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    CallerToCallee,
    CalleeToCaller,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::CallerToCallee => "caller-to-callee",
            Direction::CalleeToCaller => "callee-to-caller",
        }
    }
}

/// One RTP stream with both families of figures.
#[derive(Clone, Debug, PartialEq)]
pub struct RtpStream {
    /// 1-based, in the order streams were confirmed (see the stream table).
    pub number: usize,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub ssrc: u32,
    pub packets: u64,
    pub payload_bytes: u64,
    /// The call it is tied to (set by `correlate`).
    pub call_id: Option<String>,
    pub call_number: Option<usize>,
    pub direction: Option<Direction>,
    /// The main payload (not telephone-event or comfort noise).
    pub codec: Option<String>,
    pub payload_types: Vec<PayloadType>,
    /// The clock of our figures (0: unknown), and where it came from.
    pub clock_rate: u32,
    pub clock_source: ClockSource,
    pub start_ns: i64,
    pub end_ns: i64,
    pub first_frame: u64,
    pub last_frame: u64,
    /// An SDP named one of its endpoints (else the heuristic found it).
    pub signaled: bool,
    /// SRTP (the SDP offered crypto, DTLS or ZRTP, or a DTLS/ZRTP handshake went between the
    /// same addresses): payload figures are not available; header figures are.
    pub encrypted: bool,
    pub encryption_evidence: Option<Encryption>,
    pub comfort_noise_packets: u64,
    pub event_packets: u64,
    /// Its endpoint was offered for T.38 (m=image udptl), yet it carries RTP.
    pub t38_udptl_port: bool,
    pub wireshark: WiresharkFigures,
    pub rfc3550: Rfc3550Figures,
    pub quality: Option<Quality>,
    pub dtmf: Vec<DtmfEvent>,
    pub rtcp: Option<RtcpFigures>,
    pub series: Series,
}

#[cfg(test)]
mod tests {
    use super::*;
    use voipscope_wire::decode::{Flow, MediaKind};

    fn rtp(pt: u8, seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x80, pt, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34];
        p[2..4].copy_from_slice(&seq.to_be_bytes());
        p[4..8].copy_from_slice(&ts.to_be_bytes());
        p.extend_from_slice(payload);
        p
    }

    fn push(table: &mut StreamTable, plan: &MediaPlan, n: u16, data: &[u8]) {
        let flow = Flow {
            src: "10.0.0.1:4000".parse().unwrap(),
            dst: "10.0.0.2:6000".parse().unwrap(),
        };
        let h = RtpHeader::read(data, &flow).expect("rtp");
        let p = MediaPacket {
            frame: u64::from(n),
            ts_ns: i64::from(n) * 20_000_000,
            flow,
            kind: MediaKind::Rtp(h),
            data,
        };
        table.push(&p, &h, plan, p.ts_ns);
    }

    fn sdp(addr: &str, port: u16) -> voipscope_sdp::SessionDescription {
        let text = format!(
            "v=0\r\no=- 1 1 IN IP4 {addr}\r\ns=-\r\nc=IN IP4 {addr}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        );
        voipscope_sdp::parse(text.as_bytes()).expect("sdp")
    }

    /// A payload type read by its shape (an RFC 4733 event on a type the SDP did not name)
    /// stays what it was when SDP of other endpoints arrives; it was read again, without its
    /// payload, at every description of any call.
    #[test]
    fn descriptions_of_other_endpoints_do_not_reread_a_stream() {
        let mut plan = MediaPlan::default();
        plan.learn(&sdp("10.0.0.2", 6000), 0);
        let mut table = StreamTable::default();
        push(&mut table, &plan, 1, &rtp(0, 1, 160, &[0xFF; 160]));
        push(&mut table, &plan, 2, &rtp(100, 2, 320, &[1, 0x0A, 0, 160]));
        plan.learn(&sdp("10.0.0.9", 7000), 0);
        push(&mut table, &plan, 3, &rtp(100, 3, 320, &[1, 0x8A, 1, 64]));
        let streams = table.finish();
        assert_eq!(streams.len(), 1);
        assert_eq!(
            streams[0].event_packets, 2,
            "{:?}",
            streams[0].payload_types
        );
        assert_eq!(streams[0].dtmf.len(), 1);
    }

    /// A stream's per-payload counts survive changes of payload type and a description that
    /// renames the current type.
    #[test]
    fn payload_counts_follow_type_changes() {
        let mut plan = MediaPlan::default();
        let mut table = StreamTable::default();
        push(&mut table, &plan, 1, &rtp(0, 1, 160, &[0xFF; 160]));
        push(&mut table, &plan, 2, &rtp(0, 2, 320, &[0xFF; 160]));
        push(&mut table, &plan, 3, &rtp(13, 3, 480, &[0x40]));
        push(&mut table, &plan, 4, &rtp(0, 4, 640, &[0xFF; 160]));
        plan.learn(&sdp("10.0.0.2", 6000), 0);
        push(&mut table, &plan, 5, &rtp(0, 5, 800, &[0xFF; 160]));
        let streams = table.finish();
        let counts: Vec<(u8, u64)> = streams[0]
            .payload_types
            .iter()
            .map(|p| (p.pt, p.packets))
            .collect();
        assert_eq!(counts, [(0, 4), (13, 1)]);
        assert_eq!(streams[0].packets, 5);
        assert_eq!(streams[0].comfort_noise_packets, 1);
        assert_eq!(streams[0].clock_source, ClockSource::StaticPayloadType);
    }

    /// A new description of the stream's own endpoint renames its payload types.
    #[test]
    fn a_description_of_the_endpoint_renames_payload_types() {
        let mut plan = MediaPlan::default();
        let mut table = StreamTable::default();
        push(&mut table, &plan, 1, &rtp(0, 1, 160, &[0xFF; 160]));
        assert!(!table.streams[0].signaled);
        plan.learn(&sdp("10.0.0.2", 6000), 0);
        push(&mut table, &plan, 2, &rtp(0, 2, 320, &[0xFF; 160]));
        let s = &table.streams[0];
        assert!(s.signaled);
        assert_eq!(s.payloads[0].clock_source, ClockSource::Sdp);
    }
}
