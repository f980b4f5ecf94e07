//! The `voipscope calls` tables: every call and registration on one line each, with the status
//! catalog's plain-language reading of each failure underneath.

use std::fmt::Write;

use crate::sip::status::{self, Lang};
use crate::sip::{Call, CallState};
use crate::Analysis;

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
pub(crate) fn party(p: &crate::sip::message::Party) -> String {
    p.user
        .as_deref()
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

/// Why a call that did not connect ended as it did, from the catalog and the call's headers.
pub fn why(c: &Call, lang: Lang) -> Vec<String> {
    let mut lines = Vec::new();
    match c.state {
        CallState::Rejected => {
            if let Some(code) = c.final_status {
                let e = status::explain(code, lang);
                lines.push(format!("{code} {}: {}", e.phrase, e.for_call));
                if !e.causes.is_empty() {
                    let label = match lang {
                        Lang::En => "Usual causes",
                        Lang::De => "Übliche Ursachen",
                    };
                    lines.push(format!("{label}: {}", e.causes));
                }
            }
        }
        CallState::Cancelled => lines.push(match lang {
            Lang::En => "The caller hung up before the call was answered (CANCEL, 487).".into(),
            Lang::De => {
                "Der Anrufer hat aufgelegt, bevor angenommen wurde (CANCEL, 487).".into()
            }
        }),
        CallState::Unanswered => lines.push(match lang {
            Lang::En => {
                "No final response in the capture: the callee or a server never answered, or the capture ended first."
                    .into()
            }
            Lang::De => {
                "Keine endgültige Antwort in der Aufzeichnung: Angerufener oder Server hat nie geantwortet, oder die Aufzeichnung endete vorher."
                    .into()
            }
        }),
        CallState::Completed | CallState::InCall => {}
    }
    for r in &c.reason {
        let mut line = format!("Reason: {}", r.protocol);
        if let Some(cause) = r.cause {
            let _ = write!(line, " cause {cause}");
        }
        if let Some(t) = &r.text {
            let _ = write!(line, " \"{t}\"");
        }
        lines.push(line);
    }
    if let Some(w) = &c.warning {
        lines.push(format!("Warning: {} \"{}\"", w.code, w.text));
    }
    lines
}

pub fn table(a: &Analysis, lang: Lang) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} calls, {} registrations",
        a.capture.file,
        a.calls.len(),
        a.registrations.len()
    );
    if !a.calls.is_empty() {
        let _ = writeln!(
            s,
            "\n{:>3}  {:<11} {:<22} {:<15} {:<15} {:>9} {:>7} {:>8}",
            "#", "state", "final", "from", "to", "start s", "setup s", "talk s"
        );
        for c in &a.calls {
            let _ = writeln!(
                s,
                "{:>3}  {:<11} {:<22} {:<15} {:<15} {:>9.3} {:>7} {:>8}",
                c.number,
                c.state.as_str(),
                cut(&status_text(c.final_status, &c.final_reason), 22),
                cut(&party(&c.from), 15),
                cut(&party(&c.to), 15),
                c.start_s,
                opt(c.setup_time_ms.map(|m| m / 1e3), 2),
                opt(c.talk_duration_s, 1),
            );
            let _ = writeln!(
                s,
                "     {} -> {}  {}  Call-ID {}",
                c.caller,
                c.callee,
                c.transport,
                cut(&c.call_id, 48)
            );
            for line in why(c, lang) {
                let _ = writeln!(s, "     {}", cut(&line, 300));
            }
        }
    }
    if !a.registrations.is_empty() {
        let _ = writeln!(
            s,
            "\n{:>3}  {:<15} {:<22} {:<34} {:>4} {:>4} {:>7}",
            "#", "state", "final", "address of record", "try", "auth", "expires"
        );
        for (i, r) in a.registrations.iter().enumerate() {
            let _ = writeln!(
                s,
                "{:>3}  {:<15} {:<22} {:<34} {:>4} {:>4} {:>7}",
                i + 1,
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
        }
    }
    let o = &a.other_sip;
    let keepalive_requests: u64 = o.keepalives.iter().map(|k| k.requests).sum();
    if keepalive_requests > 0
        || !o.subscriptions.is_empty()
        || !o.requests.is_empty()
        || !o.unmatched.is_empty()
    {
        let _ = writeln!(
            s,
            "\nother SIP: {} OPTIONS on {} paths, {} subscriptions, {} MESSAGE/PUBLISH, {} Call-IDs whose start was not captured",
            keepalive_requests,
            o.keepalives.len(),
            o.subscriptions.len(),
            o.requests.len(),
            o.unmatched.len()
        );
    }
    s
}
