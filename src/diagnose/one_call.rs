//! Rule 4: a second call of an account rejected (606, 486, 488, 403) while another call of it
//! is up: the line or trunk allows one call at a time.

use super::{txt, Finding, Severity};
use crate::sip::status::Lang;
use crate::sip::{Call, CallState};
use crate::Analysis;

fn user(c: &Call) -> Option<&str> {
    c.from.user.as_deref()
}

pub fn run(a: &Analysis, lang: Lang, out: &mut Vec<Finding>) {
    for c in &a.calls {
        let Some(u) = user(c) else { continue };
        if c.state != CallState::Rejected || !matches!(c.final_status, Some(606 | 486 | 488 | 403))
        {
            continue;
        }
        let busy_with = a.calls.iter().find(|o| {
            o.number != c.number
                && matches!(o.state, CallState::Completed | CallState::InCall)
                && (user(o) == Some(u) || o.to.user.as_deref() == Some(u))
                && o.start_s <= c.start_s
                && c.start_s <= o.end_s
        });
        let Some(o) = busy_with else { continue };
        let code = c.final_status.unwrap_or(0);
        out.push(
            Finding::new("one-call-at-a-time", Severity::Warning)
                .call(c)
                .text(
                    txt!(
                        lang,
                        format!("Second call of {u} rejected while call {} was up", o.number),
                        format!("Zweiter Anruf von {u} abgelehnt, während Anruf {} bestand", o.number)
                    ),
                    txt!(
                        lang,
                        format!(
                            "Call {} of the same account was in progress ({:.1} s to {:.1} s) when this call started at {:.1} s and got {code}. Lines and trunks limited to one channel answer a second call this way.",
                            o.number, o.start_s, o.end_s, c.start_s
                        ),
                        format!(
                            "Anruf {} desselben Kontos lief ({:.1} s bis {:.1} s), als dieser Anruf bei {:.1} s begann und {code} erhielt. Auf einen Kanal begrenzte Anschlüsse beantworten einen zweiten Anruf so.",
                            o.number, o.start_s, o.end_s, c.start_s
                        )
                    ),
                    txt!(
                        lang,
                        "Check how many simultaneous calls the line or trunk allows, and call waiting on the account.".to_string(),
                        "Prüfen, wie viele gleichzeitige Gespräche Anschluss oder Trunk erlauben, und das Anklopfen am Konto.".to_string()
                    ),
                )
                .evidence(super::frames_of(c, &code.to_string()).into_iter().chain(
                    o.messages.iter().find(|m| m.status.is_some_and(|s| (200..300).contains(&s))).map(|m| m.frame),
                )),
        );
    }
}
