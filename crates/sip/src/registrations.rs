//! Registrations: a Call-ID with REGISTER (and no INVITE). The address of record, contact,
//! granted expiry, attempts and digest challenges, and the outcome of the last attempt.

use std::net::SocketAddr;

use serde::Serialize;

use super::calls::{message_ref, MessageRef};
use super::CallIdLog;
use voipscope_wire::decode::SipTransport;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegistrationState {
    /// The last final response was 2xx.
    Registered,
    /// The last final response was a 2xx to a REGISTER that removed the binding (expires 0).
    Unregistered,
    /// The last final response was >= 300.
    RegisterFailed,
    /// No final response.
    Unanswered,
}

impl RegistrationState {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationState::Registered => "registered",
            RegistrationState::Unregistered => "unregistered",
            RegistrationState::RegisterFailed => "register-failed",
            RegistrationState::Unanswered => "unanswered",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Registration {
    pub call_id: String,
    /// Address of record: the To URI.
    pub aor: String,
    pub user: Option<String>,
    pub contact: Option<String>,
    /// The expiry the registrar granted (2xx Contact `expires` or Expires), else the requested one.
    pub expires: Option<u32>,
    /// The last REGISTER asked to remove the binding (expires 0 or `Contact: *`).
    pub unregister: bool,
    pub state: RegistrationState,
    pub final_status: Option<u16>,
    pub final_reason: Option<String>,
    /// REGISTER requests, retransmissions excluded.
    pub attempts: u32,
    /// 401/407 responses.
    pub challenges: u32,
    /// A challenge said the nonce was stale (RFC 2617), i.e. credentials were right but old.
    pub stale_nonce: bool,
    /// The user name of the credentials sent, if any.
    pub auth_user: Option<String>,
    /// Source address:port of the first REGISTER as seen in the packet.
    pub source: SocketAddr,
    /// Sent-by of the first REGISTER's top Via: where the phone says it is.
    pub via: Option<String>,
    pub registrar: SocketAddr,
    pub user_agent: Option<String>,
    pub transport: SipTransport,
    /// The first and last message of the Call-ID.
    pub start_ns: i64,
    pub end_ns: i64,
    pub retransmissions: u32,
    pub messages: Vec<MessageRef>,
}

pub fn build(log: CallIdLog) -> Option<Registration> {
    let entries = &log.entries;
    let first = entries
        .iter()
        .find(|e| e.msg.method() == Some("REGISTER"))
        .map(|e| &e.msg)?;
    let mut attempts = 0;
    let mut challenges = 0;
    let mut stale_nonce = false;
    let mut retransmissions = 0;
    let mut last_final = None;
    let mut last_register = first;
    let mut auth_user = None;
    let mut granted = None;
    for e in entries {
        let m = &e.msg;
        if e.is_repeat() {
            retransmissions += u32::from(e.retransmission);
            continue;
        }
        if m.method() == Some("REGISTER") {
            attempts += 1;
            last_register = m;
            if let Some(c) = &m.rare().credentials {
                auth_user = c.username.clone().or(auth_user);
            }
        }
        if m.cseq_method != "REGISTER" {
            continue;
        }
        if let Some(code) = m.status().filter(|c| *c >= 200) {
            if code == 401 || code == 407 {
                challenges += 1;
                stale_nonce |= m.rare().challenge.as_ref().is_some_and(|c| c.stale);
            }
            if (200..300).contains(&code) {
                // The registrar lists every binding of the AOR; ours is the one we asked for.
                let ours = last_register.contact.as_deref();
                let mine = m
                    .rare()
                    .contacts
                    .iter()
                    .find(|(uri, _)| Some(uri.as_str()) == ours)
                    .and_then(|(_, e)| *e);
                granted = mine.or(m.expires).or(m.contact_expires);
            }
            last_final = Some(m);
        }
    }
    let final_status = last_final.and_then(|m| m.status());
    let requested = last_register.contact_expires.or(last_register.expires);
    let unregister = requested == Some(0);
    let state = match final_status {
        None => RegistrationState::Unanswered,
        Some(c) if (200..300).contains(&c) && (unregister || granted == Some(0)) => {
            RegistrationState::Unregistered
        }
        Some(c) if (200..300).contains(&c) => RegistrationState::Registered,
        Some(_) => RegistrationState::RegisterFailed,
    };
    let last_ts = entries
        .iter()
        .map(|e| e.msg.ts_ns)
        .max()
        .unwrap_or(first.ts_ns);
    let mut registration = Registration {
        call_id: log.call_id.clone(),
        aor: first.to.uri.to_string(),
        user: first.to.user().map(str::to_string),
        contact: last_register.contact.as_ref().map(|c| c.to_string()),
        expires: if unregister {
            Some(0)
        } else {
            granted.or(requested)
        },
        unregister,
        state,
        final_status,
        final_reason: last_final.and_then(|m| m.reason_phrase().map(str::to_string)),
        attempts,
        challenges,
        stale_nonce,
        auth_user,
        source: first.src,
        via: first.via.as_ref().map(|v| v.sent_by.to_string()),
        registrar: first.dst,
        user_agent: first.software().map(str::to_string),
        transport: first.transport,
        start_ns: entries[0].msg.ts_ns,
        end_ns: last_ts,
        retransmissions,
        messages: Vec::new(),
    };
    registration.messages = log.entries.into_iter().map(message_ref).collect();
    Some(registration)
}
