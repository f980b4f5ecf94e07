//! The capture's summary: what the capture stage read (counters, link types, time span) and
//! the anomalies of every stage merged, the first ones by frame listed and all counted.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::pipeline;
use voipscope_wire::anomaly::{self, Anomaly};
use voipscope_wire::timefmt::{self, TimeBase};

/// The capture summary: what was read and what it held.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CaptureSummary {
    pub file: String,
    pub format: String,
    pub compressed: bool,
    pub link_types: Vec<String>,
    pub frames: u64,
    pub bytes: u64,
    pub file_bytes: u64,
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    /// The earliest frame time in ns since the epoch.
    #[serde(skip)]
    pub first_ts_ns: Option<i64>,
    /// The latest frame time.
    #[serde(skip)]
    pub last_ts_ns: Option<i64>,
    /// The first frame's time, from which every `*_s` time of the outputs counts.
    #[serde(skip)]
    pub time_base: timefmt::TimeBase,
    pub duration_s: f64,
    pub sip_messages: u64,
    pub sip_messages_by_transport: BTreeMap<String, u64>,
    pub sip_keepalives: u64,
    pub rtp_packets: u64,
    pub rtcp_packets: u64,
    pub stun_packets: u64,
    pub dtls_packets: u64,
    pub zrtp_packets: u64,
    /// TURN messages whose relayed data was analyzed.
    pub turn_packets: u64,
    /// HEP (HOMER) messages whose packet was analyzed.
    pub hep_packets: u64,
    pub tls_records: u64,
    pub websocket_messages: u64,
    pub other_udp_packets: u64,
    pub tcp_segments: u64,
    pub sctp_chunks: u64,
    pub ip_fragments: u64,
    pub reassembled_datagrams: u64,
    pub tcp_retransmissions: u64,
    pub tcp_gaps: u64,
    pub snaplen_cut_frames: u64,
    pub undecoded: BTreeMap<String, u64>,
    pub anomaly_counts: BTreeMap<String, u64>,
}

/// Counts of the media stage.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct MediaSummary {
    pub streams: usize,
    /// Streams no SDP of a captured call named (`call_id` null).
    pub unassociated_streams: usize,
    /// RTP packets of streams beyond the stream cap, not analyzed.
    pub dropped_rtp_packets: u64,
    /// Shape-classified RTP packets in streams the heuristic did not confirm.
    pub unconfirmed_rtp_packets: u64,
    pub rtcp_packets: u64,
    pub rtcp_unreadable: u64,
    /// SDP endpoints beyond the media plan's cap.
    pub sdp_endpoints_dropped: u64,
    pub media_flows: usize,
    /// Packets of non-RTP media flows beyond the flow cap, not listed.
    pub dropped_flow_packets: u64,
}

/// The capture summary of a run, with the anomalies of every stage merged: the first ones by
/// frame listed, all counted.
pub(crate) fn summarize(
    path: &str,
    mut run: pipeline::CaptureRun,
    later: Vec<Anomaly>,
    base: TimeBase,
) -> (CaptureSummary, Vec<Anomaly>) {
    for a in &later {
        *run.anomaly_counts.entry(a.kind).or_insert(0) += 1;
    }
    run.anomalies.extend(later);
    run.anomalies.sort();
    run.anomalies.truncate(anomaly::MAX_LISTED_ANOMALIES);
    let c = &run.counters;
    let mut link_types = c.link_types.clone();
    link_types.sort_unstable();
    let duration_ns = match (c.first_ts_ns, c.last_ts_ns) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => 0,
    };
    let file = if path == "-" {
        "-".to_string()
    } else {
        std::path::Path::new(path)
            .file_name()
            .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
    };
    let capture = CaptureSummary {
        file,
        format: run.container.name().to_string(),
        compressed: run.compressed,
        link_types: link_types.iter().map(|l| l.name()).collect(),
        frames: c.frames,
        bytes: c.bytes,
        file_bytes: run.input_bytes,
        first_time: c.first_ts_ns.map(timefmt::iso8601),
        last_time: c.last_ts_ns.map(timefmt::iso8601),
        first_ts_ns: c.first_ts_ns,
        last_ts_ns: c.last_ts_ns,
        time_base: base,
        duration_s: duration_ns as f64 / 1e9,
        sip_messages: run.sip_messages,
        sip_messages_by_transport: run
            .sip_by_transport
            .iter()
            .map(|(t, n)| (format!("{t:?}").to_lowercase(), *n))
            .collect(),
        sip_keepalives: run.streams.sip_keepalives,
        rtp_packets: c.rtp_packets,
        rtcp_packets: c.rtcp_packets,
        stun_packets: c.stun_packets,
        dtls_packets: c.dtls_packets,
        zrtp_packets: c.zrtp_packets,
        turn_packets: c.turn_packets,
        hep_packets: c.hep_packets,
        tls_records: run.streams.tls_records,
        websocket_messages: run.streams.websocket_messages,
        other_udp_packets: c.other_udp,
        tcp_segments: c.tcp_segments,
        sctp_chunks: c.sctp_chunks,
        ip_fragments: c.ip_fragments,
        reassembled_datagrams: run.streams.reassembled_datagrams,
        tcp_retransmissions: run.streams.tcp_retransmissions,
        tcp_gaps: run.streams.tcp_gaps,
        snaplen_cut_frames: c.snaplen_cut_frames,
        undecoded: {
            let mut m = BTreeMap::new();
            for (k, v) in &c.undecoded {
                *m.entry(k.label()).or_insert(0) += v;
            }
            m
        },
        anomaly_counts: run
            .anomaly_counts
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), *v))
            .collect(),
    };
    (capture, run.anomalies)
}
