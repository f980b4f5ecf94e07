//! voipscope: a passive VoIP analyzer. Data flows one way: capture -> decode -> reassembly ->
//! (SIP, RTP, correlation, diagnosis in later stages) -> an [`Analysis`] of plain data -> reports.
//!
//! The library never prints; `main.rs` is a thin command line over [`analyze`] and `report`.

pub mod anomaly;
pub mod capture;
pub mod decode;
pub mod pipeline;
pub mod report;
pub mod sdp;
pub mod sip;
pub mod synth;
pub mod timefmt;

use std::collections::BTreeMap;

use serde::Serialize;

pub use anomaly::{Anomaly, AnomalyKind};
pub use capture::CaptureError;
pub use decode::{SipMessage, SipTransport};
pub use pipeline::PipelineOptions;

/// What `analyze` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub pipeline: PipelineOptions,
}

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
    pub duration_s: f64,
    pub sip_messages: u64,
    pub sip_messages_by_transport: BTreeMap<String, u64>,
    pub sip_keepalives: u64,
    pub rtp_packets: u64,
    pub rtcp_packets: u64,
    pub stun_packets: u64,
    pub dtls_packets: u64,
    pub zrtp_packets: u64,
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

/// Everything voipscope found in one capture.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Analysis {
    pub capture: CaptureSummary,
    pub sip: sip::SipStats,
    pub calls: Vec<sip::Call>,
    pub registrations: Vec<sip::Registration>,
    pub other_sip: sip::OtherSip,
    pub anomalies: Vec<Anomaly>,
}

/// SIP messages read in parallel at once; small enough that memory does not notice.
const SIP_BATCH: usize = 256;

/// Analyzes one capture file (`-` for stdin), also handing each framed SIP message to `on_sip`
/// in capture order as it is found.
pub fn analyze_with(
    path: &str,
    opts: &Options,
    on_sip: &mut (dyn FnMut(&SipMessage) + Send),
) -> Result<Analysis, CaptureError> {
    let input = capture::open_input(path)?;
    let mut tracker = sip::SipTracker::new();
    let mut batch = Vec::with_capacity(SIP_BATCH);
    let mut sink = |m: SipMessage| {
        on_sip(&m);
        batch.push(m);
        if batch.len() == SIP_BATCH {
            tracker.push_batch(&batch);
            batch.clear();
        }
    };
    let run = pipeline::run(path, input, &opts.pipeline, &mut sink)?;
    tracker.push_batch(&batch);
    let start_ns = run.counters.first_ts_ns.unwrap_or(0);
    let (sip, sip_anomalies) = tracker.finish(start_ns);
    Ok(summarize(path, run, sip, sip_anomalies))
}

/// Analyzes one capture file (`-` for stdin).
pub fn analyze(path: &str, opts: &Options) -> Result<Analysis, CaptureError> {
    analyze_with(path, opts, &mut |_| {})
}

fn summarize(
    path: &str,
    mut run: pipeline::CaptureRun,
    sip: sip::SipAnalysis,
    sip_anomalies: Vec<Anomaly>,
) -> Analysis {
    for a in &sip_anomalies {
        *run.anomaly_counts.entry(a.kind).or_insert(0) += 1;
    }
    run.anomalies.extend(sip_anomalies);
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
        link_types: link_types
            .iter()
            .map(|l| capture::link_type_name(*l))
            .collect(),
        frames: c.frames,
        bytes: c.bytes,
        file_bytes: run.input_bytes,
        first_time: c.first_ts_ns.map(timefmt::iso8601),
        last_time: c.last_ts_ns.map(timefmt::iso8601),
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
    Analysis {
        capture,
        sip: sip.stats,
        calls: sip.calls,
        registrations: sip.registrations,
        other_sip: sip.other,
        anomalies: run.anomalies,
    }
}
