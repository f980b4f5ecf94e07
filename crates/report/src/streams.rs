//! The `rtp` table: tshark's `rtp,streams` columns (start, end, endpoints, SSRC, payload,
//! packets, signed loss, delta and jitter, problem) followed by ours (RFC 3550 loss,
//! duplicates, reordering, MOS, call and direction, DTMF).

use voipscope_analysis::Analysis;
use voipscope_rtp::RtpStream;
use voipscope_wire::timefmt::TimeBase;

fn payload_names(s: &RtpStream) -> String {
    s.payload_types
        .iter()
        .map(|p| {
            p.name
                .as_deref()
                .map_or_else(|| format!("PT{}", p.pt), str::to_string)
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The first line of the table.
pub fn title(file: &str, streams: usize, unassociated: usize) -> String {
    if streams == 0 {
        format!("{file}: no RTP streams\n")
    } else {
        format!(
            "{file}: {} ({unassociated} not tied to a call)\n",
            crate::text::counted(streams as u64, "RTP stream", "RTP streams")
        )
    }
}

/// The header of the first part: tshark's columns.
pub const WIRESHARK_HEADER: &str = "\n#   start      end  source                 destination            SSRC        payload          pkts   lost     %  min/mean/max delta ms     min/mean/max jitter ms  prob\n";

/// The header of the second part: our figures.
pub const RFC3550_HEADER: &str = "\n#   rfc3550: expected   lost  dup  reord  jitter ms   MOS    R  clock        call / direction\n";

/// A stream's line in the first part.
pub fn wireshark_line(s: &RtpStream, base: TimeBase) -> String {
    let w = &s.wireshark;
    format!(
        "{:<3} {:>6.2} {:>8.2}  {:<22} {:<22} {} {:<15} {:>5} {:>6} {:>5.1}  {:>6.3}/{:>7.3}/{:>8.3}  {:>6.3}/{:>6.3}/{:>8.3}  {}\n",
        s.number,
        base.s(s.start_ns),
        base.s(s.end_ns),
        s.src.to_string(),
        s.dst.to_string(),
        crate::json::ssrc(s.ssrc),
        payload_names(s),
        s.packets,
        w.lost,
        w.lost_pct,
        w.min_delta_ms,
        w.mean_delta_ms,
        w.max_delta_ms,
        w.min_jitter_ms,
        w.mean_jitter_ms,
        w.max_jitter_ms,
        if w.problem { "X" } else { "" }
    )
}

/// A stream's line in the second part.
pub fn rfc3550_line(s: &RtpStream) -> String {
    let r = &s.rfc3550;
    let (mos, rf) = s
        .quality
        .as_ref()
        .map_or(("-".to_string(), "-".to_string()), |q| {
            (format!("{:.2}", q.mos), format!("{:.1}", q.r_factor))
        });
    let call = match (&s.call_number, s.direction) {
        (Some(n), Some(d)) => format!("call {n} {}", d.as_str()),
        _ => "no call".to_string(),
    };
    let mut notes = Vec::new();
    if s.encrypted {
        notes.push("SRTP".to_string());
    }
    if !s.dtmf.is_empty() {
        let digits: String = s
            .dtmf
            .iter()
            .map(|d| {
                if d.digit.len() == 1 {
                    d.digit.clone()
                } else {
                    "?".into()
                }
            })
            .collect();
        notes.push(format!("DTMF {digits}"));
    }
    if w_differs(s) {
        notes.push(format!(
            "wireshark lost {} counts {} duplicates as negative loss",
            s.wireshark.lost, r.duplicates
        ));
    }
    format!(
        "{:<3} {:>17} {:>6} {:>4} {:>6} {:>10.3} {:>5} {:>4} {:>6} {:<12} {}{}\n",
        s.number,
        r.expected,
        r.lost,
        r.duplicates,
        r.out_of_order,
        r.jitter_ms,
        mos,
        rf,
        s.clock_rate,
        s.clock_source
            .as_str()
            .split_whitespace()
            .next()
            .unwrap_or(""),
        call,
        if notes.is_empty() {
            String::new()
        } else {
            format!("  [{}]", notes.join("; "))
        }
    )
}

/// The table `voipscope rtp` prints.
pub fn table(a: &Analysis) -> String {
    let mut out = title(
        &a.capture.file,
        a.streams.len(),
        a.media.unassociated_streams,
    );
    if a.streams.is_empty() {
        return out;
    }
    out.push_str(WIRESHARK_HEADER);
    for s in &a.streams {
        out.push_str(&wireshark_line(s, a.capture.time_base));
    }
    out.push_str(RFC3550_HEADER);
    for s in &a.streams {
        out.push_str(&rfc3550_line(s));
    }
    out
}

fn w_differs(s: &RtpStream) -> bool {
    s.wireshark.lost < 0 && s.rfc3550.duplicates > 0
}

/// The streams alone, as `voipscope rtp --format json` prints them.
pub fn json(a: &Analysis) -> String {
    let mut s = serde_json::to_string_pretty(&crate::json::streams_only(a))
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
