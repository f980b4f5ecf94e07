//! A finished stream as the outputs read it: both families of figures, the quality estimate,
//! payload types, encryption evidence, DTMF and RTCP.

use std::net::SocketAddr;

use compact_str::CompactString;
use serde::Serialize;

use crate::dtmf::DtmfEvent;
use crate::quality::Quality;
use crate::rfc3550::Rfc3550Figures;
use crate::rtcp::RtcpFigures;
use crate::series::Series;
use crate::wireshark::WiresharkFigures;

/// One payload type seen in a stream.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PayloadType {
    pub pt: u8,
    pub name: Option<CompactString>,
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
    pub codec: Option<CompactString>,
    /// In place up to two (the codec and telephone-event, nearly always).
    pub payload_types: smallvec::SmallVec<[PayloadType; 2]>,
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
