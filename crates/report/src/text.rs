//! The readable summary `voipscope analyze` prints by default.

use std::fmt::Write;

use voipscope_analysis::Analysis;

/// `n` and its noun, singular for one: "1 call", "2 calls".
pub fn counted(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn summary(a: &Analysis) -> String {
    summary_of(&a.capture, &a.anomalies)
}

/// The summary from the capture's figures and its listed anomalies.
pub fn summary_of(
    c: &voipscope_analysis::CaptureSummary,
    anomalies: &[voipscope_wire::anomaly::Anomaly],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {}{}, {} frames, {} bytes, link {}",
        c.file,
        c.format,
        if c.compressed { " (gzip)" } else { "" },
        c.frames,
        c.bytes,
        if c.link_types.is_empty() {
            "-".to_string()
        } else {
            c.link_types.join(", ")
        }
    );
    if let (Some(first), Some(last)) = (&c.first_time, &c.last_time) {
        let _ = writeln!(s, "  time      {first} .. {last} ({:.3} s)", c.duration_s);
    }
    let transports: Vec<String> = c
        .sip_messages_by_transport
        .iter()
        .map(|(t, n)| format!("{n} {t}"))
        .collect();
    let _ = writeln!(
        s,
        "  SIP       {} messages{}{}",
        c.sip_messages,
        if transports.is_empty() {
            String::new()
        } else {
            format!(" ({})", transports.join(", "))
        },
        if c.sip_keepalives > 0 {
            format!(", {} keep-alives", c.sip_keepalives)
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        s,
        "  media     {} RTP, {} RTCP, {} STUN, {} DTLS, {} ZRTP packets{}",
        c.rtp_packets,
        c.rtcp_packets,
        c.stun_packets,
        c.dtls_packets,
        c.zrtp_packets,
        if c.turn_packets > 0 {
            format!(" ({} relayed by TURN)", c.turn_packets)
        } else {
            String::new()
        }
    );
    if c.hep_packets > 0 {
        let _ = writeln!(
            s,
            "  hep       {} packets sent by HEP capture agents, analyzed as the agents saw them",
            c.hep_packets
        );
    }
    if c.tls_records > 0 || c.websocket_messages > 0 {
        let _ = writeln!(
            s,
            "  streams   {} TLS records (encrypted), {} WebSocket messages",
            c.tls_records, c.websocket_messages
        );
    }
    let _ = writeln!(
        s,
        "  transport {} TCP segments ({} retransmitted, {} gaps), {} IP fragments -> {} datagrams, {} SCTP chunks, {} other UDP",
        c.tcp_segments,
        c.tcp_retransmissions,
        c.tcp_gaps,
        c.ip_fragments,
        c.reassembled_datagrams,
        c.sctp_chunks,
        c.other_udp_packets
    );
    if !c.undecoded.is_empty() {
        let parts: Vec<String> = c
            .undecoded
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = writeln!(s, "  not VoIP  {}", parts.join(", "));
    }
    if c.snaplen_cut_frames > 0 {
        let _ = writeln!(
            s,
            "  cut       {} frames shorter than on the wire (snap length)",
            c.snaplen_cut_frames
        );
    }
    if !anomalies.is_empty() {
        let total: u64 = c.anomaly_counts.values().sum();
        let _ = writeln!(s, "  anomalies {total}");
        for an in anomalies.iter().take(20) {
            let _ = writeln!(
                s,
                "    frame {:>7}  {:<20} {}",
                an.frame,
                an.kind.as_str(),
                crate::anomaly::text(&an.detail)
            );
        }
        if total > 20 {
            let _ = writeln!(s, "    ... {} more (see --format json)", total - 20);
        }
    }
    s
}
