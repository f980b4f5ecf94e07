//! Anomalies: things wrong with the capture itself (damage, truncation, gaps, caps reached),
//! counted and reported with the frame they concern, never printed ad hoc.

use serde::Serialize;

/// How many anomalies are listed one by one; beyond this only their counts by kind grow.
pub const MAX_LISTED_ANOMALIES: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnomalyKind {
    /// The file ends inside a record.
    TruncatedRecord,
    /// A record header (or pcapng block) that cannot be valid; bytes were skipped to re-synchronise.
    DamagedRecord,
    /// A pcapng interface that is missing or unreadable.
    BadInterface,
    /// A header inside a frame is malformed (bad length, impossible field).
    MalformedHeader,
    /// IP fragments that overlap with different lengths.
    FragmentOverlap,
    /// An IP datagram whose fragments never all arrived before the timeout or the end.
    FragmentIncomplete,
    /// A reassembly cap was reached and pending fragments were dropped.
    FragmentCapReached,
    /// Bytes of a TCP stream that were never captured.
    TcpGap,
    /// A cap on TCP state (flows, buffered bytes) was reached and data was dropped.
    TcpCapReached,
    /// A SIP message cut short (by the snap length, a gap, or the end of the capture).
    SipTruncated,
    /// A framed SIP message whose start line is not SIP; not analyzed.
    SipUnreadable,
    /// A SIP message without a mandatory header (Call-ID, CSeq, From, To, Via).
    SipMissingHeader,
    /// A SIP message larger than the cap; dropped.
    SipOversized,
    /// Stream bytes that do not frame as SIP where SIP was expected; skipped.
    SipFraming,
    /// A WebSocket frame that cannot be valid.
    WebSocketMalformed,
    /// A fragmented SCTP user message that could not be put together.
    SctpIncomplete,
    /// A frame stamped earlier than the one before it (clock step, merged captures).
    TimeBackwards,
    /// A cap on SIP state was reached: the longest idle Call-IDs are finished early, or a
    /// Call-ID's further messages are counted, not kept.
    SipCapReached,
    /// The live RTP stream cap was reached: the longest idle streams are finished early.
    RtpCapReached,
    /// The gzip stream is cut short or damaged: what was decompressed before is analyzed.
    GzipDamaged,
}

impl AnomalyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::TruncatedRecord => "truncated-record",
            AnomalyKind::DamagedRecord => "damaged-record",
            AnomalyKind::BadInterface => "bad-interface",
            AnomalyKind::MalformedHeader => "malformed-header",
            AnomalyKind::FragmentOverlap => "fragment-overlap",
            AnomalyKind::FragmentIncomplete => "fragment-incomplete",
            AnomalyKind::FragmentCapReached => "fragment-cap-reached",
            AnomalyKind::TcpGap => "tcp-gap",
            AnomalyKind::TcpCapReached => "tcp-cap-reached",
            AnomalyKind::SipTruncated => "sip-truncated",
            AnomalyKind::SipUnreadable => "sip-unreadable",
            AnomalyKind::SipMissingHeader => "sip-missing-header",
            AnomalyKind::SipOversized => "sip-oversized",
            AnomalyKind::SipFraming => "sip-framing",
            AnomalyKind::WebSocketMalformed => "websocket-malformed",
            AnomalyKind::SctpIncomplete => "sctp-incomplete",
            AnomalyKind::TimeBackwards => "time-backwards",
            AnomalyKind::SipCapReached => "sip-cap-reached",
            AnomalyKind::RtpCapReached => "rtp-cap-reached",
            AnomalyKind::GzipDamaged => "gzip-damaged",
        }
    }
}

/// One thing wrong with the capture, at a frame (1-based; the frame after the damage when the
/// damage is between frames).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Anomaly {
    pub frame: u64,
    pub kind: AnomalyKind,
    pub detail: String,
}

impl Anomaly {
    pub fn new(kind: AnomalyKind, frame: u64, detail: String) -> Self {
        Anomaly {
            frame,
            kind,
            detail,
        }
    }
}
