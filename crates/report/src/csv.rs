//! The CSV files of a report: one row per call, registration and stream. Columns are fixed and
//! documented in README.md ("Report files"); golden tests pin them.
//!
//! Every text cell taken from a capture is neutralised against spreadsheet formula injection:
//! a cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`. Numbers we
//! compute are written as numbers (a loss of -1 stays -1).

use voipscope_analysis::correlate::CallRecord;
use voipscope_analysis::Analysis;
use voipscope_rtp::RtpStream;
use voipscope_sip::calls::Side;
use voipscope_sip::Registration;
use voipscope_wire::timefmt::{self, TimeBase};

/// A cell of capture text, safe to open in a spreadsheet.
pub fn text_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

fn opt_text(s: Option<&str>) -> String {
    s.map(text_cell).unwrap_or_default()
}

fn num<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn fixed(v: f64, digits: usize) -> String {
    format!("{v:.digits$}")
}

fn side(s: Option<Side>) -> &'static str {
    match s {
        Some(Side::Caller) => "caller",
        Some(Side::Callee) => "callee",
        None => "",
    }
}

/// ISO 8601 UTC of a time, truncated to the microsecond as its `*_s` twin is.
fn iso_at(base: TimeBase, ts_ns: i64) -> String {
    timefmt::iso8601(base.base_ns + base.us(ts_ns) * 1_000)
}

/// The streams of a call among those of an analysis held in memory.
pub fn streams_of<'a>(a: &'a Analysis, c: &CallRecord) -> Vec<&'a RtpStream> {
    c.media
        .streams
        .iter()
        .filter_map(|&n| n.checked_sub(1).and_then(|i| a.streams.get(i)))
        .collect()
}

fn finish(w: csv::Writer<Vec<u8>>) -> String {
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

pub const CALL_COLUMNS: &[&str] = &[
    "number",
    "call_id",
    "state",
    "final_status",
    "final_reason",
    "from_user",
    "from_display_name",
    "from_uri",
    "to_user",
    "to_display_name",
    "to_uri",
    "request_uri",
    "caller",
    "callee",
    "caller_user_agent",
    "callee_user_agent",
    "transport",
    "start_time",
    "start_s",
    "end_time",
    "end_s",
    "setup_time_ms",
    "answer_time_ms",
    "talk_duration_s",
    "ended_by",
    "end_method",
    "reason",
    "invite_attempts",
    "auth_challenges",
    "reinvites",
    "retransmissions",
    "streams",
    "caller_to_callee_packets",
    "callee_to_caller_packets",
    "one_way",
    "no_media",
    "min_mos",
    "max_lost_pct",
    "max_jitter_ms",
    "messages",
];

/// Worst figures over a call's streams: lowest MOS, highest loss, highest jitter.
pub fn media_worst(streams: &[&RtpStream]) -> (String, String, String) {
    if streams.is_empty() {
        return Default::default();
    }
    let mos = streams
        .iter()
        .filter_map(|s| s.quality.as_ref().map(|q| q.mos))
        .reduce(f64::min);
    let lost = streams
        .iter()
        .map(|s| s.rfc3550.lost_pct)
        .fold(0.0, f64::max);
    let jitter = streams
        .iter()
        .map(|s| s.wireshark.max_jitter_ms)
        .fold(0.0, f64::max);
    (
        mos.map(|m| fixed(m, 2)).unwrap_or_default(),
        fixed(lost, 2),
        fixed(jitter, 3),
    )
}

/// One call as a row of [`CALL_COLUMNS`]; `streams` are its streams.
pub fn call_row(c: &CallRecord, streams: &[&RtpStream], base: TimeBase) -> Vec<String> {
    let (mos, lost, jitter) = media_worst(streams);
    let reason = c
        .reason
        .iter()
        .map(|r| {
            let mut t = r.protocol.clone();
            if let Some(cause) = r.cause {
                t.push_str(&format!(" cause={cause}"));
            }
            if let Some(text) = &r.text {
                t.push_str(&format!(" \"{text}\""));
            }
            t
        })
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        c.number.to_string(),
        text_cell(&c.call_id),
        c.state.as_str().to_string(),
        num(c.final_status),
        opt_text(c.final_reason.as_deref()),
        opt_text(c.from.user()),
        opt_text(c.from.display_name.as_deref()),
        text_cell(&c.from.uri),
        opt_text(c.to.user()),
        opt_text(c.to.display_name.as_deref()),
        text_cell(&c.to.uri),
        text_cell(&c.request_uri),
        c.caller.to_string(),
        c.callee.to_string(),
        opt_text(c.caller_user_agent.as_deref()),
        opt_text(c.callee_user_agent.as_deref()),
        c.transport.to_string(),
        timefmt::iso8601(c.start_ns),
        fixed(base.s(c.start_ns), 6),
        iso_at(base, c.end_ns),
        fixed(base.s(c.end_ns), 6),
        num(c.setup_ns.map(|v| fixed(timefmt::ms(v), 3))),
        num(c.answer_ns.map(|v| fixed(timefmt::ms(v), 3))),
        num(crate::json::talk_s(c).map(|v| fixed(v, 3))),
        side(c.ended_by).to_string(),
        opt_text(c.end_method.map(|m| m.as_str())),
        text_cell(&reason),
        c.invite_attempts.to_string(),
        c.auth_challenges.to_string(),
        c.reinvites.to_string(),
        c.retransmissions.to_string(),
        c.media.streams.len().to_string(),
        c.media.caller_to_callee_packets.to_string(),
        c.media.callee_to_caller_packets.to_string(),
        c.media.one_way.to_string(),
        c.media.no_media.to_string(),
        mos,
        lost,
        jitter,
        c.messages.len().to_string(),
    ]
}

/// `calls.csv`.
pub fn calls(a: &Analysis) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CALL_COLUMNS);
    for c in &a.calls {
        let _ = w.write_record(call_row(c, &streams_of(a, c), a.capture.time_base));
    }
    finish(w)
}

pub const REGISTRATION_COLUMNS: &[&str] = &[
    "call_id",
    "aor",
    "user",
    "state",
    "final_status",
    "final_reason",
    "attempts",
    "challenges",
    "stale_nonce",
    "auth_user",
    "contact",
    "expires",
    "unregister",
    "source",
    "registrar",
    "user_agent",
    "transport",
    "start_time",
    "start_s",
    "end_s",
    "retransmissions",
];

/// `registrations.csv`.
pub fn registrations(a: &Analysis) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(REGISTRATION_COLUMNS);
    for r in &a.registrations {
        let _ = w.write_record(registration_row(r, a.capture.time_base));
    }
    finish(w)
}

/// One registration as a row of [`REGISTRATION_COLUMNS`].
pub fn registration_row(r: &Registration, base: TimeBase) -> Vec<String> {
    {
        vec![
            text_cell(&r.call_id),
            text_cell(&r.aor),
            opt_text(r.user.as_deref()),
            r.state.as_str().to_string(),
            num(r.final_status),
            opt_text(r.final_reason.as_deref()),
            r.attempts.to_string(),
            r.challenges.to_string(),
            r.stale_nonce.to_string(),
            opt_text(r.auth_user.as_deref()),
            opt_text(r.contact.as_deref()),
            num(r.expires),
            r.unregister.to_string(),
            r.source.to_string(),
            r.registrar.to_string(),
            opt_text(r.user_agent.as_deref()),
            r.transport.to_string(),
            timefmt::iso8601(r.start_ns),
            fixed(base.s(r.start_ns), 6),
            fixed(base.s(r.end_ns), 6),
            r.retransmissions.to_string(),
        ]
    }
}

pub const STREAM_COLUMNS: &[&str] = &[
    "number",
    "src",
    "dst",
    "ssrc",
    "call_number",
    "call_id",
    "direction",
    "codec",
    "clock_rate",
    "start_time",
    "start_s",
    "end_s",
    "first_frame",
    "packets",
    "encrypted",
    "ws_expected",
    "ws_lost",
    "ws_lost_pct",
    "ws_max_delta_ms",
    "ws_mean_jitter_ms",
    "ws_max_jitter_ms",
    "ws_max_skew_ms",
    "ws_sequence_errors",
    "ws_problem",
    "lost",
    "lost_pct",
    "duplicates",
    "out_of_order",
    "jitter_ms",
    "effective_loss_pct",
    "r_factor",
    "mos",
    "dtmf",
];

/// `streams.csv`: tshark's figures (`ws_*`), then ours.
pub fn streams(a: &Analysis) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(STREAM_COLUMNS);
    for s in &a.streams {
        let _ = w.write_record(stream_row(s, a.capture.time_base));
    }
    finish(w)
}

/// One stream as a row of [`STREAM_COLUMNS`].
pub fn stream_row(s: &RtpStream, base: TimeBase) -> Vec<String> {
    {
        let ws = &s.wireshark;
        let rfc = &s.rfc3550;
        let q = s.quality.as_ref();
        let dtmf: String = s.dtmf.iter().map(|d| d.digit.as_str()).collect();
        vec![
            s.number.to_string(),
            s.src.to_string(),
            s.dst.to_string(),
            crate::json::ssrc(s.ssrc),
            num(s.call_number),
            opt_text(s.call_id.as_deref()),
            s.direction.map_or("", |d| d.as_str()).to_string(),
            opt_text(s.codec.as_deref()),
            s.clock_rate.to_string(),
            iso_at(base, s.start_ns),
            fixed(base.s(s.start_ns), 6),
            fixed(base.s(s.end_ns), 6),
            s.first_frame.to_string(),
            s.packets.to_string(),
            s.encrypted.to_string(),
            ws.expected.to_string(),
            ws.lost.to_string(),
            fixed(ws.lost_pct, 2),
            fixed(ws.max_delta_ms, 3),
            fixed(ws.mean_jitter_ms, 3),
            fixed(ws.max_jitter_ms, 3),
            fixed(ws.max_skew_ms, 3),
            ws.sequence_errors.to_string(),
            ws.problem.to_string(),
            rfc.lost.to_string(),
            fixed(rfc.lost_pct, 2),
            rfc.duplicates.to_string(),
            rfc.out_of_order.to_string(),
            fixed(rfc.jitter_ms, 3),
            num(q.map(|q| fixed(q.effective_loss_pct, 2))),
            num(q.map(|q| fixed(q.r_factor, 1))),
            num(q.map(|q| fixed(q.mos, 2))),
            dtmf,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text_cell("+49301234"), "'+49301234");
        assert_eq!(text_cell("-1"), "'-1");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("alice"), "alice");
        assert_eq!(text_cell(""), "");
    }
}
