//! Rule 4: a second call of an account rejected (606, 486, 488, 403) while another call of it
//! is up: the line or trunk allows one call at a time.

use std::collections::HashMap;

use super::{txt, Finding, Severity};
use crate::sip::status::Lang;
use crate::sip::{Call, CallState};
use crate::Analysis;

fn user(c: &Call) -> Option<&str> {
    c.from.user.as_deref()
}

/// Answered calls of one account in order of start, with the running latest end (and whose it
/// is), so "was any of them up at time t" is one binary search.
struct Answered<'a> {
    starts: Vec<f64>,
    latest_end: Vec<(f64, &'a Call)>,
}

fn answered_by_account(a: &Analysis) -> HashMap<&str, Answered<'_>> {
    let mut lists: HashMap<&str, Vec<&Call>> = HashMap::new();
    for o in &a.calls {
        if !matches!(o.state, CallState::Completed | CallState::InCall) {
            continue;
        }
        for u in [user(o), o.to.user.as_deref()].into_iter().flatten() {
            lists.entry(u).or_default().push(o);
        }
    }
    lists
        .into_iter()
        .map(|(u, mut calls)| {
            calls.sort_by(|x, y| {
                x.start_s
                    .total_cmp(&y.start_s)
                    .then(x.number.cmp(&y.number))
            });
            let mut latest: Option<(f64, &Call)> = None;
            let latest_end = calls
                .iter()
                .map(|&o| {
                    let l = match latest {
                        Some((e, w)) if e >= o.end_s => (e, w),
                        _ => (o.end_s, o),
                    };
                    latest = Some(l);
                    l
                })
                .collect();
            let starts = calls.iter().map(|o| o.start_s).collect();
            (u, Answered { starts, latest_end })
        })
        .collect()
}

pub fn run(a: &Analysis, lang: Lang, out: &mut Vec<Finding>) {
    let mut index: Option<HashMap<&str, Answered<'_>>> = None;
    for c in &a.calls {
        let Some(u) = user(c) else { continue };
        if c.state != CallState::Rejected || !matches!(c.final_status, Some(606 | 486 | 488 | 403))
        {
            continue;
        }
        let index = index.get_or_insert_with(|| answered_by_account(a));
        let Some(list) = index.get(u) else { continue };
        // the answered calls that started no later than this one; the one lasting longest
        let n = list.starts.partition_point(|&s| s <= c.start_s);
        let Some(&(end, o)) = n.checked_sub(1).and_then(|i| list.latest_end.get(i)) else {
            continue;
        };
        if end < c.start_s || o.number == c.number {
            continue;
        }
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
