//! The live streams: a table of states with an open-addressed index and prefetching for
//! many concurrent streams, numbering, and retirement of streams that are over.

use super::payload::{payload_info, CurrentPayload, PayloadInfo};
use super::record::{ClockSource, Encryption, RtpStream};
use super::state::{
    ms, wireshark_packet, StoredKey, StreamKey, StreamState, HEURISTIC_IN_SEQUENCE, STATE_HOT_BYTES,
};
use crate::dtmf::DtmfCollector;
use crate::index::StreamIndex;
use crate::quality;
use crate::rfc3550::Rfc3550State;
use crate::series::Series;
use crate::wireshark::WiresharkState;
use voipscope_sdp::plan::MediaPlan;
use voipscope_wire::decode::{MediaPacket, RtpHeader};

/// Live streams at most: a stream beyond this makes the analysis retire the longest idle
/// ones early (see the analysis' stream timers).
pub const MAX_STREAMS: usize = 100_000;
/// Live streams above which their states are prefetched: their states fill about half a
/// core's L2 cache (1 MiB).
pub(super) const PREFETCH_ABOVE_STREAMS: usize = (1 << 20) / std::mem::size_of::<StreamState>();
/// Streams are counted live per epoch of 2^28 ns (0.27 s) of capture time.
pub(super) const EPOCH_SHIFT: u32 = 28;
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
pub(super) struct Settings {
    pub(super) jitter_buffer_ms: f64,
    /// Keep each stream's time series for plots.
    pub(super) plot_series: bool,
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
    pub(super) state: StreamState,
    pub(super) jitter_buffer_ms: f64,
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

pub(super) fn key_hash(key: &StreamKey) -> u64 {
    voipscope_wire::decode::Flow {
        src: key.src,
        dst: key.dst,
    }
    .stream_hash(key.ssrc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use voipscope_sdp::plan::MediaPlan;
    use voipscope_wire::decode::{Flow, MediaKind, MediaPacket, RtpHeader};

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
