//! `index.html` of a report: one self-contained file (inline CSS, inline SVG, a few lines of
//! script to sort tables, nothing fetched), readable offline and when mailed.
//!
//! Every string that came from the capture goes through [`esc`]; the SVG parts are produced by
//! the ladder and plot modules, which escape their own text.

use std::fmt::Write;

use crate::report::calls::{party, status};
use crate::report::ladder;
use crate::report::plot;
use crate::sip::status::Lang;
use crate::Analysis;

/// Calls whose ladder, media and plots are drawn in the page; the rest are in the table and in
/// the report's `ladders/` and `plots/` files.
pub const MAX_DETAILED_CALLS: usize = 200;
/// Unassociated streams drawn in the page.
pub const MAX_DETAILED_STREAMS: usize = 100;

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    ladder::svg::escape(s)
}

pub const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th:after { content: " \2195"; color: #aaa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.state { font-weight: 600; padding: 1px 6px; border-radius: 3px; }
.state-completed { background: #d8f3dc; } .state-in-call { background: #e3f2fd; }
.state-cancelled { background: #fff3cd; } .state-rejected { background: #f8d7da; }
.state-unanswered { background: #eeeeee; } .state-registered { background: #d8f3dc; }
.state-register-failed { background: #f8d7da; }
.finding { border-left: 4px solid #999; padding: 0.2em 0.8em; margin: 0.4em 0; background: #fafafa; }
.finding p { margin: 0.3em 0; }
.sev-error { border-color: #d9534f; background: #fdf0f0; } .sev-warning { border-color: #f0ad4e; background: #fff8e1; }
.sev-info { border-color: #5bc0de; background: #f0f8fb; }
.sev { font-weight: 700; text-transform: uppercase; font-size: 0.8em; }
.figure { overflow-x: auto; border: 1px solid #eee; margin: 0.5em 0; }
.note { color: #666; font-size: 0.9em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
dl.facts dt { color: #555; } dl.facts dd { margin: 0; }
code { font-size: 0.95em; }
"#;

/// Sorts a table by the clicked column: numbers by value (`data-v` when present), text by text.
pub const SCRIPT: &str = r#"
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var asc = th.getAttribute('data-dir') !== 'asc';
      th.setAttribute('data-dir', asc ? 'asc' : 'desc');
      function key(r) {
        var c = r.cells[col];
        var v = c.hasAttribute('data-v') ? c.getAttribute('data-v') : c.textContent;
        var n = parseFloat(v);
        return isNaN(n) ? v.toLowerCase() : n;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (typeof x !== typeof y) { x = String(x); y = String(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"#;

fn opt_num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(String::new, |x| format!("{x:.digits$}"))
}

/// An SVG document made fit to sit inside HTML: without an XML declaration.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

fn summary(out: &mut String, a: &Analysis) {
    let c = &a.capture;
    let _ = writeln!(
        out,
        "<section id=\"summary\"><h2>Capture</h2><dl class=\"facts\">\
<dt>file</dt><dd><code>{}</code></dd>\
<dt>format</dt><dd>{}{} ({})</dd>\
<dt>frames</dt><dd>{} ({} bytes)</dd>\
<dt>time</dt><dd>{} to {} ({:.3} s)</dd>\
<dt>SIP messages</dt><dd>{} ({} retransmissions)</dd>\
<dt>calls</dt><dd>{}</dd><dt>registrations</dt><dd>{}</dd>\
<dt>RTP streams</dt><dd>{} ({} not tied to a call)</dd>\
<dt>anomalies</dt><dd>{}</dd></dl></section>",
        esc(&c.file),
        esc(&c.format),
        if c.compressed { ", gzip" } else { "" },
        esc(&c.link_types.join(", ")),
        c.frames,
        c.bytes,
        esc(c.first_time.as_deref().unwrap_or("-")),
        esc(c.last_time.as_deref().unwrap_or("-")),
        c.duration_s,
        a.sip.messages,
        a.sip.retransmissions,
        a.calls.len(),
        a.registrations.len(),
        a.streams.len(),
        a.media.unassociated_streams,
        c.anomaly_counts.values().sum::<u64>(),
    );
}

fn call_table(out: &mut String, a: &Analysis) {
    out.push_str("<section id=\"calls\"><h2>Calls</h2>\n");
    if a.calls.is_empty() {
        out.push_str("<p class=\"note\">No INVITE in this capture.</p></section>\n");
        return;
    }
    out.push_str(
        "<table class=\"sortable\" id=\"call-table\"><thead><tr><th>#</th><th>state</th>\
<th>status</th><th>from</th><th>to</th><th>start</th><th>setup ms</th><th>talk s</th>\
<th>streams</th><th>min MOS</th><th>findings</th><th>Call-ID</th></tr></thead><tbody>\n",
    );
    for c in &a.calls {
        let row = crate::report::csv::call_row(
            c,
            &crate::report::csv::streams_of(a, c),
            a.capture.time_base,
        );
        let mos = &row[crate::report::csv::CALL_COLUMNS
            .iter()
            .position(|n| *n == "min_mos")
            .unwrap_or(0)];
        let state = c.state.as_str();
        let status = status(c.final_status, &c.final_reason).unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr class=\"call-row\" data-call-id=\"{cid}\"><td class=\"num\" data-v=\"{n}\"><a href=\"#call-{n}\">{n}</a></td>\
<td><span class=\"state state-{state}\">{state}</span></td><td>{status}</td><td>{from}</td><td>{to}</td>\
<td class=\"num\" data-v=\"{start}\">{start:.3}</td><td class=\"num\">{setup}</td><td class=\"num\">{talk}</td>\
<td class=\"num\">{streams}</td><td class=\"num\">{mos}</td><td>{worst}</td><td><code>{cid}</code></td></tr>",
            n = c.number,
            state = state,
            status = esc(&status),
            from = esc(&party(&c.from)),
            to = esc(&party(&c.to)),
            start = a.capture.time_base.s(c.start_ns),
            setup = opt_num(c.setup_ns.map(crate::timefmt::ms), 0),
            talk = opt_num(crate::report::json::talk_s(c), 1),
            streams = c.media.streams.len(),
            mos = esc(mos),
            worst = a
                .findings
                .iter()
                .filter(|f| f.call_number == Some(c.number))
                .map(|f| f.severity)
                .min()
                .map_or_else(String::new, |s| {
                    let n = a
                        .findings
                        .iter()
                        .filter(|f| f.call_number == Some(c.number))
                        .count();
                    format!("<span class=\"sev sev-{0}\">{0}</span> {n}", s.as_str())
                }),
            cid = esc(&c.call_id),
        );
    }
    out.push_str("</tbody></table></section>\n");
}

fn registration_table(out: &mut String, a: &Analysis) {
    if a.registrations.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"registrations\"><h2>Registrations</h2><table class=\"sortable\">\
<thead><tr><th>address of record</th><th>state</th><th>status</th><th>attempts</th>\
<th>challenges</th><th>source</th><th>registrar</th><th>expires</th><th>user agent</th>\
<th>Call-ID</th></tr></thead><tbody>\n",
    );
    for r in &a.registrations {
        let state = r.state.as_str();
        let status = status(r.final_status, &r.final_reason).unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><span class=\"state state-{state}\">{state}</span></td><td>{}</td>\
<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&r.aor),
            esc(&status),
            r.attempts,
            r.challenges,
            esc(&r.source.to_string()),
            esc(&r.registrar.to_string()),
            r.expires.map(|e| e.to_string()).unwrap_or_default(),
            esc(r.user_agent.as_deref().unwrap_or("")),
            esc(&r.call_id),
        );
    }
    out.push_str("</tbody></table></section>\n");
}

fn stream_table(out: &mut String, a: &Analysis, numbers: &[usize]) {
    out.push_str(
        "<table class=\"sortable\"><thead><tr><th>#</th><th>direction</th><th>source</th>\
<th>destination</th><th>SSRC</th><th>codec</th><th>packets</th><th>lost</th><th>lost %</th>\
<th>max delta ms</th><th>max jitter ms</th><th>mean jitter ms</th><th>MOS</th><th>DTMF</th></tr></thead><tbody>\n",
    );
    for &n in numbers {
        let Some(s) = n.checked_sub(1).and_then(|i| a.streams.get(i)) else {
            continue;
        };
        let dtmf: String = s.dtmf.iter().map(|d| d.digit.as_str()).collect();
        let mut codec = s.codec.clone().unwrap_or_default();
        if s.encrypted {
            codec.push_str(" (SRTP)");
        }
        let _ = writeln!(
            out,
            "<tr><td class=\"num\"><a href=\"#stream-{n}\">{n}</a></td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>\
<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.3}</td>\
<td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            s.direction.map_or("", |d| d.as_str()),
            esc(&s.src.to_string()),
            esc(&s.dst.to_string()),
            esc(&crate::report::json::ssrc(s.ssrc)),
            esc(&codec),
            s.packets,
            s.rfc3550.lost,
            s.rfc3550.lost_pct,
            s.wireshark.max_delta_ms,
            s.wireshark.max_jitter_ms,
            s.wireshark.mean_jitter_ms,
            s.quality
                .as_ref()
                .map_or_else(String::new, |q| format!("{:.2}", q.mos)),
            esc(&dtmf),
            n = s.number,
        );
    }
    out.push_str("</tbody></table>\n");
}

fn stream_plots(out: &mut String, a: &Analysis, numbers: &[usize]) {
    for &n in numbers {
        let Some(s) = n.checked_sub(1).and_then(|i| a.streams.get(i)) else {
            continue;
        };
        if s.series.points.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<div class=\"figure\" id=\"stream-{}\">{}</div>",
            s.number,
            inline_svg(&plot::stream_svg(s, a.capture.time_base))
        );
    }
}

/// Findings as a list: severity, title, explanation, evidence frames, what to check.
fn findings_block(out: &mut String, findings: &[&crate::diagnose::Finding], lang: Lang) {
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h3>{}</h3><div class=\"findings\">",
        match lang {
            Lang::En => "Findings",
            Lang::De => "Befunde",
        }
    );
    for f in findings {
        let sev = f.severity.as_str();
        let _ = write!(
            out,
            "<div class=\"finding sev-{sev}\"><p><span class=\"sev\">{sev}</span> <b>{}</b></p><p>{}</p>",
            esc(&f.title),
            esc(&f.explanation)
        );
        if !f.evidence.is_empty() {
            let frames: Vec<String> = f.evidence.iter().map(u64::to_string).collect();
            let _ = write!(
                out,
                "<p class=\"note\">{} {}</p>",
                match lang {
                    Lang::En => "Evidence: frames",
                    Lang::De => "Belege: Frames",
                },
                frames.join(", ")
            );
        }
        if !f.suggestion.is_empty() {
            let _ = write!(
                out,
                "<p><i>{}</i> {}</p>",
                match lang {
                    Lang::En => "What to check:",
                    Lang::De => "Zu prüfen:",
                },
                esc(&f.suggestion)
            );
        }
        let _ = writeln!(out, "<p class=\"note\"><code>{}</code></p></div>", f.id);
    }
    out.push_str("</div>\n");
}

fn call_details(out: &mut String, a: &Analysis, lang: Lang) {
    for c in a.calls.iter().take(MAX_DETAILED_CALLS) {
        let state = c.state.as_str();
        let _ = writeln!(
            out,
            "<section class=\"call\" id=\"call-{n}\"><h2>Call {n}: {from} &rarr; {to} \
<span class=\"state state-{state}\">{state}</span></h2>",
            n = c.number,
            from = esc(&party(&c.from)),
            to = esc(&party(&c.to)),
        );
        let _ = writeln!(
            out,
            "<dl class=\"facts\"><dt>Call-ID</dt><dd><code>{}</code></dd><dt>caller</dt><dd>{} {}</dd>\
<dt>callee</dt><dd>{} {}</dd><dt>request URI</dt><dd><code>{}</code></dd><dt>final status</dt><dd>{}</dd>\
<dt>setup / answer</dt><dd>{} ms / {} ms</dd><dt>talk</dt><dd>{} s</dd></dl>",
            esc(&c.call_id),
            esc(&c.caller.to_string()),
            esc(c.caller_user_agent.as_deref().unwrap_or("")),
            esc(&c.callee.to_string()),
            esc(c.callee_user_agent.as_deref().unwrap_or("")),
            esc(&c.request_uri),
            esc(&status(c.final_status, &c.final_reason).unwrap_or_else(|| "none".to_string())),
            opt_num(c.setup_ns.map(crate::timefmt::ms), 0),
            opt_num(c.answer_ns.map(crate::timefmt::ms), 0),
            opt_num(crate::report::json::talk_s(c), 1),
        );
        let mine: Vec<&crate::diagnose::Finding> = a
            .findings
            .iter()
            .filter(|f| f.call_number == Some(c.number))
            .collect();
        findings_block(out, &mine, lang);
        let _ = writeln!(
            out,
            "<h3>Call flow</h3><div class=\"figure\">{}</div>",
            inline_svg(&ladder::svg::render(&ladder::of_call(
                c,
                a.capture.time_base
            )))
        );
        out.push_str("<h3>Media</h3>\n");
        if c.media.streams.is_empty() {
            out.push_str("<p class=\"note\">No RTP of this call in the capture.</p>\n");
        } else {
            stream_table(out, a, &c.media.streams);
            stream_plots(out, a, &c.media.streams);
        }
        out.push_str("</section>\n");
    }
    if a.calls.len() > MAX_DETAILED_CALLS {
        let _ = writeln!(
            out,
            "<p class=\"note\">Calls after the first {MAX_DETAILED_CALLS} are in the table above, \
in calls.csv and in ladders/; their details are left out of this page to keep it small.</p>"
        );
    }
}

fn unassociated(out: &mut String, a: &Analysis) {
    let idx: Vec<usize> = a
        .streams
        .iter()
        .filter(|s| s.call_id.is_none())
        .map(|s| s.number)
        .collect();
    if idx.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"unassociated\"><h2>Streams of no captured call</h2>\n\
<p class=\"note\">No SDP in the capture named these endpoints; they were found by the RTP heuristic.</p>\n",
    );
    stream_table(out, a, &idx);
    stream_plots(out, a, &idx[..idx.len().min(MAX_DETAILED_STREAMS)]);
    out.push_str("</section>\n");
}

fn anomalies(out: &mut String, a: &Analysis) {
    if a.anomalies.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"anomalies\"><h2>Anomalies</h2><table class=\"sortable\"><thead><tr>\
<th>frame</th><th>kind</th><th>detail</th></tr></thead><tbody>\n",
    );
    for an in a.anomalies.iter().take(200) {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            an.frame,
            esc(&format!("{:?}", an.kind)),
            esc(&an.detail)
        );
    }
    out.push_str("</tbody></table></section>\n");
}

/// The whole page.
pub fn index(a: &Analysis, lang: Lang) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>voipscope: {}</title><style>{STYLE}</style></head><body>\n\
<h1>voipscope report: <code>{}</code></h1>\n",
        match lang {
            Lang::En => "en",
            Lang::De => "de",
        },
        esc(&a.capture.file),
        esc(&a.capture.file),
    );
    summary(&mut out, a);
    let global: Vec<&crate::diagnose::Finding> = a
        .findings
        .iter()
        .filter(|f| f.call_number.is_none())
        .collect();
    if !global.is_empty() {
        out.push_str("<section id=\"capture-findings\">");
        findings_block(&mut out, &global, lang);
        out.push_str("</section>\n");
    }
    call_table(&mut out, a);
    registration_table(&mut out, a);
    call_details(&mut out, a, lang);
    if !a.streams.is_empty() {
        let _ = writeln!(
            out,
            "<section id=\"quality\"><h2>Quality overview</h2><div class=\"figure\">{}</div></section>",
            inline_svg(&plot::quality_overview_svg(&a.streams))
        );
    }
    anomalies(&mut out, a);
    unassociated(&mut out, a);
    let _ = write!(
        out,
        "<p class=\"note\">Written by voipscope {}.</p>\n<script>{SCRIPT}</script>\n</body></html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}
