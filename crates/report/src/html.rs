//! `index.html` of a report: one self-contained file (inline CSS, inline SVG, a few lines of
//! script to sort tables, nothing fetched), readable offline and when mailed.
//!
//! Every string that came from the capture goes through [`esc`]; the SVG parts are produced by
//! the ladder and plot modules, which escape their own text.

use std::fmt::Write;

use std::collections::{BTreeMap, BinaryHeap};

use crate::calls::{party, status};
use crate::ladder;
use crate::plot::{self, StreamQuality};
use voipscope_analysis::diagnose::{Finding, Severity};
use voipscope_analysis::Analysis;
use voipscope_analysis::{CallBundle, Summary};
use voipscope_rtp::RtpStream;
use voipscope_sip::status::Lang;
use voipscope_sip::Registration;
use voipscope_wire::timefmt::TimeBase;

/// Calls whose ladder, media and plots are drawn in the page; the rest are in the table and in
/// the report's `ladders/` and `plots/` files. With more calls than this, the worst are drawn.
pub const MAX_DETAILED_CALLS: usize = 200;
/// Calls whose audio a report decodes when asked (the worst of those detailed).
pub const MAX_AUDIO_CALLS: usize = 10;
/// SIP messages a page shows in full (clicked in a ladder), and the bytes of each.
pub const MAX_SHOWN_MESSAGES: usize = 5_000;
pub const MAX_SHOWN_MESSAGE_BYTES: usize = 16 * 1024;
/// Rows of the call table; with more calls, the worst are listed and the rest are in
/// `calls.csv`.
pub const MAX_TABLE_CALLS: usize = 1000;
/// Rows of the registration table.
pub const MAX_TABLE_REGISTRATIONS: usize = 1000;
/// Unassociated streams listed in the page, and drawn.
pub const MAX_LISTED_STREAMS: usize = 1000;
pub const MAX_DETAILED_STREAMS: usize = 100;
/// Streams in the quality overview; with more, the worst.
pub const MAX_OVERVIEW_STREAMS: usize = 2000;
/// Findings about no call listed at the top.
pub const MAX_GLOBAL_FINDINGS: usize = 500;

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
@media (max-width: 700px) {
  body { margin: 0.6em; }
  table { display: block; overflow-x: auto; max-width: 100%; }
  h1 { font-size: 1.3em; overflow-wrap: anywhere; }
  dl.facts dd { overflow-wrap: anywhere; }
}
.state { font-weight: 600; padding: 1px 6px; border-radius: 3px; }
.state-completed { background: #d8f3dc; } .state-in-call { background: #e3f2fd; }
.state-cancelled { background: #fff3cd; } .state-rejected { background: #f8d7da; }
.state-unanswered { background: #eeeeee; } .state-registered { background: #d8f3dc; } .state-unregistered { background: #eeeeee; }
.state-register-failed { background: #f8d7da; }
.finding { border-left: 4px solid #999; padding: 0.2em 0.8em; margin: 0.4em 0; background: #fafafa; }
.finding p { margin: 0.3em 0; }
.sev-error { border-color: #d9534f; background: #fdf0f0; } .sev-warning { border-color: #f0ad4e; background: #fff8e1; }
.sev-info { border-color: #5bc0de; background: #f0f8fb; }
.sev-ok { border-color: #5cb85c; background: #eef8ee; }
#verdict .headline { font-size: 1.15em; font-weight: 600; }
tr.worst-error td { background: #fdf0f0; } tr.worst-warning td { background: #fff8e1; }
.sev { font-weight: 700; text-transform: uppercase; font-size: 0.8em; }
.figure { overflow-x: auto; border: 1px solid #eee; margin: 0.5em 0; }
.note { color: #666; font-size: 0.9em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
dl.facts dt { color: #555; } dl.facts dd { margin: 0; }
code { font-size: 0.95em; }
.ladder g.msg { cursor: pointer; } .ladder g.msg.chosen text { text-decoration: underline; }
pre.sip { background: #f7f7f7; border: 1px solid #ddd; padding: 6px; overflow-x: auto; font-size: 0.85em; white-space: pre-wrap; }
"#;

/// Sorts a table by the clicked column: numbers by value (`data-v` when present), text by text.
pub const SCRIPT: &str = r#"
document.querySelectorAll('.ladder').forEach(function (figure) {
  var box = figure.nextElementSibling && figure.nextElementSibling.nextElementSibling;
  if (!box) { return; }
  figure.querySelectorAll('g.msg').forEach(function (g) {
    g.addEventListener('click', function () {
      var frame = g.getAttribute('data-frame');
      box.querySelectorAll('pre.sip').forEach(function (p) {
        p.hidden = p.getAttribute('data-frame') !== frame;
      });
      figure.querySelectorAll('g.msg').forEach(function (o) { o.classList.remove('chosen'); });
      g.classList.add('chosen');
    });
  });
});
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

/// A value, or a dash when there is none (never a bare unit).
fn opt_num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "\u{2014}".to_string(), |x| format!("{x:.digits$}"))
}

/// A value with its unit, or a dash.
fn opt_unit(v: Option<f64>, digits: usize, unit: &str) -> String {
    v.map_or_else(
        || "\u{2014}".to_string(),
        |x| format!("{x:.digits$} {unit}"),
    )
}

/// An SVG document made fit to sit inside HTML: without an XML declaration.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// How bad a call went, for choosing what a page of a huge capture shows: its worst
/// finding's severity, then its lowest MOS, then its number (earlier first).
#[derive(Clone, Copy, Debug)]
struct Badness(u8, f64, usize);

impl PartialEq for Badness {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == std::cmp::Ordering::Equal
    }
}
impl Eq for Badness {}
impl PartialOrd for Badness {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Badness {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0
            .cmp(&o.0)
            .then(self.1.total_cmp(&o.1))
            .then(self.2.cmp(&o.2))
    }
}

fn severity_rank(s: Option<Severity>) -> u8 {
    match s {
        Some(Severity::Error) => 0,
        Some(Severity::Warning) => 1,
        Some(Severity::Info) => 2,
        None => 3,
    }
}

/// The `count` worst of many: a heap that drops the best one past the count.
struct Worst<T> {
    count: usize,
    heap: BinaryHeap<(Badness, Keep<T>)>,
    seen: usize,
}

/// A heap entry's payload, which never takes part in the ordering.
struct Keep<T>(T);
impl<T> PartialEq for Keep<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<T> Eq for Keep<T> {}
impl<T> PartialOrd for Keep<T> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Keep<T> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl<T> Worst<T> {
    fn new(count: usize) -> Worst<T> {
        Worst {
            count,
            heap: BinaryHeap::new(),
            seen: 0,
        }
    }

    fn add(&mut self, b: Badness, item: T) {
        self.seen += 1;
        self.heap.push((b, Keep(item)));
        if self.heap.len() > self.count {
            self.heap.pop();
        }
    }

    /// By number when all were kept, else worst first; and whether some were left out.
    fn into_list(self) -> (Vec<T>, bool) {
        let all = self.seen <= self.count;
        let mut v: Vec<(Badness, T)> = self.heap.into_iter().map(|(b, k)| (b, k.0)).collect();
        if all {
            v.sort_by_key(|(b, _)| b.2);
        } else {
            v.sort_by_key(|(b, _)| *b);
        }
        (v.into_iter().map(|(_, t)| t).collect(), !all)
    }
}

/// One row of the call table.
struct CallRow {
    number: usize,
    /// The cells before the verdict.
    cells: String,
    /// The worst finding: its severity and title (findings come sorted worst first).
    verdict: Option<(Severity, String)>,
    findings: usize,
    cid: String,
}

/// The capture's verdict, gathered as calls are finished: how many calls had errors and
/// warnings, and the worst call.
#[derive(Default)]
struct Verdict {
    with_error: usize,
    with_warning: usize,
    worst: Option<(Badness, Severity, String)>,
}

/// What the page shows, gathered as records are finished: bounded however large the capture.
pub struct Page {
    lang: Lang,
    base: TimeBase,
    calls: usize,
    registrations: usize,
    streams: usize,
    rows: Worst<CallRow>,
    detailed: Worst<CallBundle>,
    registration_rows: Vec<(u64, Registration)>,
    global: Vec<Finding>,
    unassociated: Vec<RtpStream>,
    unassociated_count: usize,
    overview: Worst<StreamQuality>,
    /// Findings of calls judged after the call was written, by call number.
    late: BTreeMap<usize, Vec<Finding>>,
    verdict: Verdict,
    /// Streams of RFC 4733 events only, left out of the quality overview.
    event_streams: usize,
    /// What a second pass over the capture read for the detailed calls.
    reread: Reread,
}

/// What a second pass over the capture reads for the detailed calls: their recordings and the
/// whole text of their SIP messages.
#[derive(Default)]
struct Reread {
    /// Calls with a decoded recording (`audio/call-N.wav`) and its length in seconds.
    audio: BTreeMap<usize, f64>,
    /// The whole text of the detailed calls' SIP messages, by frame.
    messages: rustc_hash::FxHashMap<u64, String>,
}

/// Findings of calls judged late kept at most (they are also in findings.csv).
pub const MAX_LATE_FINDINGS: usize = 10_000;

impl Page {
    pub fn new(lang: Lang, base: TimeBase) -> Page {
        Page {
            lang,
            base,
            calls: 0,
            registrations: 0,
            streams: 0,
            rows: Worst::new(MAX_TABLE_CALLS),
            detailed: Worst::new(MAX_DETAILED_CALLS),
            registration_rows: Vec::new(),
            global: Vec::new(),
            unassociated: Vec::new(),
            unassociated_count: 0,
            overview: Worst::new(MAX_OVERVIEW_STREAMS),
            late: BTreeMap::new(),
            verdict: Verdict::default(),
            event_streams: 0,
            reread: Reread::default(),
        }
    }

    pub fn set_base(&mut self, base: TimeBase) {
        self.base = base;
    }

    fn stream_quality(&mut self, s: &RtpStream) {
        self.streams += 1;
        if StreamQuality::events_only(s) {
            self.event_streams += 1;
            return;
        }
        let q = StreamQuality::of(s);
        let mos = s.quality.as_ref().map_or(5.0, |q| q.mos);
        self.overview.add(Badness(0, mos, s.number), q);
    }

    /// A finished call with its streams and findings.
    pub fn add_call(&mut self, b: &CallBundle) {
        self.calls += 1;
        for s in &b.streams {
            self.stream_quality(s);
        }
        let c = &b.call;
        let refs: Vec<&RtpStream> = b.streams.iter().collect();
        let row = crate::csv::call_row(c, &refs, self.base);
        let column = |name: &str| {
            let i = crate::csv::CALL_COLUMNS
                .iter()
                .position(|n| *n == name)
                .unwrap_or(0);
            match row[i].as_str() {
                "" => "\u{2014}".to_string(),
                v => esc(v),
            }
        };
        let (mos, lost, jitter) = if refs.is_empty() {
            let none = "\u{2014}".to_string();
            (none.clone(), none.clone(), none)
        } else {
            (
                column("min_mos"),
                column("max_lost_pct"),
                column("max_jitter_ms"),
            )
        };
        let state = c.state.as_str();
        let status = status(c.final_status, &c.final_reason).unwrap_or_default();
        let cells = format!(
            "<td class=\"num\" data-v=\"{n}\"><a href=\"#call-{n}\">{n}</a></td>\
<td><span class=\"state state-{state}\">{state}</span></td><td>{status}</td><td>{from}</td><td>{to}</td>\
<td class=\"num\" data-v=\"{start}\">{start:.3}</td><td class=\"num\">{setup}</td><td class=\"num\">{talk}</td>\
<td class=\"num\">{streams}</td><td class=\"num\">{mos}</td><td class=\"num\">{lost}</td><td class=\"num\">{jitter}</td>",
            n = c.number,
            state = state,
            status = esc(&status),
            from = esc(&party(&c.from)),
            to = esc(&party(&c.to)),
            start = self.base.s(c.start_ns),
            setup = opt_num(c.setup_ns.map(voipscope_wire::timefmt::ms), 0),
            talk = opt_num(crate::json::talk_s(c), 1),
            streams = c.media.streams.len(),
        );
        let worst = b.findings.iter().map(|f| f.severity).min();
        let min_mos = b
            .streams
            .iter()
            .filter_map(|s| s.quality.as_ref().map(|q| q.mos))
            .fold(5.0, f64::min);
        let badness = Badness(severity_rank(worst), min_mos, c.number);
        let verdict = b.findings.first().map(|f| (f.severity, f.title.clone()));
        match worst {
            Some(Severity::Error) => self.verdict.with_error += 1,
            Some(Severity::Warning) => self.verdict.with_warning += 1,
            _ => {}
        }
        if let Some((severity, title)) = &verdict {
            if self
                .verdict
                .worst
                .as_ref()
                .is_none_or(|(b, ..)| badness < *b)
            {
                let title = format!("call {}: {title}", c.number);
                self.verdict.worst = Some((badness, *severity, title));
            }
        }
        self.rows.add(
            badness,
            CallRow {
                number: c.number,
                cells,
                verdict,
                findings: b.findings.len(),
                cid: esc(&c.call_id),
            },
        );
        self.detailed.add(badness, b.clone());
    }

    pub fn add_registration(&mut self, position: u64, r: &Registration) {
        self.registrations += 1;
        if self.registration_rows.len() < MAX_TABLE_REGISTRATIONS {
            self.registration_rows.push((position, r.clone()));
        }
    }

    /// A stream of no call.
    pub fn add_stream(&mut self, s: &RtpStream) {
        self.stream_quality(s);
        self.unassociated_count += 1;
        if self.unassociated.len() < MAX_LISTED_STREAMS {
            let mut kept = s.clone();
            if self.unassociated.len() >= MAX_DETAILED_STREAMS {
                // only the first are drawn
                kept.series = Default::default();
            }
            self.unassociated.push(kept);
        }
    }

    /// A finding that came apart from its record: about the capture, or judged late.
    pub fn add_finding(&mut self, f: &Finding) {
        match f.call_number {
            None => {
                if self.global.len() < MAX_GLOBAL_FINDINGS {
                    self.global.push(f.clone());
                }
            }
            Some(n) => {
                if self.late.values().map(Vec::len).sum::<usize>() < MAX_LATE_FINDINGS {
                    self.late.entry(n).or_default().push(f.clone());
                }
            }
        }
    }

    /// Findings of registrations are listed with the capture's.
    pub fn add_registration_findings(&mut self, findings: &[Finding]) {
        for f in findings {
            self.add_finding(f);
        }
    }

    /// The calls whose audio a report decodes: the worst detailed calls with a G.711 stream.
    pub fn audio_calls(&self) -> Vec<&CallBundle> {
        let mut v: Vec<(Badness, &CallBundle)> = self
            .detailed
            .heap
            .iter()
            .filter(|(_, k)| k.0.streams.iter().any(crate::audio::decodable))
            .map(|(b, k)| (*b, &k.0))
            .collect();
        v.sort_by_key(|(b, _)| *b);
        v.into_iter()
            .take(MAX_AUDIO_CALLS)
            .map(|(_, c)| c)
            .collect()
    }

    /// The frames of the detailed calls' SIP messages (the first [`MAX_SHOWN_MESSAGES`]),
    /// whose text the page shows when an arrow is clicked.
    pub fn message_frames(&self) -> rustc_hash::FxHashSet<u64> {
        let mut v: Vec<(Badness, &CallBundle)> =
            self.detailed.heap.iter().map(|(b, k)| (*b, &k.0)).collect();
        v.sort_by_key(|(b, _)| *b);
        v.iter()
            .flat_map(|(_, b)| b.call.messages.iter().map(|m| m.frame))
            .take(MAX_SHOWN_MESSAGES)
            .collect()
    }

    /// The text of the message completed in `frame`.
    pub fn set_message(&mut self, frame: u64, text: String) {
        self.reread.messages.insert(frame, text);
    }

    /// Call `number` has a recording of `seconds` in `audio/`.
    pub fn set_audio(&mut self, number: usize, seconds: f64) {
        self.reread.audio.insert(number, seconds);
    }

    /// The streams of the quality overview: all in order when they were few, else the worst.
    pub fn overview(&self) -> Vec<StreamQuality> {
        let mut v: Vec<(Badness, StreamQuality)> = self
            .overview
            .heap
            .iter()
            .map(|(b, k)| (*b, k.0.clone()))
            .collect();
        if self.overview.seen <= self.overview.count {
            v.sort_by_key(|(b, _)| b.2);
        } else {
            v.sort_by_key(|(b, _)| *b);
        }
        v.into_iter().map(|(_, q)| q).collect()
    }

    /// The whole page.
    pub fn render(self, summary: &Summary) -> String {
        let lang = self.lang;
        let overview = self.overview();
        let partial_overview = self.overview.seen > self.overview.count;
        let mut out = String::with_capacity(64 * 1024);
        let c = &summary.capture;
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
            esc(&c.file),
            esc(&c.file),
        );
        verdict(&mut out, &self.verdict, self.calls, &self.global);
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
            summary.sip.messages,
            summary.sip.retransmissions,
            self.calls,
            self.registrations,
            self.streams,
            summary.media.unassociated_streams,
            c.anomaly_counts.values().sum::<u64>(),
        );
        let mut global = self.global;
        voipscope_analysis::diagnose::sort(&mut global);
        if !global.is_empty() {
            let refs: Vec<&Finding> = global.iter().collect();
            out.push_str("<section id=\"capture-findings\">");
            findings_block(&mut out, &refs, lang);
            out.push_str("</section>\n");
        }
        call_table(&mut out, self.rows, self.calls, &self.late);
        registration_table(&mut out, self.registration_rows, self.registrations);
        call_details(
            &mut out,
            self.detailed,
            self.calls,
            &self.late,
            &self.reread,
            self.base,
            lang,
        );
        if self.streams > 0 {
            let audio = self.streams - self.event_streams;
            let figure = if overview.is_empty() {
                String::new()
            } else {
                format!(
                    "<div class=\"figure\">{}</div>",
                    inline_svg(&plot::quality_overview_svg(&overview))
                )
            };
            let mut notes = String::new();
            if partial_overview {
                let _ = write!(
                    notes,
                    "<p class=\"note\">The {} worst of {audio} audio streams; all are in streams.csv.</p>",
                    overview.len()
                );
            }
            if self.event_streams > 0 {
                let _ = write!(
                    notes,
                    "<p class=\"note\">{} of RFC 4733 events only (DTMF) not shown: their loss and jitter say nothing of the sound.</p>",
                    crate::text::counted(self.event_streams as u64, "stream", "streams")
                );
            }
            let _ = writeln!(
                out,
                "<section id=\"quality\"><h2>Quality overview</h2><p class=\"note\">Bars by the thresholds of the findings: \
MOS green from 4.0, red under 3.6; loss green under 1 %, red from 5 %; maximum jitter green under 30 ms, red from 60 ms. \
Streams are labelled with their number and call (c1 = call 1).</p>{figure}{notes}</section>"
            );
        }
        anomalies(&mut out, &summary.anomalies);
        unassociated(
            &mut out,
            &self.unassociated,
            self.unassociated_count,
            self.base,
        );
        let _ = write!(
            out,
            "<p class=\"note\">Written by voipscope {}.</p>\n<script>{SCRIPT}</script>\n</body></html>\n",
            env!("CARGO_PKG_VERSION")
        );
        out
    }
}

/// The capture's verdict in one paragraph, before everything else: the worst thing found, and
/// how many calls went wrong.
fn verdict(out: &mut String, v: &Verdict, calls: usize, global: &[Finding]) {
    use crate::text::counted;
    let capture_worst = global.iter().min_by_key(|f| f.severity);
    let worst = match (&v.worst, capture_worst) {
        (Some((_, s, _)), Some(f)) if f.severity < *s => Some((f.severity, f.title.clone())),
        (Some((_, s, t)), _) => Some((*s, t.clone())),
        (None, Some(f)) => Some((f.severity, f.title.clone())),
        (None, None) => None,
    };
    let (class, headline) = match &worst {
        Some((s, title)) => (
            format!("sev-{}", s.as_str()),
            format!("<span class=\"sev\">{}</span> {}", s.as_str(), esc(title)),
        ),
        None => ("sev-ok".to_string(), "Nothing wrong found.".to_string()),
    };
    let tally = if calls == 0 {
        "No calls.".to_string()
    } else {
        let fine = calls - v.with_error - v.with_warning;
        format!(
            "Of {}: {} with errors, {} with warnings, {} without either.",
            counted(calls as u64, "call", "calls"),
            v.with_error,
            v.with_warning,
            fine
        )
    };
    let _ = writeln!(
        out,
        "<section id=\"verdict\" class=\"finding {class}\"><p class=\"headline\">{headline}</p><p>{tally}</p></section>"
    );
}

fn call_table(
    out: &mut String,
    rows: Worst<CallRow>,
    total: usize,
    late: &BTreeMap<usize, Vec<Finding>>,
) {
    out.push_str("<section id=\"calls\"><h2>Calls</h2>\n");
    if total == 0 {
        out.push_str("<p class=\"note\">No INVITE in this capture.</p></section>\n");
        return;
    }
    let (rows, partial) = rows.into_list();
    if partial {
        let _ = writeln!(
            out,
            "<p class=\"note\">The {} worst of {total} calls, worst first; every call is in calls.csv.</p>",
            rows.len()
        );
    }
    out.push_str(
        "<table class=\"sortable\" id=\"call-table\"><thead><tr><th>#</th><th>state</th>\
<th>status</th><th>from</th><th>to</th><th>start s</th><th>setup ms</th><th>talk s</th>\
<th>streams</th><th>min MOS</th><th>max loss %</th><th>max jitter ms</th><th>verdict</th><th>Call-ID</th></tr></thead><tbody>\n",
    );
    for r in rows {
        let more = late.get(&r.number).map_or(&[][..], Vec::as_slice);
        // the worst of the call's own findings and those judged after it was written
        let late_worst = more
            .iter()
            .min_by_key(|f| f.severity)
            .map(|f| (f.severity, f.title.clone()));
        let verdict = match (r.verdict, late_worst) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        };
        let count = r.findings + more.len();
        let (class, cell) = match &verdict {
            Some((severity, title)) => {
                let others = match count - 1 {
                    0 => String::new(),
                    n => format!(
                        " <span class=\"note\">(+{})</span>",
                        crate::text::counted(n as u64, "more finding", "more findings")
                    ),
                };
                (
                    format!(" worst-{}", severity.as_str()),
                    format!(
                        "<span class=\"sev sev-{0}\">{0}</span> {1}{others}",
                        severity.as_str(),
                        esc(title)
                    ),
                )
            }
            None => (String::new(), "no findings".to_string()),
        };
        let _ = writeln!(
            out,
            "<tr class=\"call-row{class}\" data-call-id=\"{cid}\">{}<td>{cell}</td><td><code>{cid}</code></td></tr>",
            r.cells,
            cid = r.cid
        );
    }
    out.push_str("</tbody></table></section>\n");
}

fn registration_table(out: &mut String, mut rows: Vec<(u64, Registration)>, total: usize) {
    if rows.is_empty() {
        return;
    }
    rows.sort_by_key(|(p, _)| *p);
    out.push_str("<section id=\"registrations\"><h2>Registrations</h2>");
    if total > rows.len() {
        let _ = write!(
            out,
            "<p class=\"note\">The first {} of {total} registrations; all are in registrations.csv.</p>",
            rows.len()
        );
    }
    out.push_str(
        "<table class=\"sortable\">\
<thead><tr><th>address of record</th><th>state</th><th>status</th><th>attempts</th>\
<th>challenges</th><th>source</th><th>registrar</th><th>expires</th><th>user agent</th>\
<th>Call-ID</th></tr></thead><tbody>\n",
    );
    for (_, r) in &rows {
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

fn stream_table<'a>(out: &mut String, streams: impl IntoIterator<Item = &'a RtpStream>) {
    out.push_str(
        "<table class=\"sortable\"><thead><tr><th>#</th><th>direction</th><th>source</th>\
<th>destination</th><th>SSRC</th><th>codec</th><th>packets</th><th>lost</th><th>lost %</th>\
<th>max delta ms</th><th>max jitter ms</th><th>mean jitter ms</th><th>MOS</th><th>DTMF</th></tr></thead><tbody>\n",
    );
    for s in streams {
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
            esc(&crate::json::ssrc(s.ssrc)),
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

fn stream_plots<'a>(
    out: &mut String,
    streams: impl IntoIterator<Item = &'a RtpStream>,
    base: TimeBase,
) {
    for s in streams {
        if s.series.points.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<div class=\"figure\" id=\"stream-{}\">{}</div>",
            s.number,
            inline_svg(&plot::stream_svg(s, base))
        );
    }
}

/// Findings as a list: severity, title, explanation, evidence frames, what to check.
fn findings_block(
    out: &mut String,
    findings: &[&voipscope_analysis::diagnose::Finding],
    lang: Lang,
) {
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

fn call_details(
    out: &mut String,
    detailed: Worst<CallBundle>,
    total: usize,
    late: &BTreeMap<usize, Vec<Finding>>,
    reread: &Reread,
    base: TimeBase,
    lang: Lang,
) {
    let (calls, partial) = detailed.into_list();
    for b in &calls {
        let mut findings = b.findings.clone();
        if let Some(more) = late.get(&b.call.number) {
            findings.extend(more.iter().cloned());
            voipscope_analysis::diagnose::sort(&mut findings);
        }
        let c = &b.call;
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
<dt>setup / answer</dt><dd>{} / {}</dd><dt>talk</dt><dd>{}</dd></dl>",
            esc(&c.call_id),
            esc(&c.caller.to_string()),
            esc(c.caller_user_agent.as_deref().unwrap_or("")),
            esc(&c.callee.to_string()),
            esc(c.callee_user_agent.as_deref().unwrap_or("")),
            esc(&c.request_uri),
            esc(&status(c.final_status, &c.final_reason).unwrap_or_else(|| "none".to_string())),
            opt_unit(c.setup_ns.map(voipscope_wire::timefmt::ms), 0, "ms"),
            opt_unit(c.answer_ns.map(voipscope_wire::timefmt::ms), 0, "ms"),
            opt_unit(crate::json::talk_s(c), 1, "s"),
        );
        let mine: Vec<&Finding> = findings.iter().collect();
        findings_block(out, &mine, lang);
        let shown: Vec<(u64, &String)> = c
            .messages
            .iter()
            .filter_map(|m| reread.messages.get(&m.frame).map(|t| (m.frame, t)))
            .collect();
        let _ = writeln!(
            out,
            "<h3>Call flow</h3><div class=\"figure{}\">{}</div>",
            if shown.is_empty() { "" } else { " ladder" },
            inline_svg(&ladder::svg::render(&ladder::of_call(c, base)))
        );
        if !shown.is_empty() {
            out.push_str(
                "<p class=\"note\">Click an arrow to read its message.</p><div class=\"sip-messages\">",
            );
            for (frame, text) in shown {
                let _ = write!(
                    out,
                    "<pre class=\"sip\" data-frame=\"{frame}\" hidden>frame {frame}\n{}</pre>",
                    // line by line: the escape turns control characters, line ends too, to `?`
                    text.lines().map(esc).collect::<Vec<_>>().join("\n")
                );
            }
            out.push_str("</div>\n");
        }
        out.push_str("<h3>Media</h3>\n");
        if let Some(seconds) = reread.audio.get(&c.number) {
            let _ = writeln!(
                out,
                "<p><audio controls preload=\"none\" src=\"audio/call-{n}.wav\"></audio></p>\
<p class=\"note\">Listen ({seconds:.1} s): the caller on the left, the callee on the right, lost packets as silence. \
Each stream alone is in <code>audio/call-{n}-stream-N.wav</code>.</p>",
                n = c.number
            );
        }
        if b.streams.is_empty() {
            out.push_str("<p class=\"note\">No RTP of this call in the capture.</p>\n");
        } else {
            stream_table(out, &b.streams);
            stream_plots(out, &b.streams, base);
        }
        out.push_str("</section>\n");
    }
    if partial {
        let _ = writeln!(
            out,
            "<p class=\"note\">These are the {MAX_DETAILED_CALLS} worst of {total} calls; the others are in \
the table above, in calls.csv and in ladders/; their details are left out of this page to keep it small.</p>"
        );
    } else if total > MAX_DETAILED_CALLS {
        let _ = writeln!(
            out,
            "<p class=\"note\">Calls after the first {MAX_DETAILED_CALLS} are in the table above, \
in calls.csv and in ladders/; their details are left out of this page to keep it small.</p>"
        );
    }
}

fn unassociated(out: &mut String, streams: &[RtpStream], total: usize, base: TimeBase) {
    if streams.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"unassociated\"><h2>Streams of no captured call</h2>\n\
<p class=\"note\">No SDP in the capture named these endpoints; they were found by the RTP heuristic.</p>\n",
    );
    if total > streams.len() {
        let _ = writeln!(
            out,
            "<p class=\"note\">The first {} of {total}; all are in streams.csv.</p>",
            streams.len()
        );
    }
    stream_table(out, streams);
    stream_plots(out, streams.iter().take(MAX_DETAILED_STREAMS), base);
    out.push_str("</section>\n");
}

fn anomalies(out: &mut String, anomalies: &[voipscope_wire::anomaly::Anomaly]) {
    if anomalies.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"anomalies\"><h2>Anomalies</h2><table class=\"sortable\"><thead><tr>\
<th>frame</th><th>kind</th><th>detail</th></tr></thead><tbody>\n",
    );
    for an in anomalies.iter().take(200) {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            an.frame,
            esc(&format!("{:?}", an.kind)),
            esc(&crate::anomaly::text(&an.detail))
        );
    }
    out.push_str("</tbody></table></section>\n");
}

/// The page of an analysis held in memory.
pub fn index(a: &Analysis, lang: Lang) -> String {
    let base = a.capture.time_base;
    let mut page = Page::new(lang, base);
    for c in &a.calls {
        let streams: Vec<RtpStream> = crate::csv::streams_of(a, c).into_iter().cloned().collect();
        let findings = a
            .findings
            .iter()
            .filter(|f| f.call_number == Some(c.number))
            .cloned()
            .collect();
        page.add_call(&CallBundle {
            call: c.clone(),
            streams,
            flows: Vec::new(),
            findings,
        });
    }
    for (i, r) in a.registrations.iter().enumerate() {
        page.add_registration(i as u64, r);
    }
    for s in a.streams.iter().filter(|s| s.call_id.is_none()) {
        page.add_stream(s);
    }
    for f in a.findings.iter().filter(|f| f.call_number.is_none()) {
        page.add_finding(f);
    }
    page.render(&Summary {
        capture: a.capture.clone(),
        sip: a.sip.clone(),
        media: a.media.clone(),
        anomalies: a.anomalies.clone(),
    })
}
