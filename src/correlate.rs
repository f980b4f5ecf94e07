//! Streams to calls: each RTP stream is tied to the call whose SDP named one of its endpoints
//! (the destination first: a peer receives where its description says), in time, and given a
//! direction. What the diagnosis needs is recorded on the call: one-way or missing media,
//! media from an address its SDP did not name, and RTP that went on after the BYE.

use std::net::{IpAddr, SocketAddr};

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::rtp::flows::MediaFlow;
use crate::rtp::RtpStream;
use crate::sip::calls::{Call, Side};
use crate::sip::CallState;

/// RTP this long after the BYE is reported (packets in flight are normal just after it).
pub const AFTER_BYE_GRACE_S: f64 = 1.0;

/// What the media of one call looked like.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CallMedia {
    /// Indexes (0-based) into the analysis' `streams`.
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
    /// Indexes into the analysis' `media_flows`: STUN, DTLS, ZRTP or T.38 on this call's
    /// media endpoints.
    pub flows: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnexpectedEndpoint {
    pub stream: usize,
    /// `source` or `destination`.
    pub end: &'static str,
    pub seen: String,
    pub sdp_named: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AfterBye {
    pub stream: usize,
    pub bye_s: f64,
    pub last_packet_s: f64,
}

/// Where each side of each call said it receives media, over time.
struct Offer {
    call: usize,
    side: Side,
    time_s: f64,
}

fn endpoints_of(call: &Call) -> Vec<(SocketAddr, Side, f64)> {
    let mut out = Vec::new();
    for e in &call.sdp {
        for m in &e.sdp.media {
            let Some(ip) = m.address.as_deref().and_then(|a| a.parse::<IpAddr>().ok()) else {
                continue;
            };
            if m.port != 0 && !ip.is_unspecified() {
                out.push((SocketAddr::new(ip, m.port), e.by, e.time_s));
            }
        }
    }
    out
}

/// Every SDP endpoint of every call, with who named it and when.
fn offers_of(calls: &[Call]) -> FxHashMap<SocketAddr, Vec<Offer>> {
    let mut offers: FxHashMap<SocketAddr, Vec<Offer>> = FxHashMap::default();
    for (ci, call) in calls.iter().enumerate() {
        for (addr, side, time_s) in endpoints_of(call) {
            offers.entry(addr).or_default().push(Offer {
                call: ci,
                side,
                time_s,
            });
        }
    }
    offers
}

/// The offer in effect when a flow started: the latest before it, else the first after.
fn pick(list: &[Offer], start: f64) -> Option<(usize, Side)> {
    list.iter()
        .rfind(|o| o.time_s <= start)
        .or_else(|| list.first())
        .map(|o| (o.call, o.side))
}

/// Ties non-RTP media flows (STUN, DTLS, ZRTP, T.38) to calls by the same endpoint rule as
/// streams; fills their `call_id` and the calls' `media.flows`.
pub fn correlate_flows(calls: &mut [Call], flows: &mut [MediaFlow]) {
    let offers = offers_of(calls);
    for (fi, f) in flows.iter_mut().enumerate() {
        let call = offers
            .get(&f.dst_addr)
            .and_then(|l| pick(l, f.start))
            .or_else(|| offers.get(&f.src_addr).and_then(|l| pick(l, f.start)));
        if let Some((call, _)) = call {
            f.call_id = Some(calls[call].call_id.clone());
            f.call_number = Some(calls[call].number);
            calls[call].media.flows.push(fi);
        }
    }
}

/// Ties streams to calls; fills `call_id`, `call_number` and `direction` of the streams and
/// `media` of the calls.
pub fn correlate(calls: &mut [Call], streams: &mut [RtpStream]) {
    let offers = offers_of(calls);
    for (si, s) in streams.iter_mut().enumerate() {
        let by_dst = offers.get(&s.dst_addr).and_then(|l| pick(l, s.start));
        let by_src = offers.get(&s.src_addr).and_then(|l| pick(l, s.start));
        let (call, direction) = match (by_dst, by_src) {
            // sent to the side that described the destination
            (Some((c, Side::Caller)), _) => (c, "callee-to-caller"),
            (Some((c, Side::Callee)), _) => (c, "caller-to-callee"),
            // symmetric RTP: sent from the port the sender receives on
            (None, Some((c, Side::Caller))) => (c, "caller-to-callee"),
            (None, Some((c, Side::Callee))) => (c, "callee-to-caller"),
            (None, None) => continue,
        };
        s.call_id = Some(calls[call].call_id.clone());
        s.call_number = Some(calls[call].number);
        s.direction = Some(direction);
        let media = &mut calls[call].media;
        media.streams.push(si);
        if direction == "caller-to-callee" {
            media.caller_to_callee_packets += s.packets;
        } else {
            media.callee_to_caller_packets += s.packets;
        }
        // the other end should be what the other side named
        let (other_end, other_addr, other_side) = if by_dst.is_some() {
            ("source", s.src_addr, by_dst.map(|x| x.1))
        } else {
            ("destination", s.dst_addr, by_src.map(|x| x.1))
        };
        let named: Vec<SocketAddr> = endpoints_of(&calls[call])
            .into_iter()
            .filter(|(_, side, _)| Some(*side) != other_side)
            .map(|(a, _, _)| a)
            .collect();
        // a peer may send from another port than it receives on (non-symmetric RTP); only a
        // different address is worth reporting
        if !named.is_empty() && !named.iter().any(|a| a.ip() == other_addr.ip()) {
            let sdp_named = named
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            calls[call]
                .media
                .unexpected_endpoints
                .push(UnexpectedEndpoint {
                    stream: si,
                    end: other_end,
                    seen: other_addr.to_string(),
                    sdp_named,
                });
        }
        if let Some(bye_s) = calls[call]
            .messages
            .iter()
            .find(|m| m.label == "BYE")
            .map(|m| m.time_s)
        {
            if s.end > bye_s + AFTER_BYE_GRACE_S {
                calls[call].media.rtp_after_bye.push(AfterBye {
                    stream: si,
                    bye_s,
                    last_packet_s: s.end,
                });
            }
        }
    }
    for call in calls.iter_mut() {
        // without a BYE the call lasted at least as long as its media did
        if call.state == CallState::InCall {
            let answer_s = call
                .messages
                .iter()
                .find(|m| {
                    m.status.is_some_and(|s| (200..300).contains(&s)) && m.cseq.ends_with("INVITE")
                })
                .map(|m| m.time_s);
            let media_end = call
                .media
                .streams
                .iter()
                .filter_map(|&i| streams.get(i))
                .map(|s| s.end)
                .fold(f64::NEG_INFINITY, f64::max);
            if let (Some(a), Some(t)) = (answer_s, call.talk_duration_s) {
                if media_end.is_finite() && media_end - a > t {
                    call.talk_duration_s = Some(((media_end - a) * 1e3).round() / 1e3);
                }
            }
        }
        let answered = matches!(call.state, CallState::Completed | CallState::InCall);
        let m = &mut call.media;
        m.no_media = answered && !call.sdp.is_empty() && m.streams.is_empty();
        m.one_way = answered
            && !m.streams.is_empty()
            && (m.caller_to_callee_packets == 0 || m.callee_to_caller_packets == 0);
    }
}
