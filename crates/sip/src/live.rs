//! When a Call-ID's exchange is over: which transactions are open, how the call or
//! registration stands so far, and how long the Call-ID may stay quiet before it is finished.
//!
//! The timers follow RFC 3261's: a finished exchange lingers 5 s (beyond T2, the longest
//! retransmission interval, so late retransmissions still join it); an open non-INVITE
//! transaction times out after 32 s (Timer F, 64*T1); an INVITE may ring for 200 s (Timer C,
//! more than 3 minutes); a registration lasts its granted expiry. Times run on the analysis'
//! activity clock (capture time whose jumps count at most a few seconds), so a clock step or
//! a quiet night does not finish every Call-ID at once.

use compact_str::CompactString;
use smallvec::SmallVec;

use super::message::Message;

const S: i64 = 1_000_000_000;

/// A finished exchange stays open this long for retransmissions and stragglers.
pub const LINGER_NS: i64 = 5 * S;
/// An open non-INVITE transaction (and a Call-ID with nothing else to wait for).
pub const TRANSACTION_NS: i64 = 32 * S;
/// An INVITE still without a final response (Timer C is more than 3 minutes).
pub const INVITE_NS: i64 = 200 * S;
/// A call refused with 401/407 waits this long for the INVITE with credentials: phones that
/// ask their user for a password retry after tens of seconds.
pub const AUTH_WAIT_NS: i64 = 120 * S;
/// An answered call without a BYE, with no SIP and no media (hold without music, a lost BYE).
pub const ANSWERED_NS: i64 = 600 * S;
/// A subscription, or a dialog whose start was not captured, between requests.
pub const DIALOG_NS: i64 = 600 * S;
/// A registration is finished this long after its binding would expire without a refresh.
pub const REGISTRATION_MARGIN_NS: i64 = 32 * S;
/// The expiry assumed when a registration names none (RFC 3261's default).
pub const DEFAULT_EXPIRES_S: u32 = 3600;
/// Messages after which a registration's record is finished at its next complete exchange and
/// its refreshes continue in a new record, so a device that refreshes every minute all day
/// holds a bounded log.
pub const MAX_REGISTRATION_MESSAGES: usize = 64;

/// What a Call-ID is, by the requests it holds so far (the order of precedence is the
/// analysis': any INVITE makes a call).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Call,
    Registration,
    Subscription,
    Request,
    KeepAlive,
    Unmatched,
}

/// The state of one Call-ID's exchange.
#[derive(Clone, Debug)]
pub struct Progress {
    invite: bool,
    register: bool,
    subscribe: bool,
    message: bool,
    only_options: bool,
    /// Requests (CSeq number and method) without a final response yet.
    open: SmallVec<[(u32, CompactString); 2]>,
    answered: bool,
    /// The INVITE got a final response of 300 or more and no 2xx.
    failed: bool,
    /// That final response was a 401/407 challenge.
    challenged: bool,
    bye_done: bool,
    /// The expiry a registrar granted or a REGISTER asked for, last seen.
    expires: Option<u32>,
    /// Messages filed.
    messages: usize,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            invite: false,
            register: false,
            subscribe: false,
            message: false,
            only_options: true,
            open: SmallVec::new(),
            answered: false,
            failed: false,
            challenged: false,
            bye_done: false,
            expires: None,
            messages: 0,
        }
    }
}

impl Progress {
    /// Takes one filed message; `repeat` when it repeats an earlier one.
    pub fn note(&mut self, m: &Message, repeat: bool) {
        self.messages += 1;
        if m.cseq_method != "OPTIONS" {
            self.only_options = false;
        }
        match m.method() {
            Some(method) => {
                match method {
                    "INVITE" => self.invite = true,
                    "REGISTER" => {
                        self.register = true;
                        self.expires = m.contact_expires.or(m.expires).or(self.expires);
                    }
                    "SUBSCRIBE" | "NOTIFY" => self.subscribe = true,
                    "MESSAGE" | "PUBLISH" => self.message = true,
                    _ => {}
                }
                if !repeat && method != "ACK" && !self.is_open(m.cseq, method) {
                    self.open.push((m.cseq, CompactString::from(method)));
                }
            }
            None => {
                let code = m.status().unwrap_or(0);
                if code < 200 {
                    return;
                }
                self.open
                    .retain(|(cseq, method)| !(*cseq == m.cseq && *method == m.cseq_method));
                match m.cseq_method.as_str() {
                    "INVITE" if (200..300).contains(&code) => self.answered = true,
                    "INVITE" if !self.answered => {
                        self.failed = true;
                        self.challenged = matches!(code, 401 | 407);
                    }
                    "BYE" => self.bye_done = true,
                    "REGISTER" if (200..300).contains(&code) => {
                        self.expires = m.contact_expires.or(m.expires).or(self.expires);
                    }
                    _ => {}
                }
            }
        }
    }

    fn is_open(&self, cseq: u32, method: &str) -> bool {
        self.open.iter().any(|(c, m)| *c == cseq && m == method)
    }

    pub fn kind(&self) -> Kind {
        if self.invite {
            Kind::Call
        } else if self.register {
            Kind::Registration
        } else if self.subscribe {
            Kind::Subscription
        } else if self.message {
            Kind::Request
        } else if self.only_options && self.messages > 0 {
            Kind::KeepAlive
        } else {
            Kind::Unmatched
        }
    }

    /// Whether the exchange is complete: no transaction open, and a call ended (BYE answered,
    /// or refused without an answer).
    pub fn over(&self) -> bool {
        self.open.is_empty()
            && match self.kind() {
                Kind::Call => self.bye_done || (self.failed && !self.answered),
                _ => true,
            }
    }

    /// How long the Call-ID may stay quiet (no SIP, and for calls no media) before it is
    /// finished.
    pub fn quiet_limit(&self) -> i64 {
        let kind = self.kind();
        if self.open.iter().any(|(_, m)| m == "INVITE") {
            return INVITE_NS;
        }
        if !self.open.is_empty() {
            return TRANSACTION_NS;
        }
        match kind {
            Kind::Call if self.over() && self.challenged => AUTH_WAIT_NS,
            Kind::Call if self.over() => LINGER_NS,
            Kind::Call if self.answered => ANSWERED_NS,
            Kind::Call => TRANSACTION_NS,
            Kind::Registration if self.messages >= MAX_REGISTRATION_MESSAGES => 0,
            Kind::Registration if self.expires == Some(0) => LINGER_NS,
            Kind::Registration => {
                let expires = self.expires.unwrap_or(DEFAULT_EXPIRES_S).max(60);
                i64::from(expires) * S + REGISTRATION_MARGIN_NS
            }
            Kind::Subscription => DIALOG_NS,
            Kind::Unmatched if self.bye_done => LINGER_NS,
            Kind::Unmatched => DIALOG_NS,
            Kind::Request | Kind::KeepAlive => LINGER_NS,
        }
    }
}
