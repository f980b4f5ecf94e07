//! Rule 3: a REGISTER and an INVITE of the same account sent to the same server from different
//! source address:port. Providers that accept calls only from the registered binding answer
//! such an INVITE with 403.

use std::collections::{HashMap, HashSet};

use super::{host_ip, txt, Finding, Severity};
use crate::sip::status::Lang;
use crate::Analysis;

pub fn run(a: &Analysis, lang: Lang, out: &mut Vec<Finding>) {
    // successful registrations by (account, registrar host): the first one, and every source
    // they came from (indexed, so a capture of many calls and registrations stays linear)
    type Group<'a> = (&'a crate::sip::Registration, HashSet<&'a str>);
    let mut groups: HashMap<(&str, Option<std::net::IpAddr>), Group> = HashMap::new();
    for r in &a.registrations {
        let Some(u) = r.user.as_deref() else { continue };
        if r.state != crate::sip::RegistrationState::Registered {
            continue;
        }
        groups
            .entry((u, host_ip(&r.registrar)))
            .or_insert_with(|| (r, HashSet::new()))
            .1
            .insert(r.source.as_str());
    }
    if groups.is_empty() {
        return;
    }
    for c in &a.calls {
        let Some(u) = c.from.user.as_deref() else {
            continue;
        };
        // a registration from the caller's own address:port makes the call fine
        if let Some((r, sources)) = groups.get(&(u, host_ip(&c.callee))) {
            if sources.contains(c.caller.as_str()) {
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
