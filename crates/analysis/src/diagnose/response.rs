//! Rule 1: every call or registration that ended on an error response, explained from the
//! status code catalog in its context: who answered it, after how long, what the Reason and
//! Warning headers said, what the code usually means and what to check. Cancelled calls get
//! the plain cause too (the caller gave up), and unanswered ones when no timeout rule says more.

use super::{txt, Ctx, Finding, Severity};
use voipscope_sip::calls::MessageRef;
use voipscope_sip::status;
use voipscope_sip::Method;
use voipscope_sip::{Call, CallState, Registration, RegistrationState};

fn first_invite(msgs: &[MessageRef]) -> Option<&MessageRef> {
    msgs.iter().find(|m| m.method == Some(Method::Invite))
}

pub fn call(c: &Call, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    {
        match c.state {
            CallState::Rejected => {
                let Some(code) = c.final_status else { return };
                let e = status::explain(code, lang);
                let fin = c
                    .messages
                    .iter()
                    .rfind(|m| m.status == Some(code) && m.cseq.method == Method::Invite);
                let invite = first_invite(&c.messages);
                let after = match (fin, invite) {
                    (Some(f), Some(i)) => ctx.base.s(f.ts_ns) - ctx.base.s(i.ts_ns),
                    _ => 0.0,
                };
                let who = fin.map_or_else(|| c.callee.to_string(), |f| f.src.to_string());
                let mut explanation = txt!(
                    lang,
                    format!(
                        "{who} answered the INVITE with {code} {} after {after:.3} s. {} {}",
                        c.final_reason.as_deref().unwrap_or(&e.phrase),
                        e.for_call,
                        e.class
                    ),
                    format!(
                        "{who} beantwortete das INVITE nach {after:.3} s mit {code} {}. {} {}",
                        c.final_reason.as_deref().unwrap_or(&e.phrase),
                        e.for_call,
                        e.class
                    )
                );
                for r in &c.reason {
                    explanation.push_str(&format!(
                        " Reason: {}{}{}{}.",
                        r.protocol,
                        r.cause.map(|c| format!(" cause={c}")).unwrap_or_default(),
                        r.text
                            .as_ref()
                            .map(|t| format!(" \"{t}\""))
                            .unwrap_or_default(),
                        voipscope_sip::q850::of_reason(r, lang)
                            .map(|m| format!(" ({m})"))
                            .unwrap_or_default()
                    ));
                }
                if let Some(w) = &c.warning {
                    explanation.push_str(&format!(" Warning: {} \"{}\".", w.code, w.text));
                }
                let suggestion = if e.causes.is_empty() {
                    txt!(
                        lang,
                        "Look up the code in the answering server's documentation and its logs for this Call-ID.".to_string(),
                        "Den Code in der Dokumentation des antwortenden Servers und dessen Logs zu dieser Call-ID nachschlagen.".to_string()
                    )
                } else {
                    txt!(
                        lang,
                        format!("the usual causes: {}", e.causes),
                        format!("die üblichen Ursachen: {}", e.causes)
                    )
                };
                let severity = if code < 400 {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                out.push(
                    Finding::new("final-error-response", severity)
                        .call(c)
                        .text(
                            txt!(
                                lang,
                                format!("Rejected with {code} {}", e.phrase),
                                format!("Abgelehnt mit {code} {}", e.phrase)
                            ),
                            explanation,
                            suggestion,
                        )
                        .evidence(
                            fin.map(|f| f.frame)
                                .into_iter()
                                .chain(invite.map(|i| i.frame)),
                        ),
                );
            }
            CallState::Cancelled => {
                let cancel = c.messages.iter().find(|m| m.method == Some(Method::Cancel));
                let ringing = c
                    .messages
                    .iter()
                    .find(|m| m.status.is_some_and(|s| (180..190).contains(&s)));
                let invite = first_invite(&c.messages);
                let rang = match (cancel, ringing) {
                    (Some(x), Some(r)) => ctx.base.s(x.ts_ns) - ctx.base.s(r.ts_ns),
                    _ => 0.0,
                };
                let waited = match (cancel, invite) {
                    (Some(x), Some(i)) => ctx.base.s(x.ts_ns) - ctx.base.s(i.ts_ns),
                    _ => 0.0,
                };
                out.push(
                    Finding::new("cancelled-by-caller", Severity::Info)
                        .call(c)
                        .text(
                            txt!(
                                lang,
                                "The caller hung up before the answer".to_string(),
                                "Der Anrufer legte vor der Annahme auf".to_string()
                            ),
                            txt!(
                                lang,
                                format!(
                                    "The caller sent CANCEL {waited:.1} s after the INVITE{}; the callee ended the INVITE with 487. Nobody rejected the call: it was not answered in time.",
                                    if ringing.is_some() { format!(", after {rang:.1} s of ringing") } else { String::new() }
                                ),
                                format!(
                                    "Der Anrufer schickte {waited:.1} s nach dem INVITE ein CANCEL{}; der Angerufene beendete das INVITE mit 487. Niemand hat abgelehnt: der Anruf wurde nicht rechtzeitig angenommen.",
                                    if ringing.is_some() { format!(", nach {rang:.1} s Klingeln") } else { String::new() }
                                )
                            ),
                            txt!(
                                lang,
                                "If callers give up because it rings too long, check call forwarding on no answer and the ring timeout.".to_string(),
                                "Wenn Anrufer aufgeben, weil es zu lange klingelt: Rufumleitung bei Nichtmelden und die Klingelzeit prüfen.".to_string()
                            ),
                        )
                        .evidence(
                            cancel
                                .map(|x| x.frame)
                                .into_iter()
                                .chain(invite.map(|i| i.frame))
                                .chain(super::frames_of_status(c, 487)),
                        ),
                );
            }
            _ => {}
        }
    }
}

pub fn registration(r: &Registration, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    {
        if r.state != RegistrationState::RegisterFailed {
            return;
        }
        let Some(code) = r.final_status else { return };
        // 401/403 after credentials are the authentication rule's
        if matches!(code, 401 | 403 | 407) {
            return;
        }
        let e = status::explain(code, lang);
        let fin = r.messages.iter().rfind(|m| m.status == Some(code));
        let f = Finding::new("register-error-response", Severity::Error)
            .registration(r)
            .text(
                txt!(
                    lang,
                    format!(
                        "Registration of {} rejected with {code} {}",
                        r.aor, e.phrase
                    ),
                    format!(
                        "Registrierung von {} mit {code} {} abgelehnt",
                        r.aor, e.phrase
                    )
                ),
                format!("{} {}", e.meaning, e.class),
                e.causes.clone(),
            );
        out.push(f.evidence(fin.map(|m| m.frame)));
    }
}
