//! A stream's state: its key, the fields every packet reads (kept in the first cache lines),
//! and how one packet updates both families of figures, DTMF and the plot series.

use std::net::{IpAddr, SocketAddr};

use super::payload::{payload_info, CurrentPayload, PayloadInfo};
use super::record::{ClockSource, Encryption, PayloadType, RtpStream};
use super::table::Settings;
use crate::clock;
use crate::dtmf::DtmfCollector;
use crate::quality;
use crate::rfc3550::Rfc3550State;
use crate::series::{Point, Series};
use crate::wireshark::{WiresharkPacket, WiresharkState};
use voipscope_sdp::plan::MediaPlan;
use voipscope_wire::decode::{MediaPacket, RtpHeader};

/// The part of a stream's state every packet reads: up to the rfc3550 window of received
/// sequence numbers, of which a packet reads one line (fetched apart, see
/// [`StreamTable::prefetch`]). 6 of its 15 cache lines; the rest would only take the place of
/// lines the packet needs.
pub(super) const STATE_HOT_BYTES: usize =
    std::mem::offset_of!(StreamState, rfc) + Rfc3550State::WINDOW_OFFSET;
/// Packets buffered per stream to estimate an unknown clock rate.
pub(super) const CLOCK_SAMPLES: usize = 64;
/// Unsignaled streams need this many packets that follow their predecessor by one.
pub(super) const HEURISTIC_IN_SEQUENCE: u32 = 2;

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
pub(super) struct StoredKey {
    pub(super) src_ip: IpAddr,
    pub(super) dst_ip: IpAddr,
    pub(super) src_port: u16,
    pub(super) dst_port: u16,
    pub(super) ssrc: u32,
}

impl StoredKey {
    pub(super) fn of(key: &StreamKey) -> StoredKey {
        StoredKey {
            src_ip: key.src.ip(),
            dst_ip: key.dst.ip(),
            src_port: key.src.port(),
            dst_port: key.dst.port(),
            ssrc: key.ssrc,
        }
    }

    pub(super) fn key(&self) -> StreamKey {
        StreamKey {
            src: SocketAddr::new(self.src_ip, self.src_port),
            dst: SocketAddr::new(self.dst_ip, self.dst_port),
            ssrc: self.ssrc,
        }
    }
}

/// Laid out in the order a packet touches it (`repr(C)` keeps that order), hot part first:
/// with thousands of streams each packet's state is a cache miss, and the fewer lines a packet
/// reads the fewer it waits for. Aligned to a line, so the hot part spans as few as it can.
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub(super) struct StreamState {
    pub(super) key: StoredKey,
    /// The plan's entry for the destination, once it has one: it takes precedence over the
    /// source's, so a new description is checked without looking the address up.
    pub(super) dst_plan: Option<u32>,
    pub(super) last_seq: u16,
    pub(super) signaled: bool,
    /// Consecutive G.711/G.722 packets compared with their timestamp step, and how many of
    /// them were longer by exactly an SRTP authentication tag.
    pub(super) octet_codec_checks: u32,
    pub(super) auth_tag_sized: u32,
    /// Packets that followed their predecessor by one (counted up to the heuristic's need).
    pub(super) in_sequence: u32,
    /// Packets of `payload`'s type not yet added to its count in `payloads`.
    pub(super) payload_unsaved: u32,
    /// Our clock for the rfc3550 figures: the first audio payload's (its source is in
    /// `clock_source`, read once).
    pub(super) clock: Option<u32>,
    pub(super) payload: CurrentPayload,
    pub(super) plan_generation: u64,
    /// The last timestamp, extended past its wraps (its low 32 bits are the last raw one).
    pub(super) last_ext_ts: i64,
    pub(super) last_frame: u64,
    pub(super) last_ns: i64,
    pub(super) payload_bytes: u64,
    pub(super) late: u64,
    pub(super) ws: WiresharkState,
    /// Its window of received sequence numbers is the last hot part.
    pub(super) rfc: Rfc3550State,
    // The cold part: read when a packet changes payload type, and at the end.
    /// Inline: nearly every stream has one or two payload types.
    pub(super) payloads: smallvec::SmallVec<[PayloadInfo; 2]>,
    pub(super) clock_source: ClockSource,
    pub(super) series: Series,
    pub(super) clock_samples: Vec<(i64, i64)>,
    pub(super) dtmf: DtmfCollector,
    pub(super) first_frame: u64,
    pub(super) first_ns: i64,
    pub(super) encrypted: bool,
    pub(super) udptl: bool,
    /// 1-based once numbered, else 0.
    pub(super) number: u32,
    /// SDP named an endpoint, or the heuristic saw packets in sequence.
    pub(super) confirmed: bool,
    /// A DTLS or ZRTP handshake went between its addresses.
    pub(super) handshake: Option<Encryption>,
}

/// Packets compared before an SRTP authentication tag is believed.
pub(super) const AUTH_TAG_MIN_CHECKS: u32 = 10;

pub(super) fn wireshark_packet(
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

pub(super) fn ms(ns: i64) -> f64 {
    // as Wireshark's nstime_to_msec: seconds and nanoseconds apart
    let secs = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000);
    secs as f64 * 1000.0 + nanos as f64 / 1e6
}

impl StreamState {
    pub(super) fn first_packet_extras(
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

    pub(super) fn push(
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
    pub(super) fn change_payload(&mut self, pt: u8, payload: &[u8], plan: &MediaPlan, frame: u64) {
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

    pub(super) fn save_payload_count(&mut self) {
        self.payloads[usize::from(self.payload.slot)].packets +=
            u64::from(std::mem::take(&mut self.payload_unsaved));
    }

    /// RFC 3550 transit for one packet; returns |D| in ms and counts late packets.
    pub(super) fn transit(
        &mut self,
        arrival_ms: f64,
        ext: i64,
        clock: u32,
        jitter_buffer_ms: f64,
    ) -> f64 {
        let d = self
            .rfc
            .push_transit(arrival_ms * f64::from(clock) / 1000.0, ext);
        let d_ms = d.abs() * 1000.0 / f64::from(clock);
        if d_ms > jitter_buffer_ms {
            self.late += 1;
        }
        d_ms
    }

    pub(super) fn infer_clock(&mut self, jitter_buffer_ms: f64) {
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

    pub(super) fn into_result(mut self, jitter_buffer_ms: f64) -> RtpStream {
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
        let codec = main.and_then(|p| p.name.clone());
        let audio_packets = main.map_or(0, |p| p.packets);
        let quality = (audio_packets > 0 && clock_rate > 0).then(|| {
            quality::estimate(
                codec.as_deref().unwrap_or(""),
                rfc.expected,
                rfc.lost,
                rfc.loss_bursts.iter().sum(),
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
                    name: p.name.clone(),
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
