//! Calls: a Call-ID with an INVITE. Its state, parties, timing, who ended it, forks, hold and
//! resume, transfers, reliable provisionals, INFO DTMF, its SDP offers and answers, and every
//! message in order (what ladders draw).

use std::net::SocketAddr;

use compact_str::CompactString;
use serde::Serialize;

use super::fields::ReasonValue;
use super::message::{Message, Party};
use super::{CallIdLog, Entry, Method};
use voipscope_sdp::SessionDescription;
use voipscope_wire::decode::SipTransport;

/// How a call went (the same words as the tshark oracle in ../shared/tools).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallState {
    /// Answered and ended by BYE.
    Completed,
    /// Answered; no BYE in the capture.
    InCall,
    /// Not answered; CANCEL and a final 487.
    Cancelled,
    /// Not answered; the last final status to an INVITE is >= 300.
    Rejected,
    /// No final status at all.
    Unanswered,
}

impl CallState {
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Completed => "completed",
            CallState::InCall => "in-call",
            CallState::Cancelled => "cancelled",
            CallState::Rejected => "rejected",
            CallState::Unanswered => "unanswered",
        }
    }
}

/// Which side of the call did something: the caller sent the first INVITE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Caller,
    Callee,
}

/// One message of the call as ladders and tables show it.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageRef {
    pub frame: u64,
    /// Every frame that carried a part of the message (fragments, TCP segments).
    pub frames: smallvec::SmallVec<[u64; 2]>,
    pub ts_ns: i64,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub transport: SipTransport,
    /// Method, or status code and reason phrase.
    pub label: CompactString,
    /// The request's method (`None` for a response).
    pub method: Option<Method>,
    pub status: Option<u16>,
    pub cseq: super::CSeq,
    pub retransmission: bool,
    /// A copy of the previous message made by the capture setup.
    pub duplicate: bool,
    /// Codec, media address and direction of each media section, when the message has SDP.
    pub sdp: Option<String>,
    pub user_agent: Option<CompactString>,
}

/// A dialog of the call: one per To tag in the responses to the first INVITE (forking).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dialog {
    pub to_tag: String,
    /// The highest status this branch reached.
    pub status: u16,
    pub contact: Option<String>,
}

/// An SDP offer or answer seen in the call, in time order: the media plan.
#[derive(Clone, Debug, PartialEq)]
pub struct SdpEvent {
    pub frame: u64,
    pub ts_ns: i64,
    pub by: Side,
    /// The method or status that carried it.
    pub carried_by: CompactString,
    pub sdp: SessionDescription,
}

/// What an in-dialog offer did to the call's media.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HoldAction {
    Hold,
    Resume,
}

/// Hold or resume seen in an in-dialog offer (re-INVITE or UPDATE).
#[derive(Clone, Debug, PartialEq)]
pub struct HoldEvent {
    pub frame: u64,
    pub ts_ns: i64,
    pub by: Side,
    pub action: HoldAction,
    /// `sendonly`, `inactive`, `c=0.0.0.0` or `sendrecv`.
    pub how: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Transfer {
    pub frame: u64,
    pub ts_ns: i64,
    pub by: Side,
    pub refer_to: String,
    pub referred_by: Option<String>,
    /// Final status of the REFER (202 Accepted), if seen.
    pub status: Option<u16>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InfoDtmf {
    pub frame: u64,
    pub ts_ns: i64,
    pub by: Side,
    pub digit: String,
    pub duration_ms: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    pub code: u16,
    pub text: String,
}

/// How the call ended, when one side ended it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EndMethod {
    #[serde(rename = "BYE")]
    Bye,
    #[serde(rename = "CANCEL")]
    Cancel,
}

impl EndMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            EndMethod::Bye => "BYE",
            EndMethod::Cancel => "CANCEL",
        }
    }
}

/// A call's signalling: what its Call-ID's messages say. Its media is tied to it apart (see
/// `correlate`), so this holds no stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// 1-based, in order of the first INVITE.
    pub number: usize,
    pub call_id: String,
    pub state: CallState,
    pub final_status: Option<u16>,
    pub final_reason: Option<String>,
    pub from: Party,
    pub to: Party,
    pub request_uri: String,
    /// Source and destination of the first INVITE, as seen in the packet.
    pub caller: SocketAddr,
    pub callee: SocketAddr,
    /// Sent-by of the first INVITE's top Via, and its Contact URI: what the caller claims as
    /// its address (the NAT diagnosis compares them with `caller`).
    pub caller_via: Option<String>,
    pub caller_contact: Option<String>,
    pub caller_user_agent: Option<String>,
    pub callee_user_agent: Option<String>,
    pub transport: SipTransport,
    /// The first and last message of the Call-ID.
    pub start_ns: i64,
    pub end_ns: i64,
    /// INVITE to the first 18x.
    pub setup_ns: Option<i64>,
    /// INVITE to the 2xx.
    pub answer_ns: Option<i64>,
    /// 2xx to BYE; without a BYE, to the last message or the last RTP packet of the call,
    /// whichever is later (the media part is added by `correlate`).
    pub talk_ns: Option<i64>,
    pub ended_by: Option<Side>,
    pub end_method: Option<EndMethod>,
    /// Reason headers (RFC 3326) of the BYE, CANCEL or final response.
    pub reason: Vec<ReasonValue>,
    pub warning: Option<Warning>,
    /// INVITEs sent for the call, retransmissions excluded (a retry after 401/407 counts).
    pub invite_attempts: u32,
    /// 401/407 challenges to INVITEs.
    pub auth_challenges: u32,
    pub reinvites: u32,
    pub updates: u32,
    pub pracks: u32,
    /// The callee sent reliable provisionals (100rel, RFC 3262).
    pub reliable_provisionals: bool,
    pub dialogs: Vec<Dialog>,
    pub holds: Vec<HoldEvent>,
    pub transfers: Vec<Transfer>,
    pub info_dtmf: Vec<InfoDtmf>,
    pub sdp: Vec<SdpEvent>,
    pub retransmissions: u32,
    /// Messages of this Call-ID not kept (cap reached).
    pub dropped_messages: u64,
    pub messages: Vec<MessageRef>,
}

impl Call {
    /// The first 2xx to an INVITE: when the call was answered.
    pub fn answer(&self) -> Option<&MessageRef> {
        self.messages.iter().find(|m| {
            m.status.is_some_and(|s| (200..300).contains(&s)) && m.cseq.method == Method::Invite
        })
    }

    /// The first BYE.
    pub fn bye(&self) -> Option<&MessageRef> {
        self.messages.iter().find(|m| m.label == "BYE")
    }

    /// Answered (BYE seen or not).
    pub fn answered(&self) -> bool {
        matches!(self.state, CallState::Completed | CallState::InCall)
    }

    /// Every offer and answer of the call.
    pub fn descriptions_mut(&mut self) -> impl Iterator<Item = &mut SessionDescription> {
        self.sdp.iter_mut().map(|e| &mut e.sdp)
    }
}

/// One line per media section: `PCMU 10.0.0.1:4000 sendrecv`, `image t38 10.0.0.1:5000`.
pub fn sdp_brief(sdp: &SessionDescription) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(48 * sdp.media.len());
    for (i, m) in sdp.media.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        if m.kind != "audio" {
            out.push_str(&m.kind);
            out.push(' ');
        }
        match m.main_codec() {
            Some(f) => out.push_str(f.name.as_deref().unwrap_or(&f.id)),
            None => out.push('-'),
        }
        out.push(' ');
        match m.address.as_deref() {
            Some(a) if a.contains(':') => {
                let _ = write!(out, "[{a}]");
            }
            Some(a) => out.push_str(a),
            None => out.push('?'),
        }
        let _ = write!(out, ":{} ", m.port);
        out.push_str(if m.port == 0 {
            "rejected"
        } else {
            m.direction.as_str()
        });
    }
    out
}

/// The entry as ladders show it. Takes the entry: its strings move instead of being copied
/// (a call's messages are many; this is most of what building a call costs).
pub(crate) fn message_ref(mut e: Entry) -> MessageRef {
    // through the box: moving the message out of it would copy all of it
    let m = &mut *e.msg;
    let user_agent = m.software.take();
    MessageRef {
        frame: m.frame,
        frames: std::mem::take(&mut m.frames),
        ts_ns: m.ts_ns,
        src: m.src,
        dst: m.dst,
        transport: m.transport,
        label: m.label(),
        method: m.method().map(Method::from_name),
        status: m.status(),
        cseq: super::CSeq {
            number: m.cseq,
            method: Method::from_name(&m.cseq_method),
        },
        retransmission: e.retransmission,
        duplicate: e.duplicate,
        sdp: m.sdp.as_deref().map(sdp_brief),
        user_agent,
    }
}

fn info_dtmf(m: &Message) -> Option<(String, Option<u32>)> {
    let body = m.rare().body_text.as_deref()?;
    let ct = m
        .rare()
        .body_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.contains("dtmf-relay") || body.to_ascii_lowercase().contains("signal") {
        let mut digit = None;
        let mut duration = None;
        for line in body.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            match k.trim().to_ascii_lowercase().as_str() {
                "signal" => digit = Some(v.trim().to_string()),
                "duration" => duration = v.trim().parse().ok(),
                _ => {}
            }
        }
        return digit.map(|d| (d, duration));
    }
    if ct.contains("application/dtmf") {
        let d = body.trim();
        return (!d.is_empty()).then(|| (d.to_string(), None));
    }
    None
}

/// Builds a call from the log of a Call-ID that has an INVITE.
pub fn build(number: usize, log: CallIdLog) -> Option<Call> {
    let entries = &log.entries;
    let first_invite = entries
        .iter()
        .find(|e| e.msg.method() == Some("INVITE"))
        .map(|e| &e.msg)?;
    let caller_tag = first_invite.from.tag.clone();
    let invite_ts = first_invite.ts_ns;
    let side_of = |m: &Message| -> Side {
        let from_caller = match (&caller_tag, &m.from.tag) {
            (Some(c), Some(t)) => c == t,
            _ => m.src == first_invite.src,
        };
        // A request travels from its From party; a response goes back to it.
        match (m.is_request(), from_caller) {
            (true, true) | (false, false) => Side::Caller,
            _ => Side::Callee,
        }
    };

    let mut final_statuses: Vec<(u16, &Message)> = Vec::new();
    let mut first_18x = None;
    let mut answer: Option<&Message> = None;
    let mut bye: Option<&Message> = None;
    let mut cancel: Option<&Message> = None;
    let mut invite_attempts = 0;
    let mut auth_challenges = 0;
    let mut reinvites = 0;
    let mut updates = 0;
    let mut pracks = 0;
    let mut reliable_provisionals = false;
    let mut retransmissions = 0;
    let mut dialogs: Vec<Dialog> = Vec::new();
    let mut holds = Vec::new();
    let mut held: [bool; 2] = [false, false];
    let mut transfers: Vec<Transfer> = Vec::new();
    let mut info = Vec::new();
    let mut callee_ua: Option<String> = None;
    let mut last_ts = invite_ts;
    // CSeqs of INVITEs outside a dialog: the first and its retries (after 401/407).
    // in place: a call has one or two of each
    let mut initial_cseqs: smallvec::SmallVec<[u32; 4]> = smallvec::SmallVec::new();

    // Entries whose SDP is an offer or answer of the call, and who sent it; the SDP moves
    // into the call once the entries are no longer borrowed.
    let mut sdp_at: smallvec::SmallVec<[(usize, Side); 4]> = smallvec::SmallVec::new();

    for (i, e) in entries.iter().enumerate() {
        let m = &e.msg;
        last_ts = last_ts.max(m.ts_ns);
        if e.is_repeat() {
            retransmissions += u32::from(e.retransmission);
            continue;
        }
        let side = side_of(m);
        if m.sdp.is_some() {
            sdp_at.push((i, side));
        }
        match m.method() {
            Some("INVITE") => {
                let in_dialog = m.to.tag.is_some() && answer.is_some();
                if in_dialog {
                    reinvites += 1;
                } else {
                    invite_attempts += 1;
                    if !initial_cseqs.contains(&m.cseq) {
                        initial_cseqs.push(m.cseq);
                    }
                }
                if in_dialog {
                    note_hold(m, side, &mut held, &mut holds);
                }
            }
            Some("UPDATE") => {
                updates += 1;
                if answer.is_some() {
                    note_hold(m, side, &mut held, &mut holds);
                }
            }
            Some("PRACK") => pracks += 1,
            Some("BYE") if bye.is_none() => bye = Some(m),
            Some("CANCEL") if cancel.is_none() => cancel = Some(m),
            Some("REFER") => transfers.push(Transfer {
                frame: m.frame,
                ts_ns: m.ts_ns,
                by: side,
                refer_to: m.rare().refer_to.clone().unwrap_or_default(),
                referred_by: m.rare().referred_by.clone(),
                status: None,
            }),
            Some("INFO") => {
                if let Some((digit, duration_ms)) = info_dtmf(m) {
                    info.push(InfoDtmf {
                        frame: m.frame,
                        ts_ns: m.ts_ns,
                        by: side,
                        digit,
                        duration_ms,
                    });
                }
            }
            _ => {}
        }
        let Some(code) = m.status() else {
            continue;
        };
        if m.cseq_method == "REFER" && code >= 200 {
            if let Some(t) = transfers.iter_mut().rev().find(|t| t.status.is_none()) {
                t.status = Some(code);
            }
        }
        if m.cseq_method != "INVITE" {
            continue;
        }
        if code > 100 && callee_ua.is_none() && side == Side::Callee {
            callee_ua = m.software().map(str::to_string);
        }
        if m.requires_100rel || m.rare().rseq.is_some() {
            reliable_provisionals = true;
        }
        if initial_cseqs.contains(&m.cseq) && code > 100 {
            if let Some(tag) = &m.to.tag {
                match dialogs.iter_mut().find(|d| d.to_tag == *tag) {
                    Some(d) => d.status = d.status.max(code),
                    None => dialogs.push(Dialog {
                        to_tag: tag.to_string(),
                        status: code,
                        contact: m.contact.as_ref().map(|c| c.to_string()),
                    }),
                }
            }
        }
        if (180..200).contains(&code) && first_18x.is_none() && answer.is_none() {
            first_18x = Some(m.ts_ns);
        }
        if code >= 200 {
            if code == 401 || code == 407 {
                auth_challenges += 1;
            }
            if (200..300).contains(&code) && answer.is_none() {
                answer = Some(m);
            }
            final_statuses.push((code, m));
        }
    }

    let answered = answer.is_some();
    let final_msg = answer.or_else(|| final_statuses.last().map(|(_, m)| *m));
    let final_status = final_msg.and_then(|m| m.status());
    let state = match (final_status, answered) {
        (None, _) => CallState::Unanswered,
        (Some(_), true) if bye.is_some() => CallState::Completed,
        (Some(_), true) => CallState::InCall,
        (Some(487), false) if cancel.is_some() => CallState::Cancelled,
        (Some(_), false) => CallState::Rejected,
    };
    let (ended_by, end_method, end_msg) = match (state, bye, cancel) {
        (CallState::Completed, Some(b), _) => (Some(side_of(b)), Some(EndMethod::Bye), Some(b)),
        (CallState::Cancelled, _, Some(c)) => {
            (Some(Side::Caller), Some(EndMethod::Cancel), Some(c))
        }
        (CallState::Rejected, _, _) => (Some(Side::Callee), None, None),
        _ => (None, None, None),
    };
    let mut reason: Vec<ReasonValue> = end_msg
        .map(|m| m.rare().reasons.clone())
        .unwrap_or_default();
    if !answered {
        if let Some(m) = final_msg {
            reason.extend(m.rare().reasons.iter().cloned());
        }
    }
    let warning = final_msg
        .filter(|_| !answered)
        .and_then(|m| m.rare().warning.clone())
        .map(|(code, text)| Warning { code, text });
    let talk_ns = answer.map(|a| bye.map_or(last_ts, |b| b.ts_ns).saturating_sub(a.ts_ns));

    let mut call = Call {
        number,
        call_id: log.call_id.clone(),
        state,
        final_status,
        final_reason: final_msg.and_then(|m| m.reason_phrase().map(str::to_string)),
        from: first_invite.from.clone(),
        to: first_invite.to.clone(),
        request_uri: match &first_invite.kind {
            super::MessageKind::Request { uri, .. } => uri.to_string(),
            _ => String::new(),
        },
        caller: first_invite.src,
        callee: first_invite.dst,
        caller_via: first_invite.via.as_ref().map(|v| v.sent_by.to_string()),
        caller_contact: first_invite.contact.as_ref().map(|c| c.to_string()),
        caller_user_agent: first_invite.software().map(str::to_string),
        callee_user_agent: callee_ua,
        transport: first_invite.transport,
        start_ns: entries[0].msg.ts_ns,
        end_ns: last_ts,
        setup_ns: first_18x.map(|t| t.saturating_sub(invite_ts)),
        answer_ns: answer.map(|a| a.ts_ns.saturating_sub(invite_ts)),
        talk_ns,
        ended_by,
        end_method,
        reason,
        warning,
        invite_attempts,
        auth_challenges,
        reinvites,
        updates,
        pracks,
        reliable_provisionals,
        dialogs,
        holds,
        transfers,
        info_dtmf: info,
        sdp: Vec::with_capacity(sdp_at.len()),
        retransmissions,
        dropped_messages: log.dropped,
        messages: Vec::with_capacity(entries.len()),
    };
    let mut sdp_at = sdp_at.into_iter().peekable();
    for (i, mut e) in log.entries.into_iter().enumerate() {
        if let Some((_, by)) = sdp_at.next_if(|(at, _)| *at == i) {
            if let Some(sdp) = e.msg.sdp.take() {
                let m = &e.msg;
                call.sdp.push(SdpEvent {
                    frame: m.frame,
                    ts_ns: m.ts_ns,
                    by,
                    carried_by: m.label(),
                    sdp: *sdp,
                });
                // the ladder's SDP summary is read from the event's copy
                call.messages.push(MessageRef {
                    sdp: call.sdp.last().map(|ev| sdp_brief(&ev.sdp)),
                    ..message_ref(e)
                });
                continue;
            }
        }
        call.messages.push(message_ref(e));
    }
    Some(call)
}

fn note_hold(m: &Message, side: Side, held: &mut [bool; 2], holds: &mut Vec<HoldEvent>) {
    let Some(sdp) = &m.sdp else {
        return;
    };
    let Some(media) = sdp.media.iter().find(|x| x.port != 0) else {
        return;
    };
    let slot = &mut held[side as usize];
    let how = if media.address.as_deref() == Some("0.0.0.0") {
        "c=0.0.0.0".to_string()
    } else {
        media.direction.as_str().to_string()
    };
    let action = match (media.is_hold(), *slot) {
        (true, false) => HoldAction::Hold,
        (false, true) => HoldAction::Resume,
        _ => return,
    };
    *slot = media.is_hold();
    holds.push(HoldEvent {
        frame: m.frame,
        ts_ns: m.ts_ns,
        by: side,
        action,
        how,
    });
}
