//! Teaching captures: one short scripted SIP exchange per situation a support engineer meets
//! (busy, cancel, digest challenge, hold, transfer, codec mismatch, NAT...), with G.711 RTP
//! where the call has media. Every byte is fixed by the script, so a scenario always writes the
//! same file. `samples/README.md` tells each story.

use std::io::Write;
use std::net::Ipv4Addr;

/// Every scenario: name and one line of what it shows.
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "basic-call",
        "a call answered, four seconds of two-way audio, hung up by the caller",
    ),
    ("busy", "the callee is busy: 486 Busy Here"),
    ("cancel", "the caller hangs up while it rings: CANCEL, 487"),
    (
        "no-answer",
        "nothing answers the INVITE: it is retransmitted until the caller gives up",
    ),
    (
        "register-digest",
        "a registration challenged with 401 and accepted with credentials",
    ),
    (
        "invite-407",
        "the proxy asks for credentials (407); the second INVITE is answered",
    ),
    (
        "hold-resume",
        "a call put on hold (sendonly) and resumed by re-INVITE",
    ),
    (
        "blind-transfer",
        "the callee transfers the caller to a third phone with REFER",
    ),
    (
        "codec-mismatch-488",
        "the offer has only G.729, the callee only G.711: 488",
    ),
    (
        "one-way-nat",
        "a phone behind NAT advertises its LAN address: audio in one direction only",
    ),
    (
        "sip-tcp",
        "a basic call with SIP over TCP, one message split over two segments",
    ),
];

const START_NS: i64 = 1_735_689_600_000_000_000; // 2025-01-01T00:00:00Z
const PTIME_MS: i64 = 20;

type Addr = (Ipv4Addr, u16);

/// Frames of a scenario, written as a classic pcap (Ethernet, microseconds).
struct Capture {
    frames: Vec<(i64, Vec<u8>)>,
    /// Next sequence number per TCP direction.
    tcp_seq: Vec<((Addr, Addr), u32)>,
}

fn ms(t: i64) -> i64 {
    START_NS + t * 1_000_000
}

impl Capture {
    fn new() -> Capture {
        Capture {
            frames: Vec::new(),
            tcp_seq: Vec::new(),
        }
    }

    fn udp(&mut self, t_ms: i64, src: Addr, dst: Addr, payload: &[u8]) {
        self.udp_at(ms(t_ms), src, dst, payload);
    }

    fn udp_at(&mut self, t_ns: i64, src: Addr, dst: Addr, payload: &[u8]) {
        let mut v = Vec::with_capacity(payload.len() + 42);
        let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(src.0.octets(), dst.0.octets(), 64)
            .udp(src.1, dst.1);
        if b.write(&mut v, payload).is_ok() {
            self.frames.push((t_ns, v));
        }
    }

    fn seq(&mut self, src: Addr, dst: Addr) -> &mut u32 {
        let i = match self.tcp_seq.iter().position(|(k, _)| *k == (src, dst)) {
            Some(i) => i,
            None => {
                // fixed initial sequence numbers, different per direction
                let isn = 1000 + 7919 * self.tcp_seq.len() as u32;
                self.tcp_seq.push(((src, dst), isn));
                self.tcp_seq.len() - 1
            }
        };
        &mut self.tcp_seq[i].1
    }

    fn tcp_segment(&mut self, t_ms: i64, src: Addr, dst: Addr, flags: &str, payload: &[u8]) {
        let seq = *self.seq(src, dst);
        let ack = *self.seq(dst, src);
        let mut b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(src.0.octets(), dst.0.octets(), 64)
            .tcp(src.1, dst.1, seq, 64240);
        if flags.contains('S') {
            b = b.syn();
        }
        if flags.contains('A') {
            b = b.ack(ack);
        }
        if flags.contains('P') {
            b = b.psh();
        }
        let mut v = Vec::new();
        if b.write(&mut v, payload).is_ok() {
            self.frames.push((ms(t_ms), v));
        }
        let used = payload.len() as u32 + u32::from(flags.contains('S'));
        *self.seq(src, dst) = seq.wrapping_add(used);
    }

    /// Opens a TCP connection (three-way handshake) from `client` to `server`.
    fn tcp_connect(&mut self, t_ms: i64, client: Addr, server: Addr) {
        self.tcp_segment(t_ms, client, server, "S", &[]);
        self.tcp_segment(t_ms + 1, server, client, "SA", &[]);
        self.tcp_segment(t_ms + 2, client, server, "A", &[]);
    }

    /// G.711 µ-law RTP from `src` to `dst` for `duration_ms`, one packet every 20 ms.
    fn rtp(&mut self, start_ms: i64, duration_ms: i64, src: Addr, dst: Addr, ssrc: u32) {
        let packets = duration_ms / PTIME_MS;
        for i in 0..packets {
            let mut p = vec![0xFFu8; 172];
            p[0] = 0x80;
            p[1] = if i == 0 { 0x80 } else { 0x00 };
            let seq = (ssrc as u16).wrapping_add(i as u16);
            let ts = (ssrc >> 8).wrapping_add(160 * i as u32);
            p[2..4].copy_from_slice(&seq.to_be_bytes());
            p[4..8].copy_from_slice(&ts.to_be_bytes());
            p[8..12].copy_from_slice(&ssrc.to_be_bytes());
            // a quiet tone, so the payload is not all silence
            for (k, b) in p[12..].iter_mut().enumerate() {
                *b = if (k / 4) % 2 == 0 { 0xF0 } else { 0x70 };
            }
            // a small, repeatable wobble in arrival time (0..3 ms)
            let wobble_us = i64::from((ssrc as i64 + i * 7) as u8 % 4) * 700;
            self.udp_at(ms(start_ms + i * PTIME_MS) + wobble_us * 1000, src, dst, &p);
        }
    }

    fn write<W: Write>(mut self, mut w: W) -> std::io::Result<u64> {
        self.frames.sort_by_key(|f| f.0);
        voipscope_wire::capture::write::pcap_header(&mut w, 1, false, 65535)?;
        for (t, data) in &self.frames {
            voipscope_wire::capture::write::pcap_record(
                &mut w,
                *t,
                false,
                data,
                data.len() as u32,
            )?;
        }
        w.flush()?;
        Ok(self.frames.len() as u64)
    }
}

/// One side of a dialog as headers name it.
#[derive(Clone)]
struct Party {
    name: &'static str,
    user: &'static str,
    host: Ipv4Addr,
    /// Where it sends SIP from and receives SIP at.
    sip: Addr,
    /// The address its SDP names for media.
    media: Addr,
    ua: &'static str,
}

impl Party {
    fn uri(&self) -> String {
        format!("sip:{}@{}", self.user, self.host)
    }
}

/// The fixed parts of a dialog: who calls whom, Call-ID and tags.
struct Dialog {
    call_id: String,
    caller: Party,
    callee: Party,
    caller_tag: &'static str,
    callee_tag: &'static str,
    transport: &'static str,
}

#[derive(Clone, Copy)]
enum Codecs {
    Pcmu,
    G729Only,
}

fn sdp(p: &Party, session: u32, version: u32, direction: &str, codecs: Codecs) -> String {
    let ip = p.media.0;
    let (fmts, maps) = match codecs {
        Codecs::Pcmu => (
            "0 101",
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n",
        ),
        Codecs::G729Only => ("18", "a=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n"),
    };
    format!(
        "v=0\r\no={} {session} {version} IN IP4 {ip}\r\ns=call\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
m=audio {} RTP/AVP {fmts}\r\n{maps}a=ptime:20\r\na={direction}\r\n",
        p.user, p.media.1
    )
}

impl Dialog {
    /// A request the caller sends, outside the dialog (no To tag) until
    /// [`Message::in_dialog`].
    fn request(&self, method: &'static str, cseq: u32, branch: &'static str) -> Message<'_> {
        self.message(Start::Request(method), cseq, method, branch)
    }

    /// A response to a request of the caller, without a To tag until [`Message::in_dialog`].
    fn response(
        &self,
        status: &'static str,
        cseq: u32,
        method: &'static str,
        branch: &'static str,
    ) -> Message<'_> {
        self.message(Start::Response(status), cseq, method, branch)
    }

    fn message(
        &self,
        start: Start,
        cseq: u32,
        method: &'static str,
        branch: &'static str,
    ) -> Message<'_> {
        Message {
            dialog: self,
            start,
            caller_asks: true,
            cseq,
            method,
            branch,
            in_dialog: false,
            extra: Vec::new(),
            body: None,
        }
    }
}

/// A request's method or a response's status line.
#[derive(Clone, Copy)]
enum Start {
    Request(&'static str),
    Response(&'static str),
}

/// One SIP message of a dialog, built in steps (who asked, the To tag, extra headers, a body)
/// and then written as text or sent over UDP between the parties.
struct Message<'d> {
    dialog: &'d Dialog,
    start: Start,
    /// The caller sent the request (for a response: the request it answers).
    caller_asks: bool,
    cseq: u32,
    /// The CSeq method.
    method: &'static str,
    branch: &'static str,
    in_dialog: bool,
    extra: Vec<String>,
    body: Option<String>,
}

impl Message<'_> {
    /// The callee sent the request (or the request this response answers).
    fn by_callee(mut self) -> Self {
        self.caller_asks = false;
        self
    }

    /// The dialog exists: the To header has its tag.
    fn in_dialog(mut self) -> Self {
        self.in_dialog = true;
        self
    }

    fn headers(mut self, extra: &[String]) -> Self {
        self.extra.extend_from_slice(extra);
        self
    }

    fn body(mut self, body: &str) -> Self {
        self.body = Some(body.to_string());
        self
    }

    /// Sends the message over UDP from the party that sends it, at `t_ms`.
    fn send(&self, c: &mut Capture, t_ms: i64) {
        let d = self.dialog;
        let caller_sends = match self.start {
            Start::Request(_) => self.caller_asks,
            Start::Response(_) => !self.caller_asks,
        };
        let (src, dst) = if caller_sends {
            (d.caller.sip, d.callee.sip)
        } else {
            (d.callee.sip, d.caller.sip)
        };
        c.udp(t_ms, src, dst, self.text().as_bytes());
    }

    fn text(&self) -> String {
        let d = self.dialog;
        // who asked and who answers, with their tags
        let (asker, answerer, asker_tag, answerer_tag) = if self.caller_asks {
            (&d.caller, &d.callee, d.caller_tag, d.callee_tag)
        } else {
            (&d.callee, &d.caller, d.callee_tag, d.caller_tag)
        };
        let (cseq, method, branch) = (self.cseq, self.method, self.branch);
        let to = |m: &mut String| {
            if self.in_dialog {
                *m += &format!("To: <{}>;tag={answerer_tag}\r\n", answerer.uri());
            } else {
                *m += &format!("To: <{}>\r\n", answerer.uri());
            }
        };
        let contact = |m: &mut String, p: &Party| {
            *m += &format!(
                "Contact: <sip:{}@{}:{};transport={}>\r\n",
                p.user,
                p.host,
                p.sip.1,
                d.transport.to_ascii_lowercase()
            );
        };
        let mut m;
        match self.start {
            Start::Request(method) => {
                let ruri = if self.in_dialog {
                    format!(
                        "sip:{}@{}:{}",
                        answerer.user, answerer.sip.0, answerer.sip.1
                    )
                } else {
                    answerer.uri()
                };
                m = format!("{method} {ruri} SIP/2.0\r\n");
                m += &format!(
                    "Via: SIP/2.0/{} {}:{};branch=z9hG4bK{branch};rport\r\n",
                    d.transport, asker.host, asker.sip.1
                );
                m += "Max-Forwards: 70\r\n";
                m += &format!(
                    "From: \"{}\" <{}>;tag={asker_tag}\r\n",
                    asker.name,
                    asker.uri()
                );
                to(&mut m);
                m += &format!("Call-ID: {}\r\nCSeq: {cseq} {method}\r\n", d.call_id);
                if matches!(
                    method,
                    "INVITE" | "REFER" | "SUBSCRIBE" | "NOTIFY" | "REGISTER"
                ) {
                    contact(&mut m, asker);
                }
                for h in &self.extra {
                    m += h;
                    m += "\r\n";
                }
                m += &format!("User-Agent: {}\r\n", asker.ua);
            }
            Start::Response(status) => {
                m = format!("SIP/2.0 {status}\r\n");
                m += &format!(
                    "Via: SIP/2.0/{} {}:{};branch=z9hG4bK{branch};rport={};received={}\r\n",
                    d.transport, asker.host, asker.sip.1, asker.sip.1, asker.sip.0
                );
                m += &format!(
                    "From: \"{}\" <{}>;tag={asker_tag}\r\n",
                    asker.name,
                    asker.uri()
                );
                to(&mut m);
                m += &format!("Call-ID: {}\r\nCSeq: {cseq} {method}\r\n", d.call_id);
                if status.starts_with("200") && method == "INVITE" {
                    contact(&mut m, answerer);
                }
                for h in &self.extra {
                    m += h;
                    m += "\r\n";
                }
                m += &format!("Server: {}\r\n", answerer.ua);
            }
        }
        finish(m, self.body.as_deref())
    }
}

fn finish(mut m: String, body: Option<&str>) -> String {
    match body {
        Some(b) => {
            let ct = if b.starts_with("v=0") {
                "application/sdp"
            } else if b.starts_with("SIP/2.0") {
                "message/sipfrag;version=2.0"
            } else {
                "text/plain"
            };
            m += &format!(
                "Content-Type: {ct}\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            );
        }
        None => m += "Content-Length: 0\r\n\r\n",
    }
    m
}

fn alice() -> Party {
    Party {
        name: "Alice",
        user: "alice",
        host: Ipv4Addr::new(192, 0, 2, 10),
        sip: (Ipv4Addr::new(192, 0, 2, 10), 5060),
        media: (Ipv4Addr::new(192, 0, 2, 10), 40000),
        ua: "Teaching Phone A/1.0",
    }
}

fn bob() -> Party {
    Party {
        name: "Bob",
        user: "bob",
        host: Ipv4Addr::new(198, 51, 100, 20),
        sip: (Ipv4Addr::new(198, 51, 100, 20), 5060),
        media: (Ipv4Addr::new(198, 51, 100, 20), 50000),
        ua: "Teaching Phone B/1.0",
    }
}

fn carol() -> Party {
    Party {
        name: "Carol",
        user: "carol",
        host: Ipv4Addr::new(203, 0, 113, 30),
        sip: (Ipv4Addr::new(203, 0, 113, 30), 5060),
        media: (Ipv4Addr::new(203, 0, 113, 30), 60000),
        ua: "Teaching Phone C/1.0",
    }
}

fn dialog(call_id: &str, caller: Party, callee: Party) -> Dialog {
    Dialog {
        call_id: call_id.to_string(),
        caller,
        callee,
        caller_tag: "a73kszlfl",
        callee_tag: "b1907x",
        transport: "UDP",
    }
}

/// INVITE with an offer, 100, 180, 200 with an answer, ACK; returns when the ACK went.
fn answered_call(c: &mut Capture, d: &Dialog, t: i64, cseq: u32, extra: &[String]) -> i64 {
    let offer = sdp(&d.caller, 1001, 1, "sendrecv", Codecs::Pcmu);
    let answer = sdp(&d.callee, 2002, 1, "sendrecv", Codecs::Pcmu);
    d.request("INVITE", cseq, "inv1")
        .headers(extra)
        .body(&offer)
        .send(c, t);
    d.response("100 Trying", cseq, "INVITE", "inv1")
        .send(c, t + 5);
    d.response("180 Ringing", cseq, "INVITE", "inv1")
        .in_dialog()
        .send(c, t + 40);
    d.response("200 OK", cseq, "INVITE", "inv1")
        .in_dialog()
        .body(&answer)
        .send(c, t + 2040);
    d.request("ACK", cseq, "ack1").in_dialog().send(c, t + 2050);
    t + 2050
}

fn two_way_audio(c: &mut Capture, d: &Dialog, t: i64, duration_ms: i64) {
    c.rtp(
        t + 10,
        duration_ms,
        d.caller.media,
        d.callee.media,
        0x1A2B_3C01,
    );
    c.rtp(
        t + 13,
        duration_ms,
        d.callee.media,
        d.caller.media,
        0x5E6F_7A02,
    );
}

fn hang_up(c: &mut Capture, d: &Dialog, t: i64, cseq: u32) {
    d.request("BYE", cseq, "bye1").in_dialog().send(c, t);
    d.response("200 OK", cseq, "BYE", "bye1")
        .in_dialog()
        .send(c, t + 30);
}

fn basic_call(c: &mut Capture) {
    let d = dialog("basic-7f3a91@192.0.2.10", alice(), bob());
    let t = answered_call(c, &d, 0, 1, &[]);
    two_way_audio(c, &d, t, 4000);
    hang_up(c, &d, t + 4100, 2);
}

fn busy(c: &mut Capture) {
    let d = dialog("busy-2c81e0@192.0.2.10", alice(), bob());
    let offer = sdp(&d.caller, 1001, 1, "sendrecv", Codecs::Pcmu);
    d.request("INVITE", 1, "inv1").body(&offer).send(c, 0);
    d.response("100 Trying", 1, "INVITE", "inv1").send(c, 5);
    d.response("486 Busy Here", 1, "INVITE", "inv1")
        .in_dialog()
        .send(c, 60);
    // the ACK of a non-2xx final response belongs to the INVITE transaction (same branch)
    d.request("ACK", 1, "inv1").in_dialog().send(c, 65);
}

fn cancel(c: &mut Capture) {
    let d = dialog("cancel-9b07d2@192.0.2.10", alice(), bob());
    let offer = sdp(&d.caller, 1001, 1, "sendrecv", Codecs::Pcmu);
    d.request("INVITE", 1, "inv1").body(&offer).send(c, 0);
    d.response("100 Trying", 1, "INVITE", "inv1").send(c, 5);
    d.response("180 Ringing", 1, "INVITE", "inv1")
        .in_dialog()
        .send(c, 40);
    // CANCEL: same branch and CSeq number as the INVITE, no To tag
    d.request("CANCEL", 1, "inv1").send(c, 6040);
    d.response("200 OK", 1, "CANCEL", "inv1").send(c, 6045);
    d.response("487 Request Terminated", 1, "INVITE", "inv1")
        .in_dialog()
        .send(c, 6050);
    d.request("ACK", 1, "inv1").in_dialog().send(c, 6055);
}

fn no_answer(c: &mut Capture) {
    let d = dialog("noanswer-41aa5c@192.0.2.10", alice(), bob());
    let offer = sdp(&d.caller, 1001, 1, "sendrecv", Codecs::Pcmu);
    let invite = d.request("INVITE", 1, "inv1").body(&offer);
    // RFC 3261 timer A: 0.5 s, doubling, until timer B (32 s) gives up
    for t in [0, 500, 1500, 3500, 7500, 15500, 31500] {
        invite.send(c, t);
    }
}

fn register_digest(c: &mut Capture) {
    let registrar = Party {
        name: "Registrar",
        user: "registrar",
        host: Ipv4Addr::new(198, 51, 100, 5),
        sip: (Ipv4Addr::new(198, 51, 100, 5), 5060),
        media: (Ipv4Addr::new(198, 51, 100, 5), 0),
        ua: "Teaching Registrar/1.0",
    };
    let me = alice();
    let reg = |cseq: u32, branch: &str, auth: Option<&str>| -> String {
        let mut m = format!("REGISTER sip:{} SIP/2.0\r\n", registrar.host);
        m += &format!(
            "Via: SIP/2.0/UDP {}:5060;branch=z9hG4bK{branch};rport\r\nMax-Forwards: 70\r\n",
            me.host
        );
        m += &format!("From: <sip:alice@{}>;tag=r1g5\r\n", registrar.host);
        m += &format!("To: <sip:alice@{}>\r\n", registrar.host);
        m += &format!("Call-ID: reg-5d2e77@192.0.2.10\r\nCSeq: {cseq} REGISTER\r\n");
        m += &format!("Contact: <sip:alice@{}:5060>;expires=3600\r\n", me.host);
        if let Some(a) = auth {
            m += a;
            m += "\r\n";
        }
        m += &format!("User-Agent: {}\r\n", me.ua);
        finish(m, None)
    };
    let resp = |status: &str, cseq: u32, branch: &str, extra: &str| -> String {
        let mut m = format!("SIP/2.0 {status}\r\n");
        m += &format!(
            "Via: SIP/2.0/UDP {}:5060;branch=z9hG4bK{branch};rport=5060;received={}\r\n",
            me.host, me.host
        );
        m += &format!("From: <sip:alice@{}>;tag=r1g5\r\n", registrar.host);
        m += &format!("To: <sip:alice@{}>;tag=srv88\r\n", registrar.host);
        m += &format!("Call-ID: reg-5d2e77@192.0.2.10\r\nCSeq: {cseq} REGISTER\r\n");
        m += extra;
        m += &format!("Server: {}\r\n", registrar.ua);
        finish(m, None)
    };
    let realm = "teaching.example";
    let nonce = "5f1d3a9c0b7e";
    c.udp(0, me.sip, registrar.sip, reg(1, "reg1", None).as_bytes());
    c.udp(
        20,
        registrar.sip,
        me.sip,
        resp(
            "401 Unauthorized",
            1,
            "reg1",
            &format!("WWW-Authenticate: Digest realm=\"{realm}\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\"\r\n"),
        )
        .as_bytes(),
    );
    let auth = format!(
        "Authorization: Digest username=\"alice\", realm=\"{realm}\", nonce=\"{nonce}\", \
uri=\"sip:{}\", response=\"0a4f113b8d3c5e8f1b2c3d4e5f607182\", algorithm=MD5, qop=auth, \
nc=00000001, cnonce=\"8a3e\"",
        registrar.host
    );
    c.udp(
        40,
        me.sip,
        registrar.sip,
        reg(2, "reg2", Some(&auth)).as_bytes(),
    );
    c.udp(
        60,
        registrar.sip,
        me.sip,
        resp(
            "200 OK",
            2,
            "reg2",
            &format!("Contact: <sip:alice@{}:5060>;expires=3600\r\n", me.host),
        )
        .as_bytes(),
    );
}

fn invite_407(c: &mut Capture) {
    let proxy = Party {
        name: "Bob",
        user: "bob",
        host: Ipv4Addr::new(198, 51, 100, 5),
        sip: (Ipv4Addr::new(198, 51, 100, 5), 5060),
        media: (Ipv4Addr::new(198, 51, 100, 20), 50000),
        ua: "Teaching Proxy/1.0",
    };
    let d = dialog("auth407-66c0b3@192.0.2.10", alice(), proxy);
    let offer = sdp(&d.caller, 1001, 1, "sendrecv", Codecs::Pcmu);
    d.request("INVITE", 1, "inv0").body(&offer).send(c, 0);
    d.response("407 Proxy Authentication Required", 1, "INVITE", "inv0").in_dialog().headers(&["Proxy-Authenticate: Digest realm=\"teaching.example\", nonce=\"77ab09e1\", algorithm=MD5".into()]).send(c, 15);
    d.request("ACK", 1, "inv0").in_dialog().send(c, 20);
    let creds = "Proxy-Authorization: Digest username=\"alice\", realm=\"teaching.example\", \
nonce=\"77ab09e1\", uri=\"sip:bob@198.51.100.5\", response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5"
        .to_string();
    let t = answered_call(c, &d, 30, 2, &[creds]);
    two_way_audio(c, &d, t, 3000);
    hang_up(c, &d, t + 3100, 3);
}

fn hold_resume(c: &mut Capture) {
    let d = dialog("hold-0d9e4f@192.0.2.10", alice(), bob());
    let t = answered_call(c, &d, 0, 1, &[]);
    two_way_audio(c, &d, t, 2000);
    // hold: Alice offers sendonly (music on hold would flow from her; here: silence)
    let hold = sdp(&d.caller, 1001, 2, "sendonly", Codecs::Pcmu);
    let held = sdp(&d.callee, 2002, 2, "recvonly", Codecs::Pcmu);
    let t1 = t + 2100;
    d.request("INVITE", 2, "hold1")
        .in_dialog()
        .body(&hold)
        .send(c, t1);
    d.response("200 OK", 2, "INVITE", "hold1")
        .in_dialog()
        .body(&held)
        .send(c, t1 + 30);
    d.request("ACK", 2, "hack1").in_dialog().send(c, t1 + 40);
    // while held, only Alice's side sends (comfort audio); Bob is silent
    c.rtp(t1 + 60, 3000, d.caller.media, d.callee.media, 0x1A2B_3D11);
    let t2 = t1 + 3200;
    let resume = sdp(&d.caller, 1001, 3, "sendrecv", Codecs::Pcmu);
    let resumed = sdp(&d.callee, 2002, 3, "sendrecv", Codecs::Pcmu);
    d.request("INVITE", 3, "res1")
        .in_dialog()
        .body(&resume)
        .send(c, t2);
    d.response("200 OK", 3, "INVITE", "res1")
        .in_dialog()
        .body(&resumed)
        .send(c, t2 + 30);
    d.request("ACK", 3, "rack1").in_dialog().send(c, t2 + 40);
    c.rtp(t2 + 60, 2000, d.caller.media, d.callee.media, 0x1A2B_3E21);
    c.rtp(t2 + 63, 2000, d.callee.media, d.caller.media, 0x5E6F_7B22);
    hang_up(c, &d, t2 + 2200, 4);
}

fn blind_transfer(c: &mut Capture) {
    let d = dialog("xfer-a1-3b5c@192.0.2.10", alice(), bob());
    let t = answered_call(c, &d, 0, 1, &[]);
    two_way_audio(c, &d, t, 2000);
    // Bob (the callee) transfers Alice to Carol
    let t1 = t + 2100;
    let refer_to = format!("Refer-To: <{}>", carol().uri());
    let referred_by = format!("Referred-By: <{}>", bob().uri());
    d.request("REFER", 1, "ref1")
        .by_callee()
        .in_dialog()
        .headers(&[refer_to, referred_by.clone()])
        .send(c, t1);
    d.response("202 Accepted", 1, "REFER", "ref1")
        .by_callee()
        .in_dialog()
        .send(c, t1 + 20);
    d.request("NOTIFY", 2, "ntf1")
        .in_dialog()
        .headers(&[
            "Event: refer".into(),
            "Subscription-State: active;expires=60".into(),
        ])
        .body("SIP/2.0 100 Trying\r\n")
        .send(c, t1 + 30);
    d.response("200 OK", 2, "NOTIFY", "ntf1")
        .in_dialog()
        .send(c, t1 + 40);
    // Alice calls Carol: a new call with its own Call-ID
    let d2 = Dialog {
        call_id: "xfer-a2-8e1f@192.0.2.10".into(),
        caller: alice(),
        callee: carol(),
        caller_tag: "c44e1",
        callee_tag: "c9x2",
        transport: "UDP",
    };
    let t2 = answered_call(c, &d2, t1 + 60, 1, &[referred_by]);
    d.request("NOTIFY", 3, "ntf2")
        .in_dialog()
        .headers(&[
            "Event: refer".into(),
            "Subscription-State: terminated;reason=noresource".into(),
        ])
        .body("SIP/2.0 200 OK\r\n")
        .send(c, t2 + 10);
    d.response("200 OK", 3, "NOTIFY", "ntf2")
        .in_dialog()
        .send(c, t2 + 20);
    // Bob leaves the first call
    d.request("BYE", 2, "bye1")
        .by_callee()
        .in_dialog()
        .send(c, t2 + 40);
    d.response("200 OK", 2, "BYE", "bye1")
        .by_callee()
        .in_dialog()
        .send(c, t2 + 60);
    two_way_audio(c, &d2, t2, 3000);
    hang_up(c, &d2, t2 + 3100, 2);
}

fn codec_mismatch(c: &mut Capture) {
    let d = dialog("488-c2d4e6@192.0.2.10", alice(), bob());
    let offer = sdp(&d.caller, 1001, 1, "sendrecv", Codecs::G729Only);
    d.request("INVITE", 1, "inv1").body(&offer).send(c, 0);
    d.response("100 Trying", 1, "INVITE", "inv1").send(c, 5);
    d.response("488 Not Acceptable Here", 1, "INVITE", "inv1")
        .in_dialog()
        .headers(&[
            "Warning: 305 198.51.100.20 \"Incompatible media format: only PCMU and PCMA\"".into(),
        ])
        .send(c, 25);
    d.request("ACK", 1, "inv1").in_dialog().send(c, 30);
}

fn one_way_nat(c: &mut Capture) {
    // Captured on Alice's PC: she sits behind a NAT router (public address 203.0.113.7) and
    // writes her LAN address into Via, Contact and SDP.
    let lan = Ipv4Addr::new(192, 168, 1, 20);
    let me = Party {
        name: "Alice",
        user: "alice",
        host: lan,
        sip: (lan, 5060),
        media: (lan, 40000),
        ua: "Teaching Phone A/1.0",
    };
    let provider = Party {
        name: "Provider",
        user: "4930123456",
        host: Ipv4Addr::new(198, 51, 100, 5),
        sip: (Ipv4Addr::new(198, 51, 100, 5), 5060),
        media: (Ipv4Addr::new(198, 51, 100, 9), 30000),
        ua: "Teaching Provider SBC/2.1",
    };
    let d = dialog("nat-12ab34@192.168.1.20", me, provider);
    let t = answered_call(c, &d, 0, 1, &[]);
    // Alice's audio reaches the provider; the provider's goes to 192.168.1.20, which no router
    // on the Internet delivers: nothing comes back
    c.rtp(t + 10, 4000, d.caller.media, d.callee.media, 0x1A2B_3C01);
    hang_up(c, &d, t + 4100, 2);
}

fn sip_tcp(c: &mut Capture) {
    let mut d = dialog("tcp-55e0aa@192.0.2.10", alice(), bob());
    d.transport = "TCP";
    // Alice connects from an ephemeral port; Bob answers on the same connection
    let client = (d.caller.host, 49152);
    d.caller.sip = client;
    let server = d.callee.sip;
    c.tcp_connect(0, client, server);
    let offer = sdp(&d.caller, 1001, 1, "sendrecv", Codecs::Pcmu);
    let answer = sdp(&d.callee, 2002, 1, "sendrecv", Codecs::Pcmu);
    let invite = d.request("INVITE", 1, "inv1").body(&offer).text();
    // the INVITE does not fit one segment here: headers, then the SDP body
    let cut = invite.find("\r\n\r\n").map_or(invite.len() / 2, |i| i + 4);
    c.tcp_segment(10, client, server, "PA", &invite.as_bytes()[..cut]);
    c.tcp_segment(11, client, server, "PA", &invite.as_bytes()[cut..]);
    let send = |c: &mut Capture, t: i64, from_caller: bool, m: String| {
        let (s, r) = if from_caller {
            (client, server)
        } else {
            (server, client)
        };
        c.tcp_segment(t, s, r, "PA", m.as_bytes());
    };
    send(
        c,
        15,
        false,
        d.response("100 Trying", 1, "INVITE", "inv1").text(),
    );
    send(
        c,
        50,
        false,
        d.response("180 Ringing", 1, "INVITE", "inv1")
            .in_dialog()
            .text(),
    );
    send(
        c,
        2050,
        false,
        d.response("200 OK", 1, "INVITE", "inv1")
            .in_dialog()
            .body(&answer)
            .text(),
    );
    send(
        c,
        2060,
        true,
        d.request("ACK", 1, "ack1").in_dialog().text(),
    );
    two_way_audio(c, &d, 2060, 3000);
    send(
        c,
        5200,
        true,
        d.request("BYE", 2, "bye1").in_dialog().text(),
    );
    send(
        c,
        5230,
        false,
        d.response("200 OK", 2, "BYE", "bye1").in_dialog().text(),
    );
}

/// Writes scenario `name` as a pcap to `w`; returns the frames written.
pub fn write<W: Write>(name: &str, w: W) -> anyhow::Result<u64> {
    let mut c = Capture::new();
    match name {
        "basic-call" => basic_call(&mut c),
        "busy" => busy(&mut c),
        "cancel" => cancel(&mut c),
        "no-answer" => no_answer(&mut c),
        "register-digest" => register_digest(&mut c),
        "invite-407" => invite_407(&mut c),
        "hold-resume" => hold_resume(&mut c),
        "blind-transfer" => blind_transfer(&mut c),
        "codec-mismatch-488" => codec_mismatch(&mut c),
        "one-way-nat" => one_way_nat(&mut c),
        "sip-tcp" => sip_tcp(&mut c),
        other => anyhow::bail!(
            "no scenario {other:?}; there are: {}",
            SCENARIOS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
    Ok(c.write(w)?)
}
