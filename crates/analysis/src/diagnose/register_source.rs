//! Rule 3: a REGISTER and an INVITE of the same account sent to the same server from different
//! source address:port. Providers that accept calls only from the registered binding answer
//! such an INVITE with 403.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use super::{txt, Ctx, Finding, Severity};
use voipscope_sip::Method;
use voipscope_sip::{Call, Registration};

/// Sources kept per account and registrar; a device with more is not one device.
pub const MAX_SOURCES: usize = 16;
/// Accounts remembered; beyond this the oldest are forgotten.
pub const MAX_ACCOUNTS: usize = 100_000;

/// A successful registration of an account at a registrar: the first one, and every source
/// address:port registrations of it came from.
#[derive(Clone, Debug)]
pub struct Binding {
    pub source: SocketAddr,
    pub registrar: SocketAddr,
    /// The first message of the registration that made it.
    pub first_frame: Option<u64>,
    pub sources: Vec<SocketAddr>,
    /// When it was added, for forgetting the oldest.
    added: u64,
}

/// Successful registrations by (account, registrar host).
#[derive(Debug, Default)]
pub struct Registry {
    by_account: HashMap<(String, IpAddr), Binding>,
    added: u64,
}

impl Registry {
    /// Notes a registration, if it ended registered.
    pub fn add(&mut self, r: &Registration) {
        if r.state != voipscope_sip::RegistrationState::Registered {
            return;
        }
        let Some(user) = r.user.as_deref() else {
            return;
        };
        self.add_binding(
            user,
            r.source,
            r.registrar,
            r.messages.first().map(|m| m.frame),
        );
    }

    /// Notes that `user` registered from `source` at `registrar`.
    pub fn add_binding(
        &mut self,
        user: &str,
        source: SocketAddr,
        registrar: SocketAddr,
        first_frame: Option<u64>,
    ) {
        self.added += 1;
        let added = self.added;
        if self.by_account.len() >= MAX_ACCOUNTS {
            // forget the older half: accounts are this many only in captures of whole
            // networks, and the recent ones are those calls still compare with
            let keep_after = added.saturating_sub(MAX_ACCOUNTS as u64 / 2);
            self.by_account.retain(|_, b| b.added > keep_after);
        }
        let b = self
            .by_account
            .entry((user.to_string(), registrar.ip()))
            .or_insert_with(|| Binding {
                source,
                registrar,
                first_frame,
                sources: Vec::new(),
                added,
            });
        b.added = added;
        if !b.sources.contains(&source) && b.sources.len() < MAX_SOURCES {
            b.sources.push(source);
        }
    }

    fn get(&self, user: &str, registrar: IpAddr) -> Option<&Binding> {
        self.by_account.get(&(user.to_string(), registrar))
    }
}

pub fn call(c: &Call, registry: &Registry, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    {
        let Some(u) = c.from.user() else {
            return;
        };
        // a registration from the caller's own address:port makes the call fine
        if let Some(r) = registry.get(u, c.callee.ip()) {
            if r.sources.contains(&c.caller) {
                return;
            }
            let rejected = c.final_status == Some(403);
            let register = r.first_frame;
            let invite = super::frames_of_method(c, Method::Invite)
                .into_iter()
                .next();
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
