//! Streams to calls: what a stream tied to its call (by `analysis/engine.rs`: the call whose
//! SDP named both of its endpoints, else its destination, else its source) means for the call.
//! What the diagnosis needs is recorded on the call: one-way or missing media, media from an
//! address its SDP did not name, and RTP that went on after the BYE.
//!
//! This is the one place where signalling and media meet: a call holds no stream and a stream
//! no call; [`CallRecord`] puts a call beside its media.

use std::net::{IpAddr, SocketAddr};

use voipscope_rtp::{Direction, RtpStream};
use voipscope_sip::calls::{Call, Side};
use voipscope_sip::CallState;
use voipscope_wire::timefmt::TimeBase;

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

/// Every media endpoint the call's SDP named: (address, who named it, when).
pub fn endpoints_of(call: &Call) -> impl Iterator<Item = (SocketAddr, Side, i64)> + '_ {
    call.sdp.iter().flat_map(|e| {
        e.sdp.media.iter().filter_map(move |m| {
            let ip = m.address.as_deref()?.parse::<IpAddr>().ok()?;
            (m.port != 0 && !ip.is_unspecified())
                .then(|| (SocketAddr::new(ip, m.port), e.by, e.ts_ns))
        })
    })
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
    let named = || {
        endpoints_of(&call.call)
            .filter(|(_, side, _)| Some(*side) != named_by)
            .map(|(a, _, _)| a)
    };
    // a peer may send from another port than it receives on (non-symmetric RTP); only a
    // different address is worth reporting (and the list is made only then: nearly never)
    if named().next().is_some() && !named().any(|a| a.ip() == other_addr.ip()) {
        let named = named().collect();
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
        let talk_s = call.talk_ns.map(|t| voipscope_wire::timefmt::ms(t) / 1e3);
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

/// `a:p, b:q`: addresses as the outputs and findings list them.
pub fn join_addrs(addrs: &[std::net::SocketAddr]) -> String {
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
