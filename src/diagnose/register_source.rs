//! Rule 3: a REGISTER and an INVITE of the same account sent to the same server from different
//! source address:port. Providers that accept calls only from the registered binding answer
//! such an INVITE with 403.

use super::{host_ip, txt, Finding, Severity};
use crate::sip::status::Lang;
use crate::Analysis;

pub fn run(a: &Analysis, lang: Lang, out: &mut Vec<Finding>) {
    for c in &a.calls {
        let Some(u) = c.from.user.as_deref() else {
            continue;
        };
        for r in &a.registrations {
            if r.user.as_deref() != Some(u)
                || r.state != crate::sip::RegistrationState::Registered
                || host_ip(&r.registrar) != host_ip(&c.callee)
                || r.source == c.caller
            {
                continue;
            }
            let rejected = c.final_status == Some(403);
            let register = r.messages.first().map(|m| m.frame);
            let invite = super::frames_of(c, "INVITE").into_iter().next();
            out.push(
                Finding::new(
                    "register-invite-source-differs",
                    if rejected { Severity::Error } else { Severity::Warning },
                )
                .call(c)
                .text(
                    txt!(
                        lang,
                        format!("{u} registered from {} but calls from {}", r.source, c.caller),
                        format!("{u} registrierte sich von {} aus, ruft aber von {} an", r.source, c.caller)
                    ),
                    txt!(
                        lang,
                        format!(
                            "The registration went from {} and the INVITE from {}, both to {}. Many providers accept calls only from the registered address and port{}.",
                            r.source,
                            c.caller,
                            r.registrar,
                            if rejected { "; this one answered 403" } else { "" }
                        ),
                        format!(
                            "Die Registrierung kam von {}, das INVITE von {}, beide an {}. Viele Provider nehmen Anrufe nur von registrierter Adresse und Port an{}.",
                            r.source,
                            c.caller,
                            r.registrar,
                            if rejected { "; dieser antwortete 403" } else { "" }
                        )
                    ),
                    txt!(
                        lang,
                        "Send REGISTER and INVITE from the same socket (one SIP port, no separate outbound interface); keep the NAT binding alive.".to_string(),
                        "REGISTER und INVITE vom selben Socket senden (ein SIP-Port, keine getrennte Ausgangsschnittstelle); die NAT-Bindung aufrechterhalten.".to_string()
                    ),
                )
                .evidence(register.into_iter().chain(invite)),
            );
        }
    }
}
