//! Streams to calls: each RTP stream is tied to the call whose SDP named one of its endpoints
//! (the destination first: a peer receives where its description says), in time, and given a
//! direction. What the diagnosis needs is recorded on the call: one-way or missing media,
//! media from an address its SDP did not name, and RTP that went on after the BYE.
//!
//! This is the one place where signalling and media meet: a call holds no stream and a stream
//! no call; [`CallRecord`] puts a call beside its media.

use std::net::{IpAddr, SocketAddr};

use rustc_hash::FxHashMap;

use crate::rtp::flows::MediaFlow;
use crate::rtp::{Direction, RtpStream};
use crate::sip::calls::{Call, Side};
use crate::sip::CallState;
use crate::timefmt::TimeBase;

/// RTP this long after the BYE is reported (packets in flight are normal just after it).
pub const AFTER_BYE_GRACE_S: f64 = 1.0;

/// What the media of one call looked like.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallMedia {
    /// Numbers (1-based) of the call's streams.
    pub streams: Vec<usize>,
    pub caller_to_callee_packets: u64,
    pub callee_to_caller_packets: u64,
    /// Answered, and RTP flowed in one direction only.
    pub one_way: bool,
    /// Answered, and no RTP of the call was captured.
    pub no_media: bool,
    /// Streams whose far end is not what the other side's SDP named (NAT, a media relay).
    pub unexpected_endpoints: Vec<UnexpectedEndpoint>,
    /// Streams that went on after the BYE.
    pub rtp_after_bye: Vec<AfterBye>,
    /// Numbers of the STUN, DTLS, ZRTP or T.38 flows on this call's media endpoints.
    pub flows: Vec<usize>,
}

/// Which end of a stream an address is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Source,
    Destination,
}

impl End {
    pub fn as_str(self) -> &'static str {
        match self {
            End::Source => "source",
            End::Destination => "destination",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct UnexpectedEndpoint {
    /// Stream number.
    pub stream: usize,
    pub end: End,
    pub seen: SocketAddr,
    /// What the other side's SDP named.
    pub sdp_named: Vec<SocketAddr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AfterBye {
    /// Stream number.
    pub stream: usize,
    pub bye_ns: i64,
    pub last_packet_ns: i64,
}

/// A call with its media: what the outputs list as one call.
#[derive(Clone, Debug, PartialEq)]
pub struct CallRecord {
    pub call: Call,
    pub media: CallMedia,
}

impl std::ops::Deref for CallRecord {
    type Target = Call;
    fn deref(&self) -> &Call {
        &self.call
    }
}

impl std::ops::DerefMut for CallRecord {
    fn deref_mut(&mut self) -> &mut Call {
        &mut self.call
    }
}

/// Where each side of each call said it receives media, over time.
struct Offer {
    call: usize,
    side: Side,
    /// Microseconds from the time base, as the outputs compare times.
    us: i64,
}

/// Every media endpoint the call's SDP named: (address, who named it, when).
pub fn endpoints_of(call: &Call) -> Vec<(SocketAddr, Side, i64)> {
    let mut out = Vec::new();
    for e in &call.sdp {
        for m in &e.sdp.media {
            let Some(ip) = m.address.as_deref().and_then(|a| a.parse::<IpAddr>().ok()) else {
                continue;
            };
            if m.port != 0 && !ip.is_unspecified() {
                out.push((SocketAddr::new(ip, m.port), e.by, e.ts_ns));
            }
        }
    }
    out
}

/// Every SDP endpoint of every call, with who named it and when.
fn offers_of(calls: &[CallRecord], base: TimeBase) -> FxHashMap<SocketAddr, Vec<Offer>> {
    let mut offers: FxHashMap<SocketAddr, Vec<Offer>> = FxHashMap::default();
    for (ci, call) in calls.iter().enumerate() {
        for (addr, side, ts) in endpoints_of(call) {
            offers.entry(addr).or_default().push(Offer {
                call: ci,
                side,
                us: base.us(ts),
            });
        }
    }
    offers
}

/// The offer in effect when a flow started: the latest before it, else the first after.
fn pick(list: &[Offer], start_us: i64) -> Option<(usize, Side)> {
    list.iter()
        .rfind(|o| o.us <= start_us)
        .or_else(|| list.first())
        .map(|o| (o.call, o.side))
}

/// Ties non-RTP media flows (STUN, DTLS, ZRTP, T.38) to calls by the same endpoint rule as
/// streams; fills their `call_id` and the calls' `media.flows`.
pub fn correlate_flows(calls: &mut [CallRecord], flows: &mut [MediaFlow], base: TimeBase) {
    let offers = offers_of(calls, base);
    for f in flows.iter_mut() {
        let start = base.us(f.start_ns);
        let call = offers
            .get(&f.dst)
            .and_then(|l| pick(l, start))
            .or_else(|| offers.get(&f.src).and_then(|l| pick(l, start)));
        if let Some((call, _)) = call {
            f.call_id = Some(calls[call].call_id.clone());
            f.call_number = Some(calls[call].number);
            calls[call].media.flows.push(f.number);
        }
    }
}

/// Ties streams to calls; fills `call_id`, `call_number` and `direction` of the streams and
/// `media` of the calls.
pub fn correlate(calls: &mut [CallRecord], streams: &mut [RtpStream], base: TimeBase) {
    let offers = offers_of(calls, base);
    for s in streams.iter_mut() {
        let start = base.us(s.start_ns);
        let by_dst = offers.get(&s.dst).and_then(|l| pick(l, start));
        let by_src = offers.get(&s.src).and_then(|l| pick(l, start));
        let (call, direction) = match (by_dst, by_src) {
            // sent to the side that described the destination
            (Some((c, Side::Caller)), _) => (c, Direction::CalleeToCaller),
            (Some((c, Side::Callee)), _) => (c, Direction::CallerToCallee),
            // symmetric RTP: sent from the port the sender receives on
            (None, Some((c, Side::Caller))) => (c, Direction::CallerToCallee),
            (None, Some((c, Side::Callee))) => (c, Direction::CalleeToCaller),
            (None, None) => continue,
        };
        let other_side = by_dst.or(by_src).map(|x| x.1);
        tie(
            &mut calls[call],
            s,
            direction,
            by_dst.is_some(),
            other_side,
            base,
        );
    }
    for call in calls.iter_mut() {
        let own: Vec<&RtpStream> = call
            .media
            .streams
            .iter()
            .filter_map(|&n| n.checked_sub(1).and_then(|i| streams.get(i)))
            .collect();
        finish_media(call, &own, base);
    }
}

/// Ties one stream to its call: `by_dst` when the call's SDP named the stream's destination,
/// `named_by` the side whose SDP named it.
pub fn tie(
    call: &mut CallRecord,
    s: &mut RtpStream,
    direction: Direction,
    by_dst: bool,
    named_by: Option<Side>,
    base: TimeBase,
) {
    s.call_id = Some(call.call_id.clone());
    s.call_number = Some(call.number);
    s.direction = Some(direction);
    let media = &mut call.media;
    media.streams.push(s.number);
    if direction == Direction::CallerToCallee {
        media.caller_to_callee_packets += s.packets;
    } else {
        media.callee_to_caller_packets += s.packets;
    }
    // the other end should be what the other side named
    let (other_end, other_addr) = if by_dst {
        (End::Source, s.src)
    } else {
        (End::Destination, s.dst)
    };
    let named: Vec<SocketAddr> = endpoints_of(&call.call)
        .into_iter()
        .filter(|(_, side, _)| Some(*side) != named_by)
        .map(|(a, _, _)| a)
        .collect();
    // a peer may send from another port than it receives on (non-symmetric RTP); only a
    // different address is worth reporting
    if !named.is_empty() && !named.iter().any(|a| a.ip() == other_addr.ip()) {
        call.media.unexpected_endpoints.push(UnexpectedEndpoint {
            stream: s.number,
            end: other_end,
            seen: other_addr,
            sdp_named: named,
        });
    }
    if let Some(bye) = call.call.bye().map(|m| m.ts_ns) {
        if base.s(s.end_ns) > base.s(bye) + AFTER_BYE_GRACE_S {
            call.media.rtp_after_bye.push(AfterBye {
                stream: s.number,
                bye_ns: bye,
                last_packet_ns: s.end_ns,
            });
        }
    }
}

/// What follows from all of a call's streams (`own`): its talk time without a BYE, one-way
/// and missing media.
pub fn finish_media(call: &mut CallRecord, own: &[&RtpStream], base: TimeBase) {
    // without a BYE the call lasted at least as long as its media did
    if call.state == CallState::InCall {
        let answer_s = call.call.answer().map(|m| base.s(m.ts_ns));
        let media_end = own
            .iter()
            .map(|s| base.s(s.end_ns))
            .fold(f64::NEG_INFINITY, f64::max);
        let talk_s = call.talk_ns.map(|t| crate::timefmt::ms(t) / 1e3);
        if let (Some(a), Some(t)) = (answer_s, talk_s) {
            if media_end.is_finite() && media_end - a > t {
                let ms = ((media_end - a) * 1e3).round() as i64;
                call.call.talk_ns = Some(ms * 1_000_000);
            }
        }
    }
    let answered = call.answered();
    let no_sdp = call.sdp.is_empty();
    let m = &mut call.media;
    m.no_media = answered && !no_sdp && m.streams.is_empty();
    m.one_way = answered
        && !m.streams.is_empty()
        && (m.caller_to_callee_packets == 0 || m.callee_to_caller_packets == 0);
}
