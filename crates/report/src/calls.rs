//! The `voipscope calls` tables: every call and registration on one line each, with the status
//! catalog's plain-language reading of each failure underneath.

use std::fmt::Write;

use voipscope_analysis::Analysis;
use voipscope_sip::status::{self, Lang};
use voipscope_sip::{Call, Registration};
use voipscope_wire::timefmt::TimeBase;

fn cut(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let mut t: String = clean.chars().take(max.saturating_sub(1)).collect();
        t.push('~');
        t
    }
}

/// How a party is named in tables: user, else display name, else URI.
pub(crate) fn party(p: &voipscope_sip::message::Party) -> String {
    p.user()
        .or(p.display_name.as_deref())
        .unwrap_or(&p.uri)
        .to_string()
}

/// `486 Busy Here`, `486`, or `None` without a status.
pub(crate) fn status(code: Option<u16>, reason: &Option<String>) -> Option<String> {
    match (code, reason) {
        (Some(c), Some(r)) => Some(format!("{c} {r}")),
        (Some(c), None) => Some(c.to_string()),
        (None, _) => None,
    }
}

fn status_text(code: Option<u16>, reason: &Option<String>) -> String {
    status(code, reason).unwrap_or_else(|| "-".to_string())
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.digits$}"))
}

/// The column header of the call table, after a blank line.
pub fn call_header() -> String {
    format!(
        "\n{:>3}  {:<11} {:<22} {:<15} {:<15} {:>9} {:>7} {:>8}\n",
        "#", "state", "final", "from", "to", "start s", "setup s", "talk s"
    )
}

/// One call's lines in the call table.
pub fn call_lines(c: &Call, lang: Lang, base: TimeBase) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>3}  {:<11} {:<22} {:<15} {:<15} {:>9.3} {:>7} {:>8}",
        c.number,
        c.state.as_str(),
        cut(&status_text(c.final_status, &c.final_reason), 22),
        cut(&party(&c.from), 15),
        cut(&party(&c.to), 15),
        base.s(c.start_ns),
        opt(c.setup_ns.map(|m| voipscope_wire::timefmt::ms(m) / 1e3), 2),
        opt(crate::json::talk_s(c), 1),
    );
    let _ = writeln!(
        s,
        "     {} -> {}  {}  Call-ID {}",
        c.caller,
        c.callee,
        c.transport,
        cut(&c.call_id, 48)
    );
    for line in voipscope_analysis::diagnose::outcome::lines(c, lang) {
        let _ = writeln!(s, "     {}", cut(&line, 300));
    }
    s
}

/// The column header of the registration table, after a blank line.
pub fn registration_header() -> String {
    format!(
        "\n{:>3}  {:<15} {:<22} {:<34} {:>4} {:>4} {:>7}\n",
        "#", "state", "final", "address of record", "try", "auth", "expires"
    )
}

/// One registration's lines in the registration table; `number` counts from 1.
pub fn registration_lines(number: usize, r: &Registration, lang: Lang) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>3}  {:<15} {:<22} {:<34} {:>4} {:>4} {:>7}",
        number,
        r.state.as_str(),
        cut(&status_text(r.final_status, &r.final_reason), 22),
        cut(&r.aor, 34),
        r.attempts,
        r.challenges,
        r.expires.map_or_else(|| "-".into(), |e| e.to_string()),
    );
    let _ = writeln!(
        s,
        "     from {} to {}  {}",
        r.source,
        r.registrar,
        cut(r.user_agent.as_deref().unwrap_or(""), 50)
    );
    if let Some(code) = r.final_status.filter(|c| *c >= 300) {
        let e = status::explain(code, lang);
        let _ = writeln!(s, "     {code} {}: {}", e.phrase, cut(&e.causes, 300));
    }
    s
}

/// Counts of the SIP that is neither a call nor a registration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OtherCounts {
    pub keepalive_requests: u64,
    pub keepalive_paths: usize,
    pub subscriptions: usize,
    pub requests: usize,
    pub unmatched: usize,
}

impl OtherCounts {
    pub fn of(o: &voipscope_sip::OtherSip) -> OtherCounts {
        OtherCounts {
            keepalive_requests: o.keepalives.iter().map(|k| k.requests).sum(),
            keepalive_paths: o.keepalives.len(),
            subscriptions: o.subscriptions.len(),
            requests: o.requests.len(),
            unmatched: o.unmatched.len(),
        }
    }

    /// The line the call table ends with, when there is other SIP.
    pub fn line(&self) -> Option<String> {
        (self.keepalive_requests > 0
            || self.subscriptions > 0
            || self.requests > 0
            || self.unmatched > 0)
            .then(|| {
                format!(
                    "\nother SIP: {} OPTIONS on {} paths, {} subscriptions, {} MESSAGE/PUBLISH, {} Call-IDs whose start was not captured\n",
                    self.keepalive_requests,
                    self.keepalive_paths,
                    self.subscriptions,
                    self.requests,
                    self.unmatched
                )
            })
    }
}

/// The first line of the table: the capture and how many calls and registrations it holds.
pub fn title(file: &str, calls: usize, registrations: usize) -> String {
    use crate::text::counted;
    format!(
        "{file}: {}, {}\n",
        counted(calls as u64, "call", "calls"),
        counted(registrations as u64, "registration", "registrations")
    )
}

pub fn table(a: &Analysis, lang: Lang) -> String {
    let mut s = title(&a.capture.file, a.calls.len(), a.registrations.len());
    if !a.calls.is_empty() {
        s.push_str(&call_header());
        for c in &a.calls {
            s.push_str(&call_lines(c, lang, a.capture.time_base));
        }
    }
    if !a.registrations.is_empty() {
        s.push_str(&registration_header());
        for (i, r) in a.registrations.iter().enumerate() {
            s.push_str(&registration_lines(i + 1, r, lang));
        }
    }
    if let Some(line) = OtherCounts::of(&a.other_sip).line() {
        s.push_str(&line);
    }
    s
}
