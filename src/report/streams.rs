//! The `rtp` table: tshark's `rtp,streams` columns (start, end, endpoints, SSRC, payload,
//! packets, signed loss, delta and jitter, problem) followed by ours (RFC 3550 loss,
//! duplicates, reordering, MOS, call and direction, DTMF).

use std::fmt::Write;

use crate::rtp::RtpStream;
use crate::Analysis;

fn payload_names(s: &RtpStream) -> String {
    s.payload_types
        .iter()
        .map(|p| p.name.clone().unwrap_or_else(|| format!("PT{}", p.pt)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The table `voipscope rtp` prints.
pub fn table(a: &Analysis) -> String {
    let mut out = String::new();
    if a.streams.is_empty() {
        let _ = writeln!(out, "{}: no RTP streams", a.capture.file);
        return out;
    }
    let _ = writeln!(
        out,
        "{}: {} RTP streams ({} not tied to a call)",
        a.capture.file, a.media.streams, a.media.unassociated_streams
    );
    let _ = writeln!(
        out,
        "\n#   start      end  source                 destination            SSRC        payload          pkts   lost     %  min/mean/max delta ms     min/mean/max jitter ms  prob"
    );
    for (i, s) in a.streams.iter().enumerate() {
        let w = &s.wireshark;
        let _ = writeln!(
            out,
            "{:<3} {:>6.2} {:>8.2}  {:<22} {:<22} {} {:<15} {:>5} {:>6} {:>5.1}  {:>6.3}/{:>7.3}/{:>8.3}  {:>6.3}/{:>6.3}/{:>8.3}  {}",
            i + 1,
            s.start,
            s.end,
            s.src,
            s.dst,
            s.ssrc,
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
        );
    }
    let _ = writeln!(
        out,
        "\n#   rfc3550: expected   lost  dup  reord  jitter ms   MOS    R  clock        call / direction"
    );
    for (i, s) in a.streams.iter().enumerate() {
        let r = &s.rfc3550;
        let (mos, rf) = s
            .quality
            .as_ref()
            .map_or(("-".to_string(), "-".to_string()), |q| {
                (format!("{:.2}", q.mos), format!("{:.1}", q.r_factor))
            });
        let call = match (&s.call_number, s.direction) {
            (Some(n), Some(d)) => format!("call {n} {d}"),
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
        let _ = writeln!(
            out,
            "{:<3} {:>17} {:>6} {:>4} {:>6} {:>10.3} {:>5} {:>4} {:>6} {:<12} {}{}",
            i + 1,
            r.expected,
            r.lost,
            r.duplicates,
            r.out_of_order,
            r.jitter_ms,
            mos,
            rf,
            s.clock_rate,
            s.clock_source.split_whitespace().next().unwrap_or(""),
            call,
            if notes.is_empty() {
                String::new()
            } else {
                format!("  [{}]", notes.join("; "))
            }
        );
    }
    out
}

fn w_differs(s: &RtpStream) -> bool {
    s.wireshark.lost < 0 && s.rfc3550.duplicates > 0
}

/// The streams alone, as `voipscope rtp --format json` prints them.
pub fn json(a: &Analysis) -> String {
    #[derive(serde::Serialize)]
    struct StreamsOnly<'a> {
        media: &'a crate::MediaSummary,
        streams: &'a [RtpStream],
    }
    let mut s = serde_json::to_string_pretty(&StreamsOnly {
        media: &a.media,
        streams: &a.streams,
    })
    .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
