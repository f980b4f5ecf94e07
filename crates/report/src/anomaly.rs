//! Anomalies in words: what each stage recorded as data ([`Detail`]) written as the outputs
//! have always read it (JSON `detail`, the text summary, the HTML table).

use std::fmt::Write;

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use voipscope_wire::anomaly::{Anomaly, Damage, Detail, FragmentDrop};

/// The anomaly's detail as a sentence.
pub fn text(d: &Detail) -> String {
    let mut s = String::new();
    let _ = match d {
        Detail::RecordUnreadable => write!(s, "record could not be read"),
        Detail::SimpleBlockBeforeInterface => {
            write!(s, "simple packet block before any interface description")
        }
        Detail::PacketBlockTooShort => write!(s, "packet block too short for its header"),
        Detail::PacketBlockOverclaims { caplen, holds } => {
            write!(s, "packet block claims {caplen} captured bytes but holds {holds}")
        }
        Detail::UnknownInterface { interface } => {
            write!(s, "packet on interface {interface}, which was never described")
        }
        Detail::EndsInsideRecord { at, needed } => write!(
            s,
            "the capture ends inside a record at byte {at}: {needed} more bytes were expected"
        ),
        Detail::DamagedSkipped {
            damage,
            at,
            skipped,
        } => write!(
            s,
            "{} at byte {at}; skipped {skipped} bytes to the next valid record",
            damage_text(*damage)
        ),
        Detail::DamagedNoResync { damage, at, rest } => write!(
            s,
            "{} at byte {at}; no valid record in the {rest} bytes after it",
            damage_text(*damage)
        ),
        Detail::GzipCut { after, error } => write!(
            s,
            "the gzip stream ends early or is damaged after {after} decompressed bytes ({error}); everything before is analyzed"
        ),
        Detail::TimeBackwards { back_ns } => write!(
            s,
            "stamped {:.3} ms before the frame preceding it",
            *back_ns as f64 / 1e6
        ),
        Detail::FragmentsDropped {
            src,
            dst,
            id,
            pieces,
            frames,
            why,
        } => write!(
            s,
            "IP datagram {src} -> {dst} id {id:#x}: {pieces} fragment(s) in frames {frames:?} {}",
            match why {
                FragmentDrop::TimedOut => "never completed within 30 s",
                FragmentDrop::CaptureEnded => "still incomplete at the end of the capture",
                FragmentDrop::TooManyPending => "dropped: too many datagrams waiting for fragments",
            }
        ),
        Detail::FragmentBeyondMax { end } => {
            write!(s, "IP fragment ending at byte {end}, beyond the largest datagram")
        }
        Detail::FragmentOverlap { offset } => {
            write!(s, "IP fragment at offset {offset} overlaps an earlier one")
        }
        Detail::SctpNeverEnded { flow } => write!(
            s,
            "{} -> {}: a fragmented SCTP message never ended",
            flow.src, flow.dst
        ),
        Detail::SctpFragmentMissing { flow } => write!(
            s,
            "{} -> {}: a fragment of an SCTP message is missing",
            flow.src, flow.dst
        ),
        Detail::TcpDirectionsFull { flow, max } => write!(
            s,
            "{} -> {}: not followed, {max} TCP directions already tracked",
            flow.src, flow.dst
        ),
        Detail::StreamEndedMidMessage { flow, bytes } => write!(
            s,
            "{} -> {}: {bytes} bytes of an incomplete message when the stream ended",
            flow.src, flow.dst
        ),
        Detail::TcpGap { flow, missing } => write!(
            s,
            "{} -> {}: {missing} bytes before this segment were never captured",
            flow.src, flow.dst
        ),
        Detail::SkippedBeforeFirstSip { flow, bytes } => write!(
            s,
            "{} -> {}: skipped {bytes} bytes before the first SIP message (stream captured mid-way)",
            flow.src, flow.dst
        ),
        Detail::NotTurn { flow } => write!(
            s,
            "{} -> {}: bytes that are no TURN message; the rest of the stream is not read",
            flow.src, flow.dst
        ),
        Detail::NotSipStart { flow } => write!(
            s,
            "{} -> {}: bytes that do not start a SIP message; skipping to the next one",
            flow.src, flow.dst
        ),
        Detail::SipOversized { flow, max } => write!(
            s,
            "{} -> {}: a SIP message over {max} bytes; dropped",
            flow.src, flow.dst
        ),
        Detail::WebSocketInvalid { flow, why } => write!(
            s,
            "{} -> {}: {why}; stream no longer followed",
            flow.src, flow.dst
        ),
        Detail::WebSocketOversized { flow } => write!(
            s,
            "{} -> {}: WebSocket message over the cap; dropped",
            flow.src, flow.dst
        ),
        Detail::SipDatagramCut {
            flow,
            by_snap_length,
        } => write!(
            s,
            "{} -> {}: SIP message {}",
            flow.src,
            flow.dst,
            if *by_snap_length {
                "cut by the snap length"
            } else {
                "shorter than its Content-Length"
            }
        ),
        Detail::SipUnreadable => write!(s, "start line is neither a request nor a response"),
        Detail::SipMissingHeaders { label, headers } => {
            write!(s, "{label} without {}", headers.join(", "))
        }
        Detail::CallIdOverCap { call_id, max } => write!(
            s,
            "Call-ID {call_id} has more than {max} messages: the rest are counted, not kept"
        ),
        Detail::LiveCallIdsOverCap { max } => write!(
            s,
            "more than {max} Call-IDs live at once: the least recently active are finished early"
        ),
        Detail::LiveStreamsOverCap { max } => write!(
            s,
            "more than {max} RTP streams live at once: the longest idle are finished early"
        ),
    };
    s
}

fn damage_text(d: Damage) -> String {
    match d {
        Damage::Implausible => String::new(),
        Damage::SubsecondField { frac } => format!("record header with sub-second field {frac}"),
        Damage::CaplenTooLarge { caplen } => {
            format!("record header claiming {caplen} captured bytes")
        }
        Damage::UnknownByteOrder => "section header with an unknown byte-order magic".into(),
        Damage::BlockLength { block_type, len } => {
            format!("pcapng block of type {block_type:#x} claiming {len} bytes")
        }
        Damage::BlockTrailer { block_type } => {
            format!("pcapng block of type {block_type:#x} whose trailing length does not match")
        }
    }
}

/// An anomaly as JSON: `{frame, kind, detail}`.
pub struct Json<'a>(pub &'a Anomaly);

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.0;
        let mut st = s.serialize_struct("Anomaly", 3)?;
        st.serialize_field("frame", &a.frame)?;
        st.serialize_field("kind", &a.kind)?;
        st.serialize_field("detail", &text(&a.detail))?;
        st.end()
    }
}

/// A list of anomalies as a JSON array.
pub struct JsonList<'a>(pub &'a [Anomaly]);

impl Serialize for JsonList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Json))
    }
}
