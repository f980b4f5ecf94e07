//! The JSON views of the records: field names and order as README.md and docs/ document them,
//! times as seconds from the capture's first frame (`*_s`) and ISO 8601 text (`start_time`).
//! The records hold absolute nanoseconds, addresses and enums; only this module decides how
//! they read in JSON, for the whole document, `calls`/`rtp --format json` and the JSON lines.

use serde::ser::{SerializeSeq, SerializeStruct, Serializer};
use serde::Serialize;

use voipscope_analysis::correlate::{CallMedia, CallRecord};
use voipscope_rtp::dtmf::DtmfEvent;
use voipscope_rtp::flows::MediaFlow;
use voipscope_rtp::RtpStream;
use voipscope_sip::calls::{HoldEvent, InfoDtmf, MessageRef, SdpEvent, Transfer};
use voipscope_sip::other::{KeepAlive, OtherSip, Request, Subscription, Unmatched};
use voipscope_sip::Registration;
use voipscope_wire::timefmt::{self, TimeBase};

/// A record seen through the time base of its capture.
pub struct View<'a, T: ?Sized>(pub TimeBase, pub &'a T);

impl<T: ?Sized> Clone for View<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for View<'_, T> {}

/// A list of records seen through one time base.
struct List<'a, T>(TimeBase, &'a [T]);

impl<'a, T> Serialize for List<'a, T>
where
    View<'a, T>: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.1.len()))?;
        for item in self.1 {
            seq.serialize_element(&View(self.0, item))?;
        }
        seq.end()
    }
}

/// Stream and flow numbers as the document lists them: 0-based positions in its arrays.
struct Indexes<'a>(&'a [usize]);

impl Serialize for Indexes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|n| n.saturating_sub(1)))
    }
}

fn time(base: TimeBase, ts_ns: i64) -> f64 {
    base.s(ts_ns)
}

/// A CSeq as its `Display` writes it (`1 INVITE`), put together without core::fmt (one per
/// message of every call: formatting took 1% of a busy capture's time).
struct CSeqText<'a>(&'a voipscope_sip::CSeq);

impl Serialize for CSeqText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut number = itoa::Buffer::new();
        let number = number.format(self.0.number);
        let method = self.0.method.as_str();
        let mut buf = [0u8; 48];
        let len = number.len() + 1 + method.len();
        match buf.get_mut(..len) {
            Some(text) => {
                text[..number.len()].copy_from_slice(number.as_bytes());
                text[number.len()] = b' ';
                text[number.len() + 1..].copy_from_slice(method.as_bytes());
                // two strings and a space
                s.serialize_str(std::str::from_utf8(text).unwrap_or_default())
            }
            None => s.collect_str(self.0),
        }
    }
}

/// An address as its `Display` writes it (`10.0.0.1:5060`, `[2001:db8::1]:5060`). IPv4 is
/// written by hand: core::fmt took 2-3% of a busy capture's JSON lines, nine addresses a call,
/// and dividing each octet digit by digit still cost 400 instructions an address.
struct Addr<'a>(&'a std::net::SocketAddr);

impl Serialize for Addr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let std::net::SocketAddr::V4(a) = self.0 else {
            return self.0.serialize(s);
        };
        let mut buf = [0u8; 21];
        let mut n = 0;
        for (i, octet) in a.ip().octets().into_iter().enumerate() {
            if i > 0 {
                buf[n] = b'.';
                n += 1;
            }
            n += put_u8(octet, &mut buf[n..n + 3]);
        }
        buf[n] = b':';
        n += 1;
        let mut port = itoa::Buffer::new();
        let port = port.format(a.port()).as_bytes();
        buf[n..n + port.len()].copy_from_slice(port);
        n += port.len();
        // only ASCII digits, dots and a colon were written
        s.serialize_str(std::str::from_utf8(&buf[..n]).unwrap_or_default())
    }
}

/// Writes an octet's decimal digits at the start of `out`; returns how many.
#[inline]
fn put_u8(v: u8, out: &mut [u8]) -> usize {
    if v >= 100 {
        out[0] = b'0' + v / 100;
        out[1] = b'0' + v / 10 % 10;
        out[2] = b'0' + v % 10;
        3
    } else if v >= 10 {
        out[0] = b'0' + v / 10;
        out[1] = b'0' + v % 10;
        2
    } else {
        out[0] = b'0' + v;
        1
    }
}

impl Serialize for View<'_, MessageRef> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, m) = *self;
        let mut st = s.serialize_struct("Message", 13)?;
        st.serialize_field("frame", &m.frame)?;
        st.serialize_field("frames", &m.frames)?;
        st.serialize_field("time_s", &time(base, m.ts_ns))?;
        st.serialize_field("src", &Addr(&m.src))?;
        st.serialize_field("dst", &Addr(&m.dst))?;
        st.serialize_field("transport", m.transport.name())?;
        st.serialize_field("label", &m.label)?;
        if let Some(status) = m.status {
            st.serialize_field("status", &status)?;
        }
        st.serialize_field("cseq", &CSeqText(&m.cseq))?;
        st.serialize_field("retransmission", &m.retransmission)?;
        st.serialize_field("duplicate", &m.duplicate)?;
        if let Some(sdp) = &m.sdp {
            st.serialize_field("sdp", sdp)?;
        }
        if let Some(ua) = &m.user_agent {
            st.serialize_field("user_agent", ua)?;
        }
        st.end()
    }
}

impl Serialize for View<'_, SdpEvent> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, e) = *self;
        let mut st = s.serialize_struct("SdpEvent", 5)?;
        st.serialize_field("frame", &e.frame)?;
        st.serialize_field("time_s", &time(base, e.ts_ns))?;
        st.serialize_field("by", &e.by)?;
        st.serialize_field("carried_by", &e.carried_by)?;
        st.serialize_field("sdp", &e.sdp)?;
        st.end()
    }
}

impl Serialize for View<'_, HoldEvent> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, h) = *self;
        let mut st = s.serialize_struct("HoldEvent", 5)?;
        st.serialize_field("frame", &h.frame)?;
        st.serialize_field("time_s", &time(base, h.ts_ns))?;
        st.serialize_field("by", &h.by)?;
        st.serialize_field("action", &h.action)?;
        st.serialize_field("how", &h.how)?;
        st.end()
    }
}

impl Serialize for View<'_, Transfer> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, t) = *self;
        let mut st = s.serialize_struct("Transfer", 6)?;
        st.serialize_field("frame", &t.frame)?;
        st.serialize_field("time_s", &time(base, t.ts_ns))?;
        st.serialize_field("by", &t.by)?;
        st.serialize_field("refer_to", &t.refer_to)?;
        st.serialize_field("referred_by", &t.referred_by)?;
        st.serialize_field("status", &t.status)?;
        st.end()
    }
}

impl Serialize for View<'_, InfoDtmf> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, d) = *self;
        let mut st = s.serialize_struct("InfoDtmf", 5)?;
        st.serialize_field("frame", &d.frame)?;
        st.serialize_field("time_s", &time(base, d.ts_ns))?;
        st.serialize_field("by", &d.by)?;
        st.serialize_field("digit", &d.digit)?;
        st.serialize_field("duration_ms", &d.duration_ms)?;
        st.end()
    }
}

struct UnexpectedView<'a>(&'a voipscope_analysis::correlate::UnexpectedEndpoint);

impl Serialize for UnexpectedView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let u = self.0;
        let mut st = s.serialize_struct("UnexpectedEndpoint", 4)?;
        st.serialize_field("stream", &u.stream.saturating_sub(1))?;
        st.serialize_field("end", u.end.as_str())?;
        st.serialize_field("seen", &u.seen)?;
        st.serialize_field(
            "sdp_named",
            &voipscope_analysis::correlate::join_addrs(&u.sdp_named),
        )?;
        st.end()
    }
}

impl Serialize for View<'_, CallMedia> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, m) = *self;
        let mut st = s.serialize_struct("CallMedia", 8)?;
        st.serialize_field("streams", &Indexes(&m.streams))?;
        st.serialize_field("caller_to_callee_packets", &m.caller_to_callee_packets)?;
        st.serialize_field("callee_to_caller_packets", &m.callee_to_caller_packets)?;
        st.serialize_field("one_way", &m.one_way)?;
        st.serialize_field("no_media", &m.no_media)?;
        let unexpected: Vec<UnexpectedView<'_>> =
            m.unexpected_endpoints.iter().map(UnexpectedView).collect();
        st.serialize_field("unexpected_endpoints", &unexpected)?;
        #[derive(Serialize)]
        struct AfterBye {
            stream: usize,
            bye_s: f64,
            last_packet_s: f64,
        }
        let after: Vec<AfterBye> = m
            .rtp_after_bye
            .iter()
            .map(|b| AfterBye {
                stream: b.stream.saturating_sub(1),
                bye_s: base.s(b.bye_ns),
                last_packet_s: base.s(b.last_packet_ns),
            })
            .collect();
        st.serialize_field("rtp_after_bye", &after)?;
        st.serialize_field("flows", &Indexes(&m.flows))?;
        st.end()
    }
}

impl Serialize for View<'_, CallRecord> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, r) = *self;
        let c = &r.call;
        let mut st = s.serialize_struct("Call", 40)?;
        st.serialize_field("number", &c.number)?;
        st.serialize_field("call_id", &c.call_id)?;
        st.serialize_field("state", &c.state)?;
        st.serialize_field("final_status", &c.final_status)?;
        st.serialize_field("final_reason", &c.final_reason)?;
        st.serialize_field("from", &c.from)?;
        st.serialize_field("to", &c.to)?;
        st.serialize_field("request_uri", &c.request_uri)?;
        st.serialize_field("caller", &Addr(&c.caller))?;
        st.serialize_field("callee", &Addr(&c.callee))?;
        st.serialize_field("caller_via", &c.caller_via)?;
        st.serialize_field("caller_contact", &c.caller_contact)?;
        st.serialize_field("caller_user_agent", &c.caller_user_agent)?;
        st.serialize_field("callee_user_agent", &c.callee_user_agent)?;
        st.serialize_field("transport", c.transport.name())?;
        st.serialize_field("start_time", &timefmt::iso8601(c.start_ns))?;
        st.serialize_field("start_s", &base.s(c.start_ns))?;
        st.serialize_field("end_s", &base.s(c.end_ns))?;
        st.serialize_field("setup_time_ms", &c.setup_ns.map(timefmt::ms))?;
        st.serialize_field("answer_time_ms", &c.answer_ns.map(timefmt::ms))?;
        st.serialize_field("talk_duration_s", &talk_s(c))?;
        st.serialize_field("ended_by", &c.ended_by)?;
        st.serialize_field("end_method", &c.end_method)?;
        st.serialize_field("reason", &c.reason)?;
        st.serialize_field("warning", &c.warning)?;
        st.serialize_field("invite_attempts", &c.invite_attempts)?;
        st.serialize_field("auth_challenges", &c.auth_challenges)?;
        st.serialize_field("reinvites", &c.reinvites)?;
        st.serialize_field("updates", &c.updates)?;
        st.serialize_field("pracks", &c.pracks)?;
        st.serialize_field("reliable_provisionals", &c.reliable_provisionals)?;
        st.serialize_field("dialogs", &c.dialogs)?;
        st.serialize_field("holds", &List(base, &c.holds))?;
        st.serialize_field("transfers", &List(base, &c.transfers))?;
        st.serialize_field("info_dtmf", &List(base, &c.info_dtmf))?;
        st.serialize_field("sdp", &List(base, &c.sdp))?;
        st.serialize_field("retransmissions", &c.retransmissions)?;
        st.serialize_field("dropped_messages", &c.dropped_messages)?;
        st.serialize_field("media", &View(base, &r.media))?;
        st.serialize_field("messages", &List(base, &c.messages))?;
        st.end()
    }
}

/// The talk time in seconds as every output shows it.
pub fn talk_s(c: &voipscope_sip::Call) -> Option<f64> {
    c.talk_ns.map(|t| timefmt::ms(t) / 1e3)
}

impl Serialize for View<'_, Registration> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, r) = *self;
        let mut st = s.serialize_struct("Registration", 23)?;
        st.serialize_field("call_id", &r.call_id)?;
        st.serialize_field("aor", &r.aor)?;
        st.serialize_field("user", &r.user)?;
        st.serialize_field("contact", &r.contact)?;
        st.serialize_field("expires", &r.expires)?;
        st.serialize_field("unregister", &r.unregister)?;
        st.serialize_field("state", &r.state)?;
        st.serialize_field("final_status", &r.final_status)?;
        st.serialize_field("final_reason", &r.final_reason)?;
        st.serialize_field("attempts", &r.attempts)?;
        st.serialize_field("challenges", &r.challenges)?;
        st.serialize_field("stale_nonce", &r.stale_nonce)?;
        st.serialize_field("auth_user", &r.auth_user)?;
        st.serialize_field("source", &r.source)?;
        st.serialize_field("via", &r.via)?;
        st.serialize_field("registrar", &r.registrar)?;
        st.serialize_field("user_agent", &r.user_agent)?;
        st.serialize_field("transport", r.transport.name())?;
        st.serialize_field("start_time", &timefmt::iso8601(r.start_ns))?;
        st.serialize_field("start_s", &base.s(r.start_ns))?;
        st.serialize_field("end_s", &base.s(r.end_ns))?;
        st.serialize_field("retransmissions", &r.retransmissions)?;
        st.serialize_field("messages", &List(base, &r.messages))?;
        st.end()
    }
}

impl Serialize for View<'_, KeepAlive> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, k) = *self;
        let mut st = s.serialize_struct("KeepAlive", 7)?;
        st.serialize_field("src", &Addr(&k.src))?;
        st.serialize_field("dst", &Addr(&k.dst))?;
        st.serialize_field("requests", &k.requests)?;
        st.serialize_field("responses", &k.responses)?;
        st.serialize_field("last_status", &k.last_status)?;
        st.serialize_field("first_s", &base.s(k.first_ns))?;
        st.serialize_field("last_s", &base.s(k.last_ns))?;
        st.end()
    }
}

impl Serialize for View<'_, Subscription> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, x) = *self;
        let mut st = s.serialize_struct("Subscription", 11)?;
        st.serialize_field("call_id", &x.call_id)?;
        st.serialize_field("event", &x.event)?;
        st.serialize_field("from", &x.from)?;
        st.serialize_field("to", &x.to)?;
        st.serialize_field("subscribes", &x.subscribes)?;
        st.serialize_field("notifies", &x.notifies)?;
        st.serialize_field("status", &x.status)?;
        st.serialize_field("subscription_state", &x.subscription_state)?;
        st.serialize_field("dialog_states", &x.dialog_states)?;
        st.serialize_field("first_frame", &x.first_frame)?;
        st.serialize_field("first_s", &base.s(x.first_ns))?;
        st.end()
    }
}

impl Serialize for View<'_, Request> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, r) = *self;
        let mut st = s.serialize_struct("Request", 8)?;
        st.serialize_field("call_id", &r.call_id)?;
        st.serialize_field("method", &r.method)?;
        st.serialize_field("from", &r.from)?;
        st.serialize_field("to", &r.to)?;
        st.serialize_field("event", &r.event)?;
        st.serialize_field("status", &r.status)?;
        st.serialize_field("frame", &r.frame)?;
        st.serialize_field("time_s", &base.s(r.ts_ns))?;
        st.end()
    }
}

impl Serialize for View<'_, Unmatched> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, u) = *self;
        let mut st = s.serialize_struct("Unmatched", 5)?;
        st.serialize_field("call_id", &u.call_id)?;
        st.serialize_field("methods", &u.methods)?;
        st.serialize_field("statuses", &u.statuses)?;
        st.serialize_field("first_frame", &u.first_frame)?;
        st.serialize_field("first_s", &base.s(u.first_ns))?;
        st.end()
    }
}

impl Serialize for View<'_, OtherSip> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, o) = *self;
        let mut st = s.serialize_struct("OtherSip", 4)?;
        st.serialize_field("keepalives", &List(base, &o.keepalives))?;
        st.serialize_field("subscriptions", &List(base, &o.subscriptions))?;
        st.serialize_field("requests", &List(base, &o.requests))?;
        st.serialize_field("unmatched", &List(base, &o.unmatched))?;
        st.end()
    }
}

impl Serialize for View<'_, DtmfEvent> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, d) = *self;
        let mut st = s.serialize_struct("DtmfEvent", 6)?;
        st.serialize_field("digit", &d.digit)?;
        st.serialize_field("frame", &d.frame)?;
        st.serialize_field("start_s", &base.s(d.ts_ns))?;
        st.serialize_field("duration_ms", &d.duration_ms)?;
        st.serialize_field("volume_dbm0", &d.volume_dbm0)?;
        st.serialize_field("ended", &d.ended)?;
        st.end()
    }
}

/// `0x%08X`: how every output writes an SSRC.
pub fn ssrc(v: u32) -> String {
    Ssrc(v).with_text(|text| text.to_string())
}

/// An SSRC as [`ssrc`] writes it, serialized without a string of its own.
struct Ssrc(u32);

impl Ssrc {
    /// Calls `f` with `0x` and eight upper-case hex digits, put together without core::fmt.
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut text = *b"0x00000000";
        for (i, digit) in text[2..].iter_mut().enumerate() {
            *digit = HEX[((self.0 >> (28 - 4 * i)) & 0xF) as usize];
        }
        // only ASCII was written
        f(std::str::from_utf8(&text).unwrap_or_default())
    }
}

impl Serialize for Ssrc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.with_text(|text| s.serialize_str(text))
    }
}

impl Serialize for View<'_, RtpStream> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, x) = *self;
        let mut st = s.serialize_struct("RtpStream", 27)?;
        st.serialize_field("src", &Addr(&x.src))?;
        st.serialize_field("dst", &Addr(&x.dst))?;
        st.serialize_field("ssrc", &Ssrc(x.ssrc))?;
        st.serialize_field("packets", &x.packets)?;
        st.serialize_field("payload_bytes", &x.payload_bytes)?;
        st.serialize_field("call_id", &x.call_id)?;
        st.serialize_field("call_number", &x.call_number)?;
        st.serialize_field("direction", &x.direction)?;
        st.serialize_field("codec", &x.codec)?;
        st.serialize_field("payload_types", &x.payload_types)?;
        st.serialize_field("clock_rate", &x.clock_rate)?;
        st.serialize_field("clock_source", &x.clock_source)?;
        st.serialize_field("start", &base.s(x.start_ns))?;
        st.serialize_field("end", &base.s(x.end_ns))?;
        st.serialize_field("first_frame", &x.first_frame)?;
        st.serialize_field("last_frame", &x.last_frame)?;
        st.serialize_field("signaled", &x.signaled)?;
        st.serialize_field("encrypted", &x.encrypted)?;
        if let Some(e) = &x.encryption_evidence {
            st.serialize_field("encryption_evidence", e)?;
        }
        st.serialize_field("comfort_noise_packets", &x.comfort_noise_packets)?;
        st.serialize_field("event_packets", &x.event_packets)?;
        st.serialize_field("t38_udptl_port", &x.t38_udptl_port)?;
        st.serialize_field("wireshark", &x.wireshark)?;
        st.serialize_field("rfc3550", &x.rfc3550)?;
        st.serialize_field("quality", &x.quality)?;
        st.serialize_field("dtmf", &List(base, &x.dtmf))?;
        st.serialize_field("rtcp", &x.rtcp)?;
        st.end()
    }
}

impl Serialize for View<'_, MediaFlow> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, f) = *self;
        let mut st = s.serialize_struct("MediaFlow", 11)?;
        st.serialize_field("src", &Addr(&f.src))?;
        st.serialize_field("dst", &Addr(&f.dst))?;
        st.serialize_field("kind", &f.kind)?;
        st.serialize_field("packets", &f.packets)?;
        st.serialize_field("bytes", &f.bytes)?;
        st.serialize_field("first_frame", &f.first_frame)?;
        st.serialize_field("last_frame", &f.last_frame)?;
        st.serialize_field("start", &base.s(f.start_ns))?;
        st.serialize_field("end", &base.s(f.end_ns))?;
        st.serialize_field("call_id", &f.call_id)?;
        st.serialize_field("call_number", &f.call_number)?;
        st.end()
    }
}

impl Serialize for View<'_, voipscope_analysis::Analysis> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let View(base, a) = *self;
        let mut st = s.serialize_struct("Analysis", 10)?;
        st.serialize_field("capture", &a.capture)?;
        st.serialize_field("sip", &a.sip)?;
        st.serialize_field("calls", &List(base, &a.calls))?;
        st.serialize_field("registrations", &List(base, &a.registrations))?;
        st.serialize_field("other_sip", &View(base, &a.other_sip))?;
        st.serialize_field("media", &a.media)?;
        st.serialize_field("streams", &List(base, &a.streams))?;
        st.serialize_field("media_flows", &List(base, &a.media_flows))?;
        st.serialize_field("findings", &a.findings)?;
        st.serialize_field("anomalies", &crate::anomaly::JsonList(&a.anomalies))?;
        st.end()
    }
}

/// The whole analysis as the JSON document's value.
pub fn document(a: &voipscope_analysis::Analysis) -> View<'_, voipscope_analysis::Analysis> {
    View(a.capture.time_base, a)
}

/// The calls and registrations alone, as `voipscope calls --format json` prints them.
pub fn calls_only(a: &voipscope_analysis::Analysis) -> impl Serialize + '_ {
    struct CallsOnly<'a>(&'a voipscope_analysis::Analysis);
    impl Serialize for CallsOnly<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let base = self.0.capture.time_base;
            let mut st = s.serialize_struct("CallsOnly", 2)?;
            st.serialize_field("calls", &List(base, &self.0.calls))?;
            st.serialize_field("registrations", &List(base, &self.0.registrations))?;
            st.end()
        }
    }
    CallsOnly(a)
}

/// The streams alone, as `voipscope rtp --format json` prints them.
pub fn streams_only(a: &voipscope_analysis::Analysis) -> impl Serialize + '_ {
    struct StreamsOnly<'a>(&'a voipscope_analysis::Analysis);
    impl Serialize for StreamsOnly<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let base = self.0.capture.time_base;
            let mut st = s.serialize_struct("StreamsOnly", 2)?;
            st.serialize_field("media", &self.0.media)?;
            st.serialize_field("streams", &List(base, &self.0.streams))?;
            st.end()
        }
    }
    StreamsOnly(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cseqs_and_ssrcs_read_as_display_writes_them() {
        use voipscope_sip::{CSeq, Method};
        let long = "X".repeat(60);
        for (number, method) in [
            (0, Method::Invite),
            (1, Method::Ack),
            (4_294_967_295, Method::Subscribe),
            (102, Method::Other("FOO".into())),
            (7, Method::Other(long.as_str().into())),
            (7, Method::Other("quote\"d".into())),
        ] {
            let cseq = CSeq { number, method };
            assert_eq!(
                serde_json::to_string(&CSeqText(&cseq)).unwrap(),
                serde_json::to_string(&cseq.to_string()).unwrap()
            );
        }
        for v in [0, 1, 0xABCD_EF01, u32::MAX, 0x658E_EC67] {
            assert_eq!(
                serde_json::to_string(&Ssrc(v)).unwrap(),
                serde_json::to_string(&format!("0x{v:08X}")).unwrap()
            );
            assert_eq!(ssrc(v), format!("0x{v:08X}"));
        }
    }

    #[test]
    fn addresses_read_as_display_writes_them() {
        for a in [
            "0.0.0.0:0",
            "10.0.0.1:5060",
            "255.255.255.255:65535",
            "192.168.100.7:9",
            "[2001:db8::1]:5060",
            "[fe80::1%2]:5061",
        ] {
            let addr: std::net::SocketAddr = a.parse().unwrap();
            let json = serde_json::to_string(&Addr(&addr)).unwrap();
            assert_eq!(json, format!("\"{addr}\""));
        }
        // every octet value at every place, and ports of every width
        for v in 0..=255u8 {
            for (at, port) in [(0, 0u16), (1, 9), (2, 10), (3, 65535), (0, 5060)] {
                let mut octets = [1u8, 22, 133, 4];
                octets[at] = v;
                let addr = std::net::SocketAddr::from((octets, port));
                let json = serde_json::to_string(&Addr(&addr)).unwrap();
                assert_eq!(json, format!("\"{addr}\""));
            }
        }
    }
}
