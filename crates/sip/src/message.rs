//! One SIP message as the analysis sees it: the fields calls, registrations and ladders need,
//! read from the tokenizer's headers, with typed values from rsip where rsip accepts the text.
//!
//! rsip is strict (it rejects `tel:` request URIs, odd Via spacing, unquoted digest values that
//! phones send); what it rejects is read by our own field readers instead and the header name
//! is recorded in `rsip_rejected`, so the message is still analyzed and the count is reported.

use std::net::SocketAddr;

use compact_str::{CompactString, ToCompactString};
use rsip::headers::UntypedHeader;
use serde::Serialize;

use super::fields::{self, NameAddr, ReasonValue, ViaValue};
use super::plain;
use super::tokenizer::{self, id, StartLine};
use voipscope_sdp::{self as sdp, SessionDescription};
use voipscope_wire::decode::{SipMessage, SipTransport};
use voipscope_wire::text::FastTrim;

/// Bodies longer than this are not kept as text (INFO and NOTIFY bodies are small).
const MAX_BODY_TEXT: usize = 4096;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageKind {
    Request {
        method: CompactString,
        uri: Box<str>,
    },
    Response {
        code: u16,
        reason: CompactString,
    },
}

/// A From/To party. Its user is read from the URI when asked for ([`Party::user`]), not kept:
/// every message of a dialog repeats both parties.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    pub display_name: Option<CompactString>,
    pub uri: CompactString,
    pub tag: Option<CompactString>,
}

impl Party {
    fn from_value(value: Option<&str>) -> Party {
        Party::from_name_addr(value.and_then(NameAddr::parse))
    }

    fn from_name_addr(na: Option<NameAddr<'_>>) -> Party {
        let Some(na) = na else {
            return Party::default();
        };
        Party {
            tag: na.tag().map(CompactString::from),
            uri: na.uri.into(),
            display_name: na.display_name.map(|d| CompactString::from(d.as_ref())),
        }
    }

    /// The user part of the URI (the number of a `tel:` URI).
    pub fn user(&self) -> Option<&str> {
        fields::uri_user(&self.uri)
    }
}

impl Serialize for Party {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Party", 3)?;
        st.serialize_field("user", &self.user())?;
        st.serialize_field("display_name", &self.display_name)?;
        st.serialize_field("uri", &self.uri)?;
        st.end()
    }
}

/// What the analysis reads of the top Via: the sender's address as it wrote it, and the branch
/// that names the transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Via {
    pub sent_by: CompactString,
    pub branch: Option<CompactString>,
}

/// The headers a message can lack or rsip can reject, as a set: most messages name none, and
/// a set costs no allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeaderSet(u16);

impl HeaderSet {
    /// In the order messages list them.
    const NAMES: [&'static str; 10] = [
        "Call-ID",
        "CSeq",
        "From",
        "To",
        "Via",
        "Request-URI",
        "WWW-Authenticate",
        "Proxy-Authenticate",
        "Authorization",
        "Proxy-Authorization",
    ];

    /// Adds a header by name; a name not in the set's list is a bug, caught by the tests.
    pub fn push(&mut self, name: &'static str) {
        if let Some(i) = Self::NAMES.iter().position(|n| *n == name) {
            self.0 |= 1 << i;
        } else {
            debug_assert!(false, "{name} is not a header the set knows");
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The names in the set, in list order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| n)
    }
}

/// A digest challenge (401 WWW-Authenticate, 407 Proxy-Authenticate).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Challenge {
    pub realm: Option<String>,
    pub nonce: Option<String>,
    pub stale: bool,
}

/// Digest credentials (Authorization, Proxy-Authorization).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    pub username: Option<String>,
    pub realm: Option<String>,
    pub nonce: Option<String>,
}

/// What only some messages carry (registrar bindings, INFO/NOTIFY bodies, REFER, digest
/// authentication, ...). Kept out of [`Message`] so that a message, which is kept until its
/// Call-ID is classified, stays small.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rare {
    /// Every Contact URI with its `expires` parameter (a registrar's 2xx lists all bindings).
    pub contacts: Vec<(String, Option<u32>)>,
    /// Small non-SDP text bodies (INFO DTMF, NOTIFY dialog-info), else `None`.
    pub body_text: Option<String>,
    /// The Content-Type of that body.
    pub body_type: Option<String>,
    /// Reason headers (RFC 3326: the Q.850 or SIP cause a BYE, CANCEL or failure gives).
    pub reasons: Vec<ReasonValue>,
    pub warning: Option<(u16, String)>,
    pub event: Option<String>,
    pub subscription_state: Option<String>,
    pub refer_to: Option<String>,
    pub referred_by: Option<String>,
    pub rseq: Option<u32>,
    pub rack: Option<String>,
    pub challenge: Option<Challenge>,
    pub credentials: Option<Credentials>,
    pub session_expires: Option<String>,
    pub asserted_identity: Option<String>,
}

impl Rare {
    const EMPTY: Rare = Rare {
        contacts: Vec::new(),
        body_text: None,
        body_type: None,
        reasons: Vec::new(),
        warning: None,
        event: None,
        subscription_state: None,
        refer_to: None,
        referred_by: None,
        rseq: None,
        rack: None,
        challenge: None,
        credentials: None,
        session_expires: None,
        asserted_identity: None,
    };
}

static NO_RARE: Rare = Rare::EMPTY;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Frame that completed the message, and every frame that carried part of it.
    pub frame: u64,
    /// Inline up to two: most messages fit one frame.
    pub frames: smallvec::SmallVec<[u64; 2]>,
    pub ts_ns: i64,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub transport: SipTransport,
    pub size: usize,
    pub truncated: bool,
    pub kind: MessageKind,
    pub call_id: CompactString,
    pub cseq: u32,
    pub cseq_method: CompactString,
    pub from: Party,
    pub to: Party,
    pub via: Option<Via>,
    /// The first Contact's URI (empty when it could not be read; `*` is no contact).
    pub contact: Option<CompactString>,
    pub contact_expires: Option<u32>,
    /// User-Agent, else Server: the sender's software.
    pub software: Option<CompactString>,
    pub expires: Option<u32>,
    /// Boxed, as [`Message::rare`]: most messages carry no SDP.
    pub sdp: Option<Box<SessionDescription>>,
    /// `Require: 100rel` (reliable provisionals, RFC 3262).
    pub requires_100rel: bool,
    /// Headers few messages carry; read them through [`Message::rare`].
    pub rare: Option<Box<Rare>>,
    /// Mandatory headers missing or unreadable (`Call-ID`, `CSeq`, `From`, `To`, `Via`).
    pub missing: HeaderSet,
    /// Headers whose text rsip rejected; our own readers supplied the value.
    pub rsip_rejected: HeaderSet,
    /// Body shorter than Content-Length, or headers never closed.
    pub incomplete: bool,
}

impl Message {
    pub fn method(&self) -> Option<&str> {
        match &self.kind {
            MessageKind::Request { method, .. } => Some(method),
            MessageKind::Response { .. } => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self.kind {
            MessageKind::Response { code, .. } => Some(code),
            MessageKind::Request { .. } => None,
        }
    }

    pub fn is_request(&self) -> bool {
        matches!(self.kind, MessageKind::Request { .. })
    }

    /// `INVITE` or `180 Ringing`: what a ladder arrow says.
    pub fn label(&self) -> CompactString {
        match &self.kind {
            MessageKind::Request { method, .. } => method.clone(),
            MessageKind::Response { code, reason } if reason.is_empty() => code.to_compact_string(),
            MessageKind::Response { code, reason } => {
                // put together by hand: format_compact took 1% of a busy capture's time
                let mut digits = itoa::Buffer::new();
                let digits = digits.format(*code);
                let mut label = CompactString::with_capacity(digits.len() + 1 + reason.len());
                label.push_str(digits);
                label.push(' ');
                label.push_str(reason);
                label
            }
        }
    }

    /// The reason phrase of a response, if it has one.
    pub fn reason_phrase(&self) -> Option<&str> {
        match &self.kind {
            MessageKind::Response { reason, .. } if !reason.is_empty() => Some(reason),
            _ => None,
        }
    }

    /// The headers few messages carry (all empty when it has none of them).
    pub fn rare(&self) -> &Rare {
        self.rare.as_deref().unwrap_or(&NO_RARE)
    }

    /// The software of the sender: User-Agent, else Server.
    pub fn software(&self) -> Option<&str> {
        self.software.as_deref()
    }
}

/// Why a framed message could not be read as SIP at all.
pub type ReadError = tokenizer::TokenizeError;

fn number(v: Option<&str>) -> Option<u32> {
    let v = v?.fast_trim();
    let digits = v.split(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok()
}

fn owned(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A value of up to 24 bytes kept in place (`Asterisk PBX 16.2.1`), a longer one on the heap.
fn compact(v: Option<&str>) -> Option<CompactString> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(CompactString::from)
}

fn read_via(value: &str, typed: bool, rsip_rejected: &mut HeaderSet) -> Option<Via> {
    let first = fields::split_list(value, b',').next()?;
    let ours = ViaValue::parse(first)?;
    let mut via = Via {
        sent_by: ours.sent_by.into(),
        branch: ours.branch().map(CompactString::from),
    };
    // a plain value is one rsip accepts, with our branch (crate::plain)
    if typed && !plain::is_plain_via(first) {
        match rsip::headers::typed::Via::try_from(rsip::headers::Via::new(first)) {
            Ok(t) => {
                if let Some(b) = t.branch() {
                    via.branch = Some(b.to_compact_string());
                }
            }
            Err(_) => rsip_rejected.push("Via"),
        }
    }
    Some(via)
}

fn read_challenge(value: &str, proxy: bool, rsip_rejected: &mut HeaderSet) -> Challenge {
    let typed = if proxy {
        rsip::headers::typed::ProxyAuthenticate::try_from(rsip::headers::ProxyAuthenticate::new(
            value,
        ))
        .map(|p| p.0)
    } else {
        rsip::headers::typed::WwwAuthenticate::try_from(rsip::headers::WwwAuthenticate::new(value))
    };
    match typed {
        Ok(t) => Challenge {
            realm: Some(t.realm),
            nonce: Some(t.nonce),
            stale: t.stale.is_some_and(|s| s.eq_ignore_ascii_case("true")),
        },
        Err(_) => {
            rsip_rejected.push(if proxy {
                "Proxy-Authenticate"
            } else {
                "WWW-Authenticate"
            });
            Challenge {
                realm: owned(fields::auth_param(value, "realm")),
                nonce: owned(fields::auth_param(value, "nonce")),
                stale: fields::auth_param(value, "stale")
                    .is_some_and(|s| s.eq_ignore_ascii_case("true")),
            }
        }
    }
}

fn read_credentials(value: &str, proxy: bool, rsip_rejected: &mut HeaderSet) -> Credentials {
    let typed = if proxy {
        rsip::headers::typed::ProxyAuthorization::try_from(rsip::headers::ProxyAuthorization::new(
            value,
        ))
        .map(|p| p.0)
    } else {
        rsip::headers::typed::Authorization::try_from(rsip::headers::Authorization::new(value))
    };
    match typed {
        Ok(t) => Credentials {
            username: Some(t.username),
            realm: Some(t.realm),
            nonce: Some(t.nonce),
        },
        Err(_) => {
            rsip_rejected.push(if proxy {
                "Proxy-Authorization"
            } else {
                "Authorization"
            });
            Credentials {
                username: owned(fields::auth_param(value, "username")),
                realm: owned(fields::auth_param(value, "realm")),
                nonce: owned(fields::auth_param(value, "nonce")),
            }
        }
    }
}

/// Reads one framed SIP message; its SDP keeps its text for the strict check, which runs later
/// ([`voipscope_sdp::validate::check_all`]).
pub fn read(msg: &SipMessage) -> Result<Message, ReadError> {
    read_with(msg, false)
}

/// [`read`], with the SDP strictly checked at once ([`voipscope_sdp::read_and_check`]).
pub fn read_and_check(msg: &SipMessage) -> Result<Message, ReadError> {
    read_with(msg, true)
}

fn read_with(msg: &SipMessage, check_sdp_now: bool) -> Result<Message, ReadError> {
    let t = tokenizer::tokenize(&msg.data)?;
    let mut rsip_rejected = HeaderSet::default();
    let mut missing = HeaderSet::default();
    // rsip's typed parsers are costly; they read the requests that start a dialog, a
    // registration or a transaction outside a dialog (no To tag), whose values are shown.
    // Responses and in-dialog requests echo those values and are read by our readers alone.
    let to_value = t.known(id::TO).and_then(NameAddr::parse);
    let typed = matches!(t.start, StartLine::Request { .. })
        && to_value.as_ref().is_some_and(|na| na.tag().is_none());
    let kind = match &t.start {
        StartLine::Request { method, uri, .. } => {
            if typed && !plain::is_plain_uri(uri) && rsip::Uri::try_from(*uri).is_err() {
                rsip_rejected.push("Request-URI");
            }
            MessageKind::Request {
                method: (*method).into(),
                uri: (*uri).into(),
            }
        }
        StartLine::Response { code, reason, .. } => MessageKind::Response {
            code: *code,
            reason: (*reason).into(),
        },
    };
    let call_id = match t.known(id::CALL_ID) {
        Some(v) if !v.is_empty() => v.into(),
        _ => {
            missing.push("Call-ID");
            CompactString::default()
        }
    };
    let (cseq, cseq_method) = match t.known(id::CSEQ).and_then(fields::parse_cseq) {
        Some((n, m)) => (n, m.into()),
        None => {
            missing.push("CSeq");
            (0, CompactString::default())
        }
    };
    let from = Party::from_value(t.known(id::FROM));
    if from.uri.is_empty() {
        missing.push("From");
    }
    let to = Party::from_name_addr(to_value);
    if to.uri.is_empty() {
        missing.push("To");
    }
    let via = t
        .known(id::VIA)
        .and_then(|v| read_via(v, typed, &mut rsip_rejected));
    if via.is_none() {
        missing.push("Via");
    }
    let contact_value = t
        .known(id::CONTACT)
        .and_then(|v| fields::split_list(v, b',').next());
    let contact_na = contact_value.and_then(NameAddr::parse);
    let contact_expires = contact_na
        .as_ref()
        .and_then(|na| fields::param(na.params, "expires"))
        .and_then(|e| e.parse().ok());
    let contact = contact_value
        .filter(|v| v.fast_trim() != "*")
        .map(|_| contact_na.map_or_else(CompactString::default, |na| na.uri.into()));

    let requires_100rel = t
        .all_known(id::REQUIRE)
        .any(|v| fields::split_list(v, b',').any(|x| x.eq_ignore_ascii_case("100rel")));
    // Only a registrar's answer lists bindings worth keeping.
    let contacts = t
        .all_known(id::CONTACT)
        .filter(|_| cseq_method == "REGISTER")
        .flat_map(|v| fields::split_list(v, b','))
        .filter_map(NameAddr::parse)
        .map(|na| {
            let expires = fields::param(na.params, "expires").and_then(|e| e.parse().ok());
            (na.uri.to_string(), expires)
        })
        .collect();
    let content_type = t
        .known(id::CONTENT_TYPE)
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let is_sdp = content_type.is_some_and(|c| {
        c.as_bytes()
            .windows(15)
            .any(|w| w.eq_ignore_ascii_case(b"application/sdp"))
    });
    let multipart = content_type
        .is_some_and(|c| voipscope_wire::text::starts_with_ignore_ascii_case(c, "multipart/"));
    let sdp = if is_sdp || multipart || (content_type.is_none() && t.body.starts_with(b"v=0")) {
        if check_sdp_now {
            sdp::read_and_check(t.body)
        } else {
            sdp::read_kept(t.body)
        }
    } else {
        None
    };
    let body_text = if sdp.is_none() && !t.body.is_empty() && t.body.len() <= MAX_BODY_TEXT {
        Some(String::from_utf8_lossy(t.body).into_owned())
    } else {
        None
    };

    let challenge = match (
        t.known(id::WWW_AUTHENTICATE),
        t.known(id::PROXY_AUTHENTICATE),
    ) {
        (Some(v), _) => Some(read_challenge(v, false, &mut rsip_rejected)),
        (None, Some(v)) => Some(read_challenge(v, true, &mut rsip_rejected)),
        (None, None) => None,
    };
    let credentials = match (t.known(id::AUTHORIZATION), t.known(id::PROXY_AUTHORIZATION)) {
        (Some(v), _) => Some(read_credentials(v, false, &mut rsip_rejected)),
        (None, Some(v)) => Some(read_credentials(v, true, &mut rsip_rejected)),
        (None, None) => None,
    };

    let rare = Rare {
        contacts,
        // only with a body kept as text (`and` would copy the type of every SDP message too)
        body_type: body_text.as_ref().and_then(|_| owned(content_type)),
        body_text,
        reasons: t
            .all_known(id::REASON)
            .flat_map(fields::parse_reason)
            .collect(),
        warning: t.known(id::WARNING).and_then(fields::parse_warning),
        event: owned(t.known(id::EVENT)),
        subscription_state: owned(t.known(id::SUBSCRIPTION_STATE)),
        refer_to: owned(t.known(id::REFER_TO)),
        referred_by: owned(t.known(id::REFERRED_BY)),
        rseq: number(t.known(id::RSEQ)),
        rack: owned(t.known(id::RACK)),
        challenge,
        credentials,
        session_expires: owned(t.known(id::SESSION_EXPIRES)),
        asserted_identity: owned(t.known(id::P_ASSERTED_IDENTITY)),
    };
    Ok(Message {
        frame: msg.frame,
        frames: smallvec::SmallVec::from_slice(&msg.frames),
        ts_ns: msg.ts_ns,
        src: msg.flow.src,
        dst: msg.flow.dst,
        transport: msg.transport,
        size: msg.data.len(),
        truncated: msg.truncated,
        kind,
        call_id,
        cseq,
        cseq_method,
        from,
        to,
        via,
        contact,
        contact_expires,
        software: compact(t.known(id::USER_AGENT)).or_else(|| compact(t.known(id::SERVER))),
        expires: number(t.known(id::EXPIRES)),
        sdp: sdp.map(Box::new),
        requires_100rel,
        rare: (rare != Rare::EMPTY).then(|| Box::new(rare)),
        missing,
        rsip_rejected,
        incomplete: t.body_short || t.headers_unterminated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use voipscope_wire::decode::Flow;

    fn framed(data: &[u8]) -> SipMessage {
        SipMessage {
            frame: 7,
            frames: smallvec::smallvec![6, 7],
            ts_ns: 1_000,
            flow: Flow {
                src: "10.0.0.1:5060".parse().unwrap(),
                dst: "10.0.0.2:5060".parse().unwrap(),
            },
            transport: SipTransport::Udp,
            data: data.to_vec(),
            truncated: false,
        }
    }

    #[test]
    fn reads_an_invite() {
        let invite = framed(
            b"INVITE sip:bob@10.0.0.2 SIP/2.0\r\n\
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport\r\n\
From: \"Alice\" <sip:alice@10.0.0.1>;tag=1\r\n\
To: <sip:bob@10.0.0.2>\r\n\
Call-ID: c1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@10.0.0.1>;expires=60\r\n\
User-Agent: Phone 1.0\r\nContent-Type: application/sdp\r\nContent-Length: 61\r\n\r\n\
v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\na=recvonly\r\n",
        );
        let m = read(&invite).unwrap();
        assert_eq!(m.label(), "INVITE");
        assert_eq!(m.call_id, "c1");
        assert_eq!((m.cseq, m.cseq_method.as_str()), (1, "INVITE"));
        assert_eq!(m.from.user(), Some("alice"));
        assert_eq!(m.from.display_name.as_deref(), Some("Alice"));
        assert_eq!(m.from.tag.as_deref(), Some("1"));
        assert_eq!(m.to.tag, None);
        assert_eq!(
            m.via.as_ref().unwrap().branch.as_deref(),
            Some("z9hG4bKabc")
        );
        assert_eq!(m.contact_expires, Some(60));
        assert_eq!(m.software(), Some("Phone 1.0"));
        // none of the rarely sent headers: nothing is allocated for them
        assert!(m.rare.is_none());
        let mut sdp = m.sdp.unwrap();
        assert_eq!(sdp.media[0].direction, voipscope_sdp::Direction::Recvonly);
        voipscope_sdp::validate::check_all([&mut *sdp]);
        // no o=, s= or t= line: we read it, a strict peer would not
        assert!(sdp.strict_error.is_some(), "{sdp:?}");
        // checked at once, as a worker reads a datagram: the same verdict, no text kept
        let at_once = read_and_check(&invite).unwrap().sdp.unwrap();
        assert_eq!(at_once.strict_error, sdp.strict_error);
        assert!(at_once.text.is_none());
        assert!(m.missing.is_empty());
        assert!(m.rsip_rejected.is_empty(), "{:?}", m.rsip_rejected);
    }

    #[test]
    fn tel_uri_is_rejected_by_rsip_but_read_by_us() {
        let m = read(&framed(
            b"INVITE tel:+493012345 SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
f: <tel:+4930999>;tag=9\r\nt: <tel:+493012345>\r\ni: x\r\nCSeq: 1 INVITE\r\n\r\n",
        ))
        .unwrap();
        assert!(m.rsip_rejected.contains("Request-URI"));
        assert_eq!(m.from.user(), Some("+4930999"));
        assert_eq!(m.to.user(), Some("+493012345"));
    }

    /// The INVITE of ../shared/captures/sip-ipv6-fragmented-100rel-sll.pcap (frame 2), start line
    /// and Via as sent by SIPp: rsip 0.4 rejects the bracketed IPv6 host in both.
    #[test]
    fn rsip_rejects_real_ipv6_invite_and_we_still_read_it() {
        let m = read(&framed(
            b"INVITE sip:08019200028@[fd17:625c:f037:2:a00:27ff:feb9:4222]:25060 SIP/2.0\r\n\
Via: SIP/2.0/UDP [fd17:625c:f037:2:a00:27ff:feb9:1521]:15060;branch=z9hG4bK-397430-71846-0\r\n\
From: sipp <sip:sipp@[fd17:625c:f037:2:a00:27ff:feb9:1521]:15060>;tag=71846SIPpTag00397430\r\n\
To: mcr <sip:08019200028@[fd17:625c:f037:2:a00:27ff:feb9:4222]:25060>\r\n\
Call-ID: 71846-1647924829-397430@fd17:625c:f037:2:a00:27ff:feb9:1521\r\n\
CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
        ))
        .unwrap();
        assert_eq!(
            m.rsip_rejected.names().collect::<Vec<_>>(),
            ["Via", "Request-URI"]
        );
        let via = m.via.unwrap();
        assert_eq!(via.branch.as_deref(), Some("z9hG4bK-397430-71846-0"));
        assert_eq!(via.sent_by, "[fd17:625c:f037:2:a00:27ff:feb9:1521]:15060");
        assert_eq!(m.to.user(), Some("08019200028"));
        assert_eq!(m.from.tag.as_deref(), Some("71846SIPpTag00397430"));
    }

    #[test]
    fn missing_headers_are_listed() {
        let m = read(&framed(b"SIP/2.0 200 OK\r\n\r\n")).unwrap();
        assert_eq!(
            m.missing.names().collect::<Vec<_>>(),
            ["Call-ID", "CSeq", "From", "To", "Via"]
        );
        assert_eq!(m.label(), "200 OK");
    }
}
