//! Rule 4: a second call of an account rejected (606, 486, 488, 403) while another call of it
//! is up: the line or trunk allows one call at a time.
//!
//! The rule compares a call with the account's answered calls that started no later than it:
//! the one lasting longest must still have been up when it started. [`History`] answers that
//! for calls held in memory; the streaming analysis keeps the same facts per account while
//! calls are live ([`Answered`]).

use std::collections::HashMap;

use super::{txt, Ctx, Finding, Severity};
use voipscope_sip::{Call, CallState};

/// Whether a call is one this rule judges: rejected with one of its codes, from an account.
pub fn judged(c: &Call) -> Option<&str> {
    let u = c.from.user()?;
    (c.state == CallState::Rejected && matches!(c.final_status, Some(606 | 486 | 488 | 403)))
        .then_some(u)
}

/// The accounts a call belongs to: its caller's and its callee's user.
pub fn accounts(c: &Call) -> impl Iterator<Item = &str> {
    [c.from.user(), c.to.user()].into_iter().flatten()
}

/// What the rule needs of an answered call.
#[derive(Clone, Debug, PartialEq)]
pub struct Answered {
    pub number: usize,
    pub start_ns: i64,
    pub end_ns: i64,
    /// The frame of its 2xx.
    pub answer_frame: Option<u64>,
}

impl Answered {
    pub fn of(c: &Call) -> Option<Answered> {
        c.answered().then(|| Answered {
            number: c.number,
            start_ns: c.start_ns,
            end_ns: c.end_ns,
            answer_frame: c.answer().map(|m| m.frame),
        })
    }
}

/// Of answered calls that started no later than `c` (in order of start, then number), the one
/// lasting longest, if it was still up when `c` started.
pub fn pick<'a>(
    c: &Call,
    candidates: impl IntoIterator<Item = &'a Answered>,
    ctx: Ctx,
) -> Option<Answered> {
    let start = ctx.base.s(c.start_ns);
    let mut sorted: Vec<&Answered> = candidates
        .into_iter()
        .filter(|o| ctx.base.s(o.start_ns) <= start)
        .collect();
    sorted.sort_by(|x, y| {
        ctx.base
            .s(x.start_ns)
            .total_cmp(&ctx.base.s(y.start_ns))
            .then(x.number.cmp(&y.number))
    });
    let mut latest: Option<&Answered> = None;
    for o in sorted {
        if latest.is_none_or(|l| ctx.base.s(l.end_ns) < ctx.base.s(o.end_ns)) {
            latest = Some(o);
        }
    }
    let o = latest?;
    (ctx.base.s(o.end_ns) >= start && o.number != c.number).then(|| o.clone())
}

/// Answered calls of each account, for calls held in memory.
pub struct History {
    by_account: HashMap<String, Vec<Answered>>,
}

impl History {
    pub fn of(calls: &[crate::correlate::CallRecord]) -> History {
        let mut by_account: HashMap<String, Vec<Answered>> = HashMap::new();
        for c in calls {
            let Some(a) = Answered::of(c) else { continue };
            for u in accounts(c) {
                by_account.entry(u.to_string()).or_default().push(a.clone());
            }
        }
        History { by_account }
    }

    /// The answered call of `c`'s account that was up when `c` started, if `c` is judged.
    pub fn overlapping(&self, c: &Call, ctx: Ctx) -> Option<Answered> {
        let u = judged(c)?;
        pick(c, self.by_account.get(u)?.iter(), ctx)
    }
}

/// The finding for rejected call `c`, given the call `o` of its account that was up.
pub fn finding(c: &Call, o: &Answered, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    let Some(u) = judged(c) else { return };
    let code = c.final_status.unwrap_or(0);
    let (o_start, o_end, c_start) = (
        ctx.base.s(o.start_ns),
        ctx.base.s(o.end_ns),
        ctx.base.s(c.start_ns),
    );
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
                        "Call {} of the same account was in progress ({o_start:.1} s to {o_end:.1} s) when this call started at {c_start:.1} s and got {code}. Lines and trunks limited to one channel answer a second call this way.",
                        o.number
                    ),
                    format!(
                        "Anruf {} desselben Kontos lief ({o_start:.1} s bis {o_end:.1} s), als dieser Anruf bei {c_start:.1} s begann und {code} erhielt. Auf einen Kanal begrenzte Anschlüsse beantworten einen zweiten Anruf so.",
                        o.number
                    )
                ),
                txt!(
                    lang,
                    "Check how many simultaneous calls the line or trunk allows, and call waiting on the account.".to_string(),
                    "Prüfen, wie viele gleichzeitige Gespräche Anschluss oder Trunk erlauben, und das Anklopfen am Konto.".to_string()
                ),
            )
            .evidence(
                super::frames_of_status(c, code)
                    .into_iter()
                    .chain(o.answer_frame),
            ),
    );
}
