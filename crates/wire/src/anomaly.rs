//! Anomalies: things wrong with the capture itself (damage, truncation, gaps, caps reached),
//! counted and reported with the frame they concern, never printed ad hoc.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::decode::Flow;

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
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Anomaly {
    pub frame: u64,
    pub kind: AnomalyKind,
    pub detail: Detail,
}

impl Anomaly {
    pub fn new(kind: AnomalyKind, frame: u64, detail: Detail) -> Self {
        Anomaly {
            frame,
            kind,
            detail,
        }
    }
}

/// What an anomaly is about, as data: the stage that found it says what it saw (addresses,
/// byte counts, limits); the report crate says it in words.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    // capture files
    /// A classic pcap record whose header cannot be read.
    RecordUnreadable,
    /// A pcapng simple packet block before any interface description.
    SimpleBlockBeforeInterface,
    /// A pcapng packet block too short for its own header.
    PacketBlockTooShort,
    /// A pcapng packet block that claims more captured bytes than it holds.
    PacketBlockOverclaims { caplen: u32, holds: usize },
    /// A packet on a pcapng interface never described.
    UnknownInterface { interface: u32 },
    /// The file ends inside a record.
    EndsInsideRecord { at: u64, needed: usize },
    /// A damaged record, and the valid one found after it.
    DamagedSkipped {
        damage: Damage,
        at: u64,
        skipped: usize,
    },
    /// A damaged record with no valid one in the bytes after it.
    DamagedNoResync {
        damage: Damage,
        at: u64,
        rest: usize,
    },
    /// The gzip stream ends early or is damaged after this many decompressed bytes; the
    /// decompressor's own words.
    GzipCut { after: u64, error: String },
    /// A frame stamped earlier than the one before it.
    TimeBackwards { back_ns: i64 },
    // reassembly
    /// An IP datagram's fragments given up on.
    FragmentsDropped {
        src: IpAddr,
        dst: IpAddr,
        id: u32,
        pieces: usize,
        frames: Vec<u64>,
        why: FragmentDrop,
    },
    /// An IP fragment that would end past the largest datagram.
    FragmentBeyondMax { end: u32 },
    /// An IP fragment overlapping an earlier one with different bytes.
    FragmentOverlap { offset: u32 },
    /// A fragmented SCTP user message that never ended.
    SctpNeverEnded { flow: Flow },
    /// A fragment of an SCTP user message is missing.
    SctpFragmentMissing { flow: Flow },
    /// A TCP direction not followed: the table of directions is full.
    TcpDirectionsFull { flow: Flow, max: usize },
    /// A stream that ended inside a message.
    StreamEndedMidMessage { flow: Flow, bytes: usize },
    /// Bytes of a TCP stream never captured.
    TcpGap { flow: Flow, missing: u32 },
    /// Bytes before the first SIP message of a stream captured mid-way.
    SkippedBeforeFirstSip { flow: Flow, bytes: usize },
    /// Bytes on a TURN stream that are no TURN message.
    NotTurn { flow: Flow },
    /// Bytes where a SIP message should start.
    NotSipStart { flow: Flow },
    /// A SIP message larger than the cap.
    SipOversized { flow: Flow, max: usize },
    /// A WebSocket frame that cannot be valid (what is wrong with it).
    WebSocketInvalid { flow: Flow, why: &'static str },
    /// A WebSocket message larger than the cap.
    WebSocketOversized { flow: Flow },
    /// A SIP datagram cut by the snap length, or shorter than its Content-Length.
    SipDatagramCut { flow: Flow, by_snap_length: bool },
    // SIP
    /// A framed message whose start line is not SIP.
    SipUnreadable,
    /// A message without mandatory headers: its label and the headers.
    SipMissingHeaders {
        label: String,
        headers: Vec<&'static str>,
    },
    /// A Call-ID with more messages than are kept.
    CallIdOverCap { call_id: String, max: usize },
    /// More Call-IDs live at once than the cap.
    LiveCallIdsOverCap { max: usize },
    /// More RTP streams live at once than the cap.
    LiveStreamsOverCap { max: usize },
}

impl Detail {
    /// Makes the file positions it names count from the start of the input, for a walk over a
    /// buffer that starts `by` bytes into it (streamed input is walked in pieces).
    pub fn shift_file_offset(&mut self, by: u64) {
        match self {
            Detail::EndsInsideRecord { at, .. }
            | Detail::DamagedSkipped { at, .. }
            | Detail::DamagedNoResync { at, .. } => *at += by,
            _ => {}
        }
    }
}

/// Why an IP datagram's fragments were given up on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FragmentDrop {
    /// Not completed within the reassembly timeout.
    TimedOut,
    /// Still incomplete when the capture ended.
    CaptureEnded,
    /// Too many datagrams waiting for fragments.
    TooManyPending,
}

/// What is wrong with a damaged record header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Damage {
    /// A header that fails a sanity check without a single field to name.
    Implausible,
    /// A classic pcap record whose sub-second field is past a second.
    SubsecondField { frac: u32 },
    /// A record claiming more captured bytes than any record holds.
    CaplenTooLarge { caplen: u32 },
    /// A pcapng section header with an unknown byte-order magic.
    UnknownByteOrder,
    /// A pcapng block claiming an impossible length.
    BlockLength { block_type: u32, len: u32 },
    /// A pcapng block whose trailing length differs from its leading one.
    BlockTrailer { block_type: u32 },
}

/// Anomalies: the first ones (by frame) listed, all of them counted by kind.
#[derive(Debug, Default)]
pub struct AnomalyLog {
    listed: Vec<Anomaly>,
    pub counts: BTreeMap<AnomalyKind, u64>,
}

impl AnomalyLog {
    pub fn extend(&mut self, items: impl IntoIterator<Item = Anomaly>) {
        for a in items {
            *self.counts.entry(a.kind).or_insert(0) += 1;
            self.listed.push(a);
        }
        if self.listed.len() > 2 * MAX_LISTED_ANOMALIES {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.listed.sort();
        self.listed.truncate(MAX_LISTED_ANOMALIES);
    }

    pub fn into_sorted(mut self) -> (Vec<Anomaly>, BTreeMap<AnomalyKind, u64>) {
        self.trim();
        (self.listed, self.counts)
    }
}
