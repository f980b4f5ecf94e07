//! voipscope: a passive VoIP analyzer. Data flows one way: capture -> decode -> reassembly ->
//! (SIP, RTP, correlation, diagnosis in later stages) -> an [`Analysis`] of plain data -> reports.
//!
//! The library never prints; `main.rs` is a thin command line over [`analyze`] and `report`.

pub mod anomaly;
pub mod batch;
pub mod capture;
pub mod correlate;
pub mod decode;
pub mod diagnose;
pub mod export;
pub mod pipeline;
mod prefetch;
pub mod report;
pub mod rtp;
pub mod scenario;
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
    /// Depth of the simulated jitter buffer for the quality estimate (default 60 ms).
    pub jitter_buffer_ms: Option<f64>,
    /// Language of the findings' texts.
    pub lang: sip::status::Lang,
    /// Skip the per-stream time series only plots read (18 MB of the 1 GB benchmark
    /// capture's heap, 3,600 streams): commands that draw no plot set this.
    pub without_plot_series: bool,
}

impl Options {
    pub fn jitter_buffer_ms(&self) -> f64 {
        self.jitter_buffer_ms
            .unwrap_or(rtp::quality::DEFAULT_JITTER_BUFFER_MS)
    }
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
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    pub capture: CaptureSummary,
    pub sip: sip::SipStats,
    pub calls: Vec<correlate::CallRecord>,
    pub registrations: Vec<sip::Registration>,
    pub other_sip: sip::OtherSip,
    pub media: MediaSummary,
    pub streams: Vec<rtp::RtpStream>,
    /// STUN, DTLS, ZRTP and T.38 (UDPTL) flows on media paths.
    pub media_flows: Vec<rtp::flows::MediaFlow>,
    /// What went wrong and why, most important first (see `diagnose`).
    pub findings: Vec<diagnose::Finding>,
    pub anomalies: Vec<Anomaly>,
}

impl Analysis {
    /// The call numbered `number` (1-based, as `calls` prints it). Calls are numbered in
    /// order, so this is an index; the search behind it only guards that order.
    pub fn call_by_number(&self, number: usize) -> Option<&correlate::CallRecord> {
        let at = number.checked_sub(1).and_then(|i| self.calls.get(i));
        at.filter(|c| c.number == number)
            .or_else(|| self.calls.iter().find(|c| c.number == number))
    }
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

/// SIP messages read in parallel at once; small enough that memory does not notice.
const SIP_BATCH: usize = 1024;

/// Analyzes one capture file (`-` for stdin), also handing each framed SIP message to `on_sip`
/// in capture order as it is found.
pub fn analyze_with(
    path: &str,
    opts: &Options,
    on_sip: &mut (dyn FnMut(&SipMessage) + Send),
) -> Result<Analysis, CaptureError> {
    let input = capture::open_input(path)?;
    analyze_input(path, input, opts, on_sip)
}

/// Analyzes a capture held in memory (uncompressed pcap or pcapng); `name` stands for the file
/// name in the output. Used by the fuzz targets and the damage tests.
pub fn analyze_bytes(
    name: &str,
    data: Vec<u8>,
    opts: &Options,
    on_sip: &mut (dyn FnMut(&SipMessage) + Send),
) -> Result<Analysis, CaptureError> {
    if data.is_empty() {
        return Err(CaptureError::Empty(name.to_string()));
    }
    let input = capture::Input::Stream {
        reader: Box::new(std::io::Cursor::new(data)),
        gzip: false,
    };
    analyze_input(name, input, opts, on_sip)
}

fn analyze_input(
    path: &str,
    input: capture::Input,
    opts: &Options,
    on_sip: &mut (dyn FnMut(&SipMessage) + Send),
) -> Result<Analysis, CaptureError> {
    let mut sink = AnalysisSink {
        on_sip,
        tracker: sip::SipTracker::new(),
        batch: Vec::with_capacity(SIP_BATCH),
        plan: sdp::plan::MediaPlan::default(),
        streams: rtp::StreamTable::new(opts.jitter_buffer_ms(), !opts.without_plot_series),
        rtcp: rtp::rtcp::RtcpTable::default(),
        flows: rtp::flows::FlowTable::default(),
    };
    let run = pipeline::run(path, input, &opts.pipeline, &mut sink)?;
    let AnalysisSink {
        mut tracker,
        mut batch,
        plan,
        streams,
        rtcp,
        flows,
        ..
    } = sink;
    tracker.push_batch(&mut batch);
    let base = timefmt::TimeBase::new(run.counters.order_first.map_or(0, |(_, ts)| ts));
    let first_dropped_frame = streams.first_dropped_frame;
    let all_rtp = run.counters.rtp_packets;
    let media_flows_dropped = flows.dropped_packets;
    let dropped_rtp_packets = streams.dropped_packets;
    // the SIP and the media results are built apart, so at once
    let ((mut sip, mut sip_anomalies), (mut streams, mut media_flows)) = rayon::join(
        || tracker.finish(),
        || {
            let mut streams = streams.finish();
            for s in &mut streams {
                s.rtcp = rtcp.figures(s.ssrc, s.clock_rate);
            }
            (streams, flows.finish())
        },
    );
    if let Some(frame) = first_dropped_frame {
        sip_anomalies.push(Anomaly::new(
            AnomalyKind::RtpCapReached,
            frame,
            format!(
                "more than {} RTP streams: packets of further streams are counted (media.dropped_rtp_packets), not analyzed",
                rtp::streams::MAX_STREAMS
            ),
        ));
    }
    let dropped_flow_packets = media_flows_dropped;
    rtp::flows::mark_encrypted(&media_flows, &mut streams);
    // Strict SDP check after the SIP stage, once per distinct description (see sdp::validate).
    sdp::validate::check_all(sip.calls.iter_mut().flat_map(sip::Call::descriptions_mut));
    let mut calls: Vec<correlate::CallRecord> = std::mem::take(&mut sip.calls)
        .into_iter()
        .map(|call| correlate::CallRecord {
            call,
            media: Default::default(),
        })
        .collect();
    correlate::correlate(&mut calls, &mut streams, base);
    correlate::correlate_flows(&mut calls, &mut media_flows, base);
    let analyzed: u64 = streams.iter().map(|s| s.packets).sum();
    let media = MediaSummary {
        streams: streams.len(),
        unassociated_streams: streams.iter().filter(|s| s.call_id.is_none()).count(),
        dropped_rtp_packets,
        unconfirmed_rtp_packets: all_rtp.saturating_sub(analyzed + dropped_rtp_packets),
        rtcp_packets: rtcp.packets,
        rtcp_unreadable: rtcp.unreadable,
        sdp_endpoints_dropped: plan.dropped,
        media_flows: media_flows.len(),
        dropped_flow_packets,
    };
    let mut analysis = summarize(
        path,
        run,
        sip,
        calls,
        sip_anomalies,
        media,
        streams,
        media_flows,
    );
    analysis.capture.time_base = base;
    analysis.findings = diagnose::diagnose(&analysis, opts.lang);
    Ok(analysis)
}

/// Receives the capture stage's output in order: SIP is read in parallel batches, SDP feeds
/// the media plan at once (so the RTP right after it is read with the negotiated codec), and
/// RTP/RTCP go to their tables.
struct AnalysisSink<'a> {
    on_sip: &'a mut (dyn FnMut(&SipMessage) + Send),
    tracker: sip::SipTracker,
    batch: Vec<sip::Unfiled>,
    plan: sdp::plan::MediaPlan,
    streams: rtp::StreamTable,
    rtcp: rtp::rtcp::RtcpTable,
    flows: rtp::flows::FlowTable,
}

impl AnalysisSink<'_> {
    fn learn_sdp_of(&mut self, m: &SipMessage) {
        if let Some(sdp) = sdp_of(&m.data) {
            self.plan.learn(&sdp);
        }
    }
}

impl pipeline::Sink for AnalysisSink<'_> {
    fn sip(&mut self, m: SipMessage, preread: Option<sip::Preread>) {
        (self.on_sip)(&m);
        match preread {
            Some(preread) => {
                match preread.sdp() {
                    Some(sdp) => self.plan.learn(sdp),
                    // a body the reader did not take for SDP (no SDP content type) may hold one
                    None => self.learn_sdp_of(&m),
                }
                self.batch.push(sip::Unfiled::Read(preread));
            }
            None => {
                self.learn_sdp_of(&m);
                self.batch.push(sip::Unfiled::Framed(m));
            }
        }
        if self.batch.len() == SIP_BATCH {
            self.tracker.push_batch(&mut self.batch);
        }
    }

    fn media(&mut self, p: &decode::MediaPacket<'_>) {
        match &p.kind {
            decode::MediaKind::Rtp(h) => self.streams.push(p, h, &self.plan),
            decode::MediaKind::Rtcp => self.rtcp.push(p.data, p.ts_ns),
            _ => self.flows.push(p, &self.plan),
        }
    }

    fn lookahead(&self) -> &'static [pipeline::Lookahead] {
        use pipeline::Lookahead::{Close, Far, Near};
        match (self.streams.prefetching(), self.streams.keeps_plot_series()) {
            (false, _) => &[],
            // the series' next slot is only worth fetching when points are kept
            (true, false) => &[Far, Near],
            (true, true) => &[Far, Near, Close],
        }
    }

    fn upcoming_media(&self, kind: &decode::MediaKind, ahead: pipeline::Lookahead) {
        if let decode::MediaKind::Rtp(h) = kind {
            match ahead {
                pipeline::Lookahead::Far => self.streams.prefetch_index(h.stream_hash),
                pipeline::Lookahead::Near => self.streams.prefetch(h.stream_hash, h.seq),
                pipeline::Lookahead::Close => self.streams.prefetch_series(h.stream_hash),
            }
        }
    }
}

/// The SDP body of a SIP message, found cheaply (most messages carry none).
fn sdp_of(data: &[u8]) -> Option<sdp::SessionDescription> {
    let body_at = memchr::memmem::find(data, b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| memchr::memmem::find(data, b"\n\n").map(|i| i + 2))?;
    sdp::parse_embedded(&data[body_at..])
}

/// Analyzes one capture file (`-` for stdin).
pub fn analyze(path: &str, opts: &Options) -> Result<Analysis, CaptureError> {
    analyze_with(path, opts, &mut |_| {})
}

#[allow(clippy::too_many_arguments)]
fn summarize(
    path: &str,
    mut run: pipeline::CaptureRun,
    sip: sip::SipAnalysis,
    calls: Vec<correlate::CallRecord>,
    sip_anomalies: Vec<Anomaly>,
    media: MediaSummary,
    streams: Vec<rtp::RtpStream>,
    media_flows: Vec<rtp::flows::MediaFlow>,
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
        first_ts_ns: c.first_ts_ns,
        last_ts_ns: c.last_ts_ns,
        time_base: timefmt::TimeBase::default(),
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
        calls,
        registrations: sip.registrations,
        other_sip: sip.other,
        media,
        streams,
        media_flows,
        findings: Vec::new(),
        anomalies: run.anomalies,
    }
}
