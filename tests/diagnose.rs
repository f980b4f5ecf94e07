//! Every diagnosis rule fires with the right evidence frames (on a teaching sample, a shared
//! capture, or a capture built here), and stays quiet on clean calls. Over all shared
//! captures: every failed call gets a finding, no completed call gets an error.

mod common;

use common::*;
use serde_json::Value;

fn findings_of(path: &str) -> Vec<Value> {
    let v = run_json(&["explain", path, "--format", "json"]);
    v["findings"].as_array().unwrap().clone()
}

fn sample(name: &str) -> String {
    format!("{}/samples/{name}.pcap", env!("CARGO_MANIFEST_DIR"))
}

/// The one finding with this id (and call number, when given); panics with all of them if absent.
fn find(findings: &[Value], id: &str, call: Option<u64>) -> Value {
    findings
        .iter()
        .find(|f| f["id"] == id && (call.is_none() || f["call_number"].as_u64() == call))
        .cloned()
        .unwrap_or_else(|| panic!("no {id} (call {call:?}) in {findings:#?}"))
}

fn evidence(f: &Value) -> Vec<u64> {
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn has(findings: &[Value], id: &str) -> bool {
    findings.iter().any(|f| f["id"] == id)
}

// ---- captures built here -------------------------------------------------------------

const A: [u8; 4] = [10, 0, 0, 1];
const PROVIDER: [u8; 4] = [198, 51, 100, 5];

/// A SIP message with the usual headers; `to_tag` once the dialog exists.
#[allow(clippy::too_many_arguments)]
fn sip(
    start: &str,
    call_id: &str,
    cseq: &str,
    from_user: &str,
    to_tag: Option<&str>,
    via: &str,
    extra: &str,
    body: &str,
) -> Vec<u8> {
    let to_tag = to_tag.map(|t| format!(";tag={t}")).unwrap_or_default();
    // a REGISTER's To is the account itself
    let to_user = if cseq.ends_with("REGISTER") {
        from_user
    } else {
        "bob"
    };
    let ct = if body.is_empty() {
        ""
    } else {
        "Content-Type: application/sdp\r\n"
    };
    format!(
        "{start}\r\nVia: SIP/2.0/UDP {via};branch=z9hG4bK-{call_id}-{}\r\nFrom: <sip:{from_user}@198.51.100.5>;tag=f1\r\n\
To: <sip:{to_user}@198.51.100.5>{to_tag}\r\nCall-ID: {call_id}\r\nCSeq: {cseq}\r\nContact: <sip:{from_user}@{via}>\r\n{extra}{ct}Content-Length: {}\r\n\r\n{body}",
        cseq.split(' ').next().unwrap_or("1"),
        body.len()
    )
    .into_bytes()
}

fn sdp(ip: &str, port: u16, timing: bool) -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\n{}m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
        if timing { "t=0 0\r\n" } else { "" }
    )
}

fn rtp(seq: u16, ts: u32, ssrc: u32) -> Vec<u8> {
    let mut p = vec![0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p[4..8].copy_from_slice(&ts.to_be_bytes());
    p[8..12].copy_from_slice(&ssrc.to_be_bytes());
    p.extend([0x55u8; 160]);
    p
}

fn write(name: &str, pcap: &Pcap) -> TempFile {
    TempFile::new(name, &pcap.bytes)
}

#[test]
fn register_and_invite_from_different_ports() {
    let mut p = Pcap::new(1);
    let reg = "REGISTER sip:198.51.100.5 SIP/2.0";
    p.frame(
        1_000_000,
        &udp4(
            A,
            5060,
            PROVIDER,
            5060,
            &sip(
                reg,
                "r1",
                "1 REGISTER",
                "alice",
                None,
                "10.0.0.1:5060",
                "",
                "",
            ),
        ),
    );
    p.frame(
        1_050_000,
        &udp4(
            PROVIDER,
            5060,
            A,
            5060,
            &sip(
                "SIP/2.0 200 OK",
                "r1",
                "1 REGISTER",
                "alice",
                Some("s"),
                "10.0.0.1:5060",
                "",
                "",
            ),
        ),
    );
    let inv = "INVITE sip:bob@198.51.100.5 SIP/2.0";
    p.frame(
        2_000_000,
        &udp4(
            A,
            5072,
            PROVIDER,
            5060,
            &sip(
                inv,
                "c1",
                "1 INVITE",
                "alice",
                None,
                "10.0.0.1:5072",
                "",
                &sdp("10.0.0.1", 4000, true),
            ),
        ),
    );
    p.frame(
        2_050_000,
        &udp4(
            PROVIDER,
            5060,
            A,
            5072,
            &sip(
                "SIP/2.0 403 Forbidden",
                "c1",
                "1 INVITE",
                "alice",
                Some("s"),
                "10.0.0.1:5072",
                "",
                "",
            ),
        ),
    );
    let f = write("reg-invite-ports.pcap", &p);
    let fs = findings_of(f.path());
    let x = find(&fs, "register-invite-source-differs", Some(1));
    assert_eq!(x["severity"], "error");
    assert_eq!(evidence(&x), vec![1, 3]);
}

#[test]
fn second_call_rejected_while_the_first_is_up() {
    let mut p = Pcap::new(1);
    let inv = "INVITE sip:bob@198.51.100.5 SIP/2.0";
    let body = sdp("198.51.100.9", 4000, true);
    p.frame(
        1_000_000,
        &udp4(
            PROVIDER,
            5060,
            A,
            5060,
            &sip(
                inv,
                "c1",
                "1 INVITE",
                "alice",
                None,
                "198.51.100.9:5060",
                "",
                &body,
            ),
        ),
    );
    p.frame(
        2_000_000,
        &udp4(
            A,
            5060,
            PROVIDER,
            5060,
            &sip(
                "SIP/2.0 200 OK",
                "c1",
                "1 INVITE",
                "alice",
                Some("b"),
                "198.51.100.9:5060",
                "",
                &sdp("198.51.100.7", 6000, true),
            ),
        ),
    );
    p.frame(
        2_100_000,
        &udp4(
            PROVIDER,
            5060,
            A,
            5060,
            &sip(
                "ACK sip:bob@10.0.0.1 SIP/2.0",
                "c1",
                "1 ACK",
                "alice",
                Some("b"),
                "198.51.100.9:5060",
                "",
                "",
            ),
        ),
    );
    p.frame(
        5_000_000,
        &udp4(
            PROVIDER,
            5060,
            A,
            5060,
            &sip(
                inv,
                "c2",
                "1 INVITE",
                "alice",
                None,
                "198.51.100.9:5060",
                "",
                &body,
            ),
        ),
    );
    p.frame(
        5_050_000,
        &udp4(
            A,
            5060,
            PROVIDER,
            5060,
            &sip(
                "SIP/2.0 486 Busy Here",
                "c2",
                "1 INVITE",
                "alice",
                Some("b2"),
                "198.51.100.9:5060",
                "",
                "",
            ),
        ),
    );
    p.frame(
        9_000_000,
        &udp4(
            PROVIDER,
            5060,
            A,
            5060,
            &sip(
                "BYE sip:bob@10.0.0.1 SIP/2.0",
                "c1",
                "2 BYE",
                "alice",
                Some("b"),
                "198.51.100.9:5060",
                "",
                "",
            ),
        ),
    );
    p.frame(
        9_050_000,
        &udp4(
            A,
            5060,
            PROVIDER,
            5060,
            &sip(
                "SIP/2.0 200 OK",
                "c1",
                "2 BYE",
                "alice",
                Some("b"),
                "198.51.100.9:5060",
                "",
                "",
            ),
        ),
    );
    let f = write("one-line.pcap", &p);
    let fs = findings_of(f.path());
    let x = find(&fs, "one-call-at-a-time", Some(2));
    assert_eq!(evidence(&x), vec![2, 5]);
    assert!(!fs
        .iter()
        .any(|f| f["id"] == "one-call-at-a-time" && f["call_number"] == 1));
}

#[test]
fn challenge_never_answered() {
    let mut p = Pcap::new(1);
    let inv = "INVITE sip:bob@198.51.100.5 SIP/2.0";
    p.frame(
        1_000_000,
        &udp4(
            PROVIDER,
            5060,
            A,
            5060,
            &sip(
                inv,
                "c1",
                "1 INVITE",
                "carol",
                None,
                "198.51.100.5:5060",
                "",
                &sdp("198.51.100.5", 4000, true),
            ),
        ),
    );
    p.frame(
        1_020_000,
        &udp4(
            A,
            5060,
            PROVIDER,
            5060,
            &sip(
                "SIP/2.0 407 Proxy Authentication Required",
                "c1",
                "1 INVITE",
                "carol",
                Some("p"),
                "198.51.100.5:5060",
                "Proxy-Authenticate: Digest realm=\"x\", nonce=\"n\"\r\n",
                "",
            ),
        ),
    );
    p.frame(
        1_030_000,
        &udp4(
            PROVIDER,
            5060,
            A,
            5060,
            &sip(
                "ACK sip:bob@198.51.100.5 SIP/2.0",
                "c1",
                "1 ACK",
                "carol",
                Some("p"),
                "198.51.100.5:5060",
                "",
                "",
            ),
        ),
    );
    let f = write("auth-never.pcap", &p);
    let fs = findings_of(f.path());
    let x = find(&fs, "auth-not-answered", Some(1));
    assert_eq!(evidence(&x), vec![1, 2]);
    assert!(!has(&fs, "auth-rejected"));
}

#[test]
fn ok_repeated_without_ack() {
    let mut p = Pcap::new(1);
    let inv = "INVITE sip:bob@198.51.100.5 SIP/2.0";
    let ok = sip(
        "SIP/2.0 200 OK",
        "c1",
        "1 INVITE",
        "dave",
        Some("b"),
        "198.51.100.5:5060",
        "",
        &sdp("198.51.100.5", 6000, true),
    );
    p.frame(
        1_000_000,
        &udp4(
            PROVIDER,
            5060,
            A,
            5060,
            &sip(
                inv,
                "c1",
                "1 INVITE",
                "dave",
                None,
                "198.51.100.5:5060",
                "",
                &sdp("198.51.100.5", 4000, true),
            ),
        ),
    );
    p.frame(2_000_000, &udp4(A, 5060, PROVIDER, 5060, &ok));
    p.frame(2_500_000, &udp4(A, 5060, PROVIDER, 5060, &ok));
    p.frame(3_500_000, &udp4(A, 5060, PROVIDER, 5060, &ok));
    let f = write("no-ack.pcap", &p);
    let fs = findings_of(f.path());
    let x = find(&fs, "ack-missing", Some(1));
    assert_eq!(x["severity"], "error");
    assert_eq!(evidence(&x), vec![3, 4]);
}

/// An answered call from 10.0.0.1 to 10.0.0.2 with RTP at exact 20 ms steps from 1 s to 5 s,
/// and a BYE at `bye_us`.
fn call_with_rtp(bye_us: u64, timing_line: bool) -> Pcap {
    fn bye_and_ok(p: &mut Pcap, b: [u8; 4], bye_us: u64) {
        for (at, from, to, start) in [
            (bye_us, A, b, "BYE sip:bob@10.0.0.2 SIP/2.0"),
            (bye_us + 10_000, b, A, "SIP/2.0 200 OK"),
        ] {
            let msg = sip(
                start,
                "m1",
                "2 BYE",
                "erin",
                Some("b"),
                "10.0.0.1:5060",
                "",
                "",
            );
            p.frame(at, &udp4(from, 5060, to, 5060, &msg));
        }
    }
    let b = [10, 0, 0, 2];
    let mut p = Pcap::new(1);
    let inv = "INVITE sip:bob@10.0.0.2 SIP/2.0";
    p.frame(
        100_000,
        &udp4(
            A,
            5060,
            b,
            5060,
            &sip(
                inv,
                "m1",
                "1 INVITE",
                "erin",
                None,
                "10.0.0.1:5060",
                "",
                &sdp("10.0.0.1", 4000, timing_line),
            ),
        ),
    );
    p.frame(
        200_000,
        &udp4(
            b,
            5060,
            A,
            5060,
            &sip(
                "SIP/2.0 200 OK",
                "m1",
                "1 INVITE",
                "erin",
                Some("b"),
                "10.0.0.1:5060",
                "",
                &sdp("10.0.0.2", 6000, true),
            ),
        ),
    );
    p.frame(
        300_000,
        &udp4(
            A,
            5060,
            b,
            5060,
            &sip(
                "ACK sip:bob@10.0.0.2 SIP/2.0",
                "m1",
                "1 ACK",
                "erin",
                Some("b"),
                "10.0.0.1:5060",
                "",
                "",
            ),
        ),
    );
    let mut bye_done = false;
    for i in 0..200u64 {
        let t = 1_000_000 + i * 20_000;
        if !bye_done && t > bye_us {
            bye_and_ok(&mut p, b, bye_us);
            bye_done = true;
        }
        p.frame(
            t,
            &udp4(A, 4000, b, 6000, &rtp(i as u16, (i * 160) as u32, 0xABCD)),
        );
        p.frame(
            t + 1,
            &udp4(b, 6000, A, 4000, &rtp(i as u16, (i * 160) as u32, 0xDCBA)),
        );
    }
    if !bye_done {
        bye_and_ok(&mut p, b, bye_us);
    }
    p
}

#[test]
fn rtp_after_bye_and_a_capture_taken_at_the_sender() {
    let f = write("after-bye.pcap", &call_with_rtp(2_000_000, true));
    let fs = findings_of(f.path());
    let x = find(&fs, "rtp-after-bye", Some(1));
    // the last RTP packet of the first stream: 3 SIP + 200 RTP each way + BYE and its 200 OK
    assert_eq!(evidence(&x), vec![404]);
    let y = find(&fs, "capture-at-sender", None);
    assert_eq!(evidence(&y).len(), 2);
    // the same call with its BYE after the media: quiet
    let clean = write("bye-after.pcap", &call_with_rtp(6_000_000, true));
    let fs = findings_of(clean.path());
    assert!(!has(&fs, "rtp-after-bye"), "{fs:#?}");
    assert!(!has(&fs, "sdp-strict-reject"), "{fs:#?}");
}

#[test]
fn sdp_without_timing_line() {
    let f = write("no-t.pcap", &call_with_rtp(6_000_000, false));
    let fs = findings_of(f.path());
    let x = find(&fs, "sdp-strict-reject", Some(1));
    assert_eq!(evidence(&x), vec![1]);
    assert_eq!(x["severity"], "warning");
}

#[test]
fn frames_cut_by_the_snap_length() {
    let mut p = Pcap::with(1, false, false, 200);
    let inv = "INVITE sip:bob@198.51.100.5 SIP/2.0";
    p.frame(
        1_000_000,
        &udp4(
            A,
            5060,
            PROVIDER,
            5060,
            &sip(
                inv,
                "s1",
                "1 INVITE",
                "fay",
                None,
                "10.0.0.1:5060",
                "",
                &sdp("10.0.0.1", 4000, true),
            ),
        ),
    );
    let f = write("snaplen.pcap", &p);
    let fs = findings_of(f.path());
    let x = find(&fs, "capture-snaplen", None);
    assert_eq!(x["severity"], "warning");
}

#[test]
fn tcp_bytes_never_captured() {
    let mut p = Pcap::new(1);
    let inv = sip(
        "INVITE sip:bob@198.51.100.5 SIP/2.0",
        "t1",
        "1 INVITE",
        "gus",
        None,
        "10.0.0.1:5060",
        "",
        "",
    );
    p.frame(1_000_000, &tcp4(A, 40000, PROVIDER, 5060, 1, &inv));
    // 500 bytes the capture never saw, then the next message
    let next = sip(
        "OPTIONS sip:bob@198.51.100.5 SIP/2.0",
        "t2",
        "1 OPTIONS",
        "gus",
        None,
        "10.0.0.1:5060",
        "",
        "",
    );
    p.frame(
        2_000_000,
        &tcp4(A, 40000, PROVIDER, 5060, 1 + inv.len() as u32 + 500, &next),
    );
    let f = write("tcp-gap.pcap", &p);
    let fs = findings_of(f.path());
    let x = find(&fs, "capture-tcp-gaps", None);
    assert_eq!(evidence(&x), vec![2]);
}

// ---- the teaching samples ----------------------------------------------------------------

#[test]
fn clean_samples_are_quiet() {
    for name in [
        "basic-call",
        "register-digest",
        "hold-resume",
        "sip-tcp",
        "invite-407",
        "blind-transfer",
    ] {
        let fs = findings_of(&sample(name));
        assert!(fs.is_empty(), "{name}: {fs:#?}");
    }
}

#[test]
fn samples_fire_their_rules() {
    let fs = findings_of(&sample("busy"));
    let x = find(&fs, "final-error-response", Some(1));
    assert_eq!(
        (x["severity"].as_str(), evidence(&x)),
        (Some("error"), vec![1, 3])
    );
    assert!(x["title"].as_str().unwrap().contains("486"));

    let fs = findings_of(&sample("cancel"));
    assert_eq!(
        evidence(&find(&fs, "cancelled-by-caller", Some(1))),
        vec![1, 4, 6]
    );

    let fs = findings_of(&sample("codec-mismatch-488"));
    let x = find(&fs, "codec-mismatch", Some(1));
    assert_eq!(evidence(&x), vec![1, 3]);
    assert!(x["explanation"].as_str().unwrap().contains("G729"));

    let fs = findings_of(&sample("no-answer"));
    let x = find(&fs, "invite-no-response", Some(1));
    assert_eq!(evidence(&x), vec![1, 2, 3, 4, 5, 6, 7]);

    let fs = findings_of(&sample("one-way-nat"));
    let nat = find(&fs, "nat-private-address", Some(1));
    assert_eq!(
        (nat["severity"].as_str(), evidence(&nat)),
        (Some("error"), vec![1])
    );
    assert!(nat["title"].as_str().unwrap().contains("192.168.1.20"));
    assert_eq!(evidence(&find(&fs, "one-way-audio", Some(1))), vec![6]);
}

#[test]
fn german_texts() {
    let v = run_json(&[
        "explain",
        &sample("busy"),
        "--format",
        "json",
        "--lang",
        "de",
    ]);
    let t = v["findings"][0]["title"].as_str().unwrap();
    assert!(t.starts_with("Abgelehnt mit 486"), "{t}");
}

// ---- the shared captures -----------------------------------------------------------------

fn shared(dir: &std::path::Path, name: &str) -> Vec<Value> {
    findings_of(dir.join(name).to_str().unwrap())
}

#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn shared_captures_fire_the_rules() {
    let Some(dir) = shared_captures() else { return };
    let fs = shared(&dir, "sip-call-g711a-rtcp-noise.pcap");
    assert_eq!(
        evidence(&find(&fs, "answer-codec-not-offered", Some(1))),
        vec![1, 498]
    );
    assert!(has(&fs, "media-gap"));

    let fs = shared(&dir, "sip-fax-t38-reinvite488-megaco.pcap");
    let x = find(&fs, "rtp-payload-not-negotiated", Some(1));
    assert_eq!(x["stream"], 2);
    // the first packet of the unnegotiated type, as tshark finds it
    assert_eq!(evidence(&x), vec![1617]);
    // both calls' switches to T.38 were refused with 488
    assert_eq!(
        evidence(&find(&fs, "reinvite-refused", Some(1))),
        vec![3100, 3114]
    );
    assert_eq!(
        evidence(&find(&fs, "reinvite-refused", Some(2))),
        vec![3107, 3112]
    );

    let fs = shared(&dir, "sip-register401-invite407-cancel-aaa.pcap");
    assert_eq!(
        &evidence(&find(&fs, "auth-challenge-loop", None))[..4],
        &[19, 20, 30, 32]
    );
    assert_eq!(
        evidence(&find(&fs, "auth-rejected", Some(2))),
        vec![321, 323, 325, 326, 346, 348]
    );
    assert_eq!(evidence(&find(&fs, "slow-setup", Some(4))), vec![602, 620]);

    let fs = shared(&dir, "sip-register401-invite407-call-g711u-bye.pcap");
    assert!(has(&fs, "auth-stale-nonce"));

    let fs = shared(&dir, "sip-invite-spoof-metasploit.pcap");
    assert_eq!(
        evidence(&find(&fs, "invite-no-final-response", Some(1))),
        vec![1]
    );

    let fs = shared(&dir, "sip-tcp-ipip-tunnel.pcap");
    assert_eq!(evidence(&find(&fs, "bye-unanswered", Some(1))), vec![4]);

    let fs = shared(&dir, "sip-ipv6-udp-call-bye.pcap");
    assert_eq!(evidence(&find(&fs, "no-rtp", Some(1))), vec![3]);

    let fs = shared(&dir, "sip-register-invite603-call-g711a-rfc2833.pcap");
    assert_eq!(
        evidence(&find(&fs, "final-error-response", Some(1))),
        vec![7, 9]
    );
    assert!(has(&fs, "rtp-unexpected-address"));

    let fs = shared(&dir, "rtp-g729-loss.pcap");
    let x = find(&fs, "media-quality", None);
    assert_eq!(
        (x["stream"].as_u64(), evidence(&x)),
        (Some(1), vec![1, 230])
    );

    let fs = shared(&dir, "sip-tls-5061-encrypted-midstream.pcap");
    assert!(has(&fs, "signalling-encrypted"));
    // tshark agrees: frame 5 has frame.time_delta -0.085423
    assert_eq!(
        evidence(&find(&fs, "capture-time-backwards", None)),
        vec![5]
    );
    let fs = shared(&dir, "srtp-g722-aes-cm-128-hmac-sha1-80.pcap");
    assert_eq!(evidence(&find(&fs, "media-encrypted", None)), vec![1]);

    let fs = shared(&dir, "sip-erspan-gre-hold-refer-407.pcapng");
    assert_eq!(evidence(&find(&fs, "hold-style", Some(1))), vec![45]);
}

/// Every failed call of the oracle gets a finding; no completed call gets an error.
#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn failed_calls_are_explained_and_clean_calls_are_not_errors() {
    let Some(dir) = shared_captures() else { return };
    let mut failed = 0;
    for capture in all_captures(&dir) {
        let name = capture.file_name().unwrap().to_string_lossy().to_string();
        let a = run_json(&["analyze", capture.to_str().unwrap(), "--format", "json"]);
        let fs = a["findings"].as_array().unwrap();
        for c in a["calls"].as_array().unwrap() {
            let mine: Vec<&Value> = fs
                .iter()
                .filter(|f| f["call_number"] == c["number"])
                .collect();
            match c["state"].as_str().unwrap() {
                "rejected" | "cancelled" | "unanswered" => {
                    failed += 1;
                    assert!(!mine.is_empty(), "{name} call {}: no finding", c["number"]);
                }
                "completed" => assert!(
                    !mine.iter().any(|f| f["severity"] == "error"),
                    "{name} call {}: {mine:#?}",
                    c["number"]
                ),
                _ => {}
            }
        }
    }
    assert!(failed >= 10, "only {failed} failed calls");
}

/// Quality is judged on figures that mean what was heard, and the finding names the figure
/// that tripped. One call, four streams:
/// - caller's audio with a 9 s pause whose RTP timestamps did not advance (Wireshark's maximum
///   jitter jumps to hundreds of ms; RFC 3550 jitter and the jitter buffer are fine): no
///   `media-quality`, only the `media-gap`;
/// - callee's audio missing every 20th packet: `media-quality` for its 5 % loss, not jitter;
/// - callee's second SSRC arriving 0 or 90 ms late in turn: `media-quality` for late packets;
/// - an 8-packet RFC 4733 digit with one packet missing: no `media-quality` (no audio).
#[test]
fn quality_findings_name_the_figure_that_tripped() {
    let b = [10, 0, 0, 2];
    let body = |ip: &str, port: u16| {
        format!(
            "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0 101\r\n\
             a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
        )
    };
    let via = "10.0.0.1:5060";
    let mut frames: Vec<(u64, Vec<u8>)> = vec![
        (
            100_000,
            udp4(
                A,
                5060,
                b,
                5060,
                &sip(
                    "INVITE sip:bob@10.0.0.2 SIP/2.0",
                    "q1",
                    "1 INVITE",
                    "erin",
                    None,
                    via,
                    "",
                    &body("10.0.0.1", 4000),
                ),
            ),
        ),
        (
            200_000,
            udp4(
                b,
                5060,
                A,
                5060,
                &sip(
                    "SIP/2.0 200 OK",
                    "q1",
                    "1 INVITE",
                    "erin",
                    Some("b"),
                    via,
                    "",
                    &body("10.0.0.2", 6000),
                ),
            ),
        ),
        (
            300_000,
            udp4(
                A,
                5060,
                b,
                5060,
                &sip(
                    "ACK sip:bob@10.0.0.2 SIP/2.0",
                    "q1",
                    "1 ACK",
                    "erin",
                    Some("b"),
                    via,
                    "",
                    "",
                ),
            ),
        ),
        (
            40_000_000,
            udp4(
                A,
                5060,
                b,
                5060,
                &sip(
                    "BYE sip:bob@10.0.0.2 SIP/2.0",
                    "q1",
                    "2 BYE",
                    "erin",
                    Some("b"),
                    via,
                    "",
                    "",
                ),
            ),
        ),
        (
            40_010_000,
            udp4(
                b,
                5060,
                A,
                5060,
                &sip(
                    "SIP/2.0 200 OK",
                    "q1",
                    "2 BYE",
                    "erin",
                    Some("b"),
                    via,
                    "",
                    "",
                ),
            ),
        ),
    ];
    for i in 0..1000u64 {
        let t = 1_000_000 + i * 20_000;
        // the pause: packets 500.. arrive 9 s later with the timestamps running on as before
        let pause = if i >= 500 { 9_000_000 } else { 0 };
        frames.push((
            t + pause,
            udp4(A, 4000, b, 6000, &rtp(i as u16, (i * 160) as u32, 0x1111)),
        ));
        if i % 20 != 10 {
            frames.push((
                t + 1,
                udp4(b, 6000, A, 4000, &rtp(i as u16, (i * 160) as u32, 0x2222)),
            ));
        }
        if i < 500 {
            let late = if i % 2 == 1 { 90_000 } else { 0 };
            frames.push((
                21_000_000 + i * 20_000 + late + 2,
                udp4(b, 6000, A, 4000, &rtp(i as u16, (i * 160) as u32, 0x3333)),
            ));
        }
    }
    for n in 0..8u16 {
        if n == 3 {
            continue;
        }
        let mut p = vec![0x80, 101, 0, 0, 0, 0, 0x7d, 0, 0, 0, 0x44, 0x44];
        p[2..4].copy_from_slice(&n.to_be_bytes());
        p.extend([5u8, if n >= 5 { 0x8a } else { 0x0a }, 0, (n as u8 + 1) * 20]);
        frames.push((
            5_000_000 + u64::from(n) * 20_000 + 3,
            udp4(A, 4000, b, 6000, &p),
        ));
    }
    frames.sort_by_key(|(t, _)| *t);
    let mut p = Pcap::new(1);
    for (t, f) in &frames {
        p.frame(*t, f);
    }
    let t = write("quality-figures.pcap", &p);
    let a = common::analyze_json(t.path(), &[]);
    let streams = a["streams"].as_array().unwrap();
    let by_ssrc = |ssrc: &str| {
        streams
            .iter()
            .find(|s| s["ssrc"] == ssrc)
            .unwrap_or_else(|| panic!("{ssrc}: {streams:?}"))
    };
    let paused = by_ssrc("0x00001111");
    assert!(
        paused["wireshark"]["max_jitter_ms"].as_f64().unwrap() > 300.0,
        "{paused}"
    );
    let digit = by_ssrc("0x00004444");
    assert_eq!(digit["rfc3550"]["lost"], 1, "{digit}");
    let quality: Vec<(u64, String)> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "media-quality")
        .map(|f| {
            (
                f["stream"].as_u64().unwrap(),
                f["title"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let stream_no = |ssrc: &str| 1 + streams.iter().position(|s| s["ssrc"] == ssrc).unwrap() as u64;
    let lossy = stream_no("0x00002222");
    let jittery = stream_no("0x00003333");
    assert_eq!(quality.len(), 2, "{quality:?}");
    let title_of = |n: u64| {
        &quality
            .iter()
            .find(|(s, _)| *s == n)
            .unwrap_or_else(|| panic!("{n}: {quality:?}"))
            .1
    };
    assert!(title_of(lossy).contains("loss 5.0 %"), "{quality:?}");
    assert!(!title_of(lossy).contains("jitter"), "{quality:?}");
    assert!(
        title_of(jittery).contains("late for a 60 ms jitter buffer"),
        "{quality:?}"
    );
    assert!(!title_of(jittery).contains("loss"), "{quality:?}");
    let gaps: Vec<u64> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "media-gap")
        .filter_map(|f| f["stream"].as_u64())
        .collect();
    assert_eq!(gaps, vec![stream_no("0x00001111")]);
}

/// Forty calls whose answer names a codec the offer did not: `explain` says it once, listing
/// the calls and the first calls' evidence, in the first call's words (the others cite other
/// frames); the JSON keeps one finding per call (each belongs
/// to its call) and `--follow` prints each as its call ends.
#[test]
fn identical_findings_of_many_calls_are_one_block() {
    let b = [10, 0, 0, 2];
    let via = "10.0.0.1:5060";
    let offer = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";
    let answer = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    let mut p = Pcap::new(1);
    for i in 0..40u64 {
        let id = format!("same{i}");
        let t = 1_000_000 + i * 1_000_000;
        // (after, from A, start line, CSeq, To tag, body)
        type Message<'a> = (u64, bool, &'a str, &'a str, Option<&'a str>, &'a str);
        let msgs: [Message; 5] = [
            (
                0,
                true,
                "INVITE sip:bob@10.0.0.2 SIP/2.0",
                "1 INVITE",
                None,
                offer,
            ),
            (
                50_000,
                false,
                "SIP/2.0 200 OK",
                "1 INVITE",
                Some("b"),
                answer,
            ),
            (
                60_000,
                true,
                "ACK sip:bob@10.0.0.2 SIP/2.0",
                "1 ACK",
                Some("b"),
                "",
            ),
            (
                500_000,
                true,
                "BYE sip:bob@10.0.0.2 SIP/2.0",
                "2 BYE",
                Some("b"),
                "",
            ),
            (510_000, false, "SIP/2.0 200 OK", "2 BYE", Some("b"), ""),
        ];
        for (dt, from_a, start, cseq, tag, body) in msgs {
            let m = sip(start, &id, cseq, "erin", tag, via, "", body);
            let frame = if from_a {
                udp4(A, 5060, b, 5060, &m)
            } else {
                udp4(b, 5060, A, 5060, &m)
            };
            p.frame(t + dt, &frame);
        }
    }
    let t = write("same-finding.pcap", &p);
    let text = common::voipscope(&["explain", t.path()]).stdout;
    let heads: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("The answer names PCMU that the offer did not"))
        .collect();
    assert_eq!(
        heads,
        vec!["WARNING calls 1-40 (40 calls): The answer names PCMU that the offer did not"],
        "{text}"
    );
    // words as they read, whatever the line breaks
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for words in [
        "Call 1: Frame 1 offered PCMA; frame 2 answered with PCMU.",
        "`voipscope explain --call N` shows each.",
        "Evidence: frames 1, 2 (call 1); 6, 7 (call 2); 11, 12 (call 3); 16, 17 (call 4); 21, 22 (call 5); and 35 more calls",
        // the no-rtp findings say the same words for every call
        "WARNING calls 1-40 (40 calls): Answered, but no RTP",
    ] {
        assert!(flat.contains(words), "{words}: {text}");
    }
    let de = common::voipscope(&["explain", "--lang", "de", t.path()]).stdout;
    assert!(
        de.contains("WARNUNG Anrufe 1-40 (40 Anrufe): Die Antwort nennt PCMU"),
        "{de}"
    );
    let json = findings_of(t.path());
    let per_call = json
        .iter()
        .filter(|f| f["id"] == "answer-codec-not-offered")
        .count();
    assert_eq!(per_call, 40, "{json:?}");
    let follow = common::voipscope(&["explain", "--follow", t.path()]).stdout;
    let each = follow
        .lines()
        .filter(|l| l.contains("The answer names PCMU that the offer did not"))
        .count();
    assert_eq!(each, 40, "{follow}");
}

/// A 488 is explained by what the callee was seen to speak in the capture's other calls: each
/// host's codecs are remembered across calls (as interned sets), and the rule reads them.
#[test]
fn a_488_is_explained_by_the_callees_codecs_in_other_calls() {
    let b = [10, 0, 0, 2];
    let via = "10.0.0.1:5060";
    let sdp_of = |ip: &str, port: u16, pts: &str, maps: &str| {
        format!("v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP {pts}\r\n{maps}")
    };
    let pcmu = "a=rtpmap:0 PCMU/8000\r\n";
    let pcma = "a=rtpmap:8 PCMA/8000\r\n";
    let g729 = "a=rtpmap:18 G729/8000\r\n";
    // (offer's payload types and maps, the callee's answer or None for a 488)
    let calls: [(&str, String, Option<String>); 4] = [
        (
            "0",
            pcmu.to_string(),
            Some(sdp_of("10.0.0.2", 6000, "0", pcmu)),
        ),
        (
            "8 0",
            format!("{pcma}{pcmu}"),
            Some(sdp_of("10.0.0.2", 6002, "8", pcma)),
        ),
        ("18", g729.to_string(), None),
        ("18 0", format!("{g729}{pcmu}"), None),
    ];
    let mut p = Pcap::new(1);
    for (i, (pts, maps, answer)) in calls.iter().enumerate() {
        let id = format!("codecs{i}");
        let t = 1_000_000 + i as u64 * 1_000_000;
        let offer = sdp_of("10.0.0.1", 4000 + 2 * i as u16, pts, maps);
        let invite = sip(
            "INVITE sip:bob@10.0.0.2 SIP/2.0",
            &id,
            "1 INVITE",
            "erin",
            None,
            via,
            "",
            &offer,
        );
        p.frame(t, &udp4(A, 5060, b, 5060, &invite));
        let (status, body) = match answer {
            Some(a) => ("SIP/2.0 200 OK", a.as_str()),
            None => ("SIP/2.0 488 Not Acceptable Here", ""),
        };
        let resp = sip(status, &id, "1 INVITE", "erin", Some("b"), via, "", body);
        p.frame(t + 50_000, &udp4(b, 5060, A, 5060, &resp));
        let ack = sip(
            "ACK sip:bob@10.0.0.2 SIP/2.0",
            &id,
            "1 ACK",
            "erin",
            Some("b"),
            via,
            "",
            "",
        );
        p.frame(t + 60_000, &udp4(A, 5060, b, 5060, &ack));
        if answer.is_some() {
            let bye = sip(
                "BYE sip:bob@10.0.0.2 SIP/2.0",
                &id,
                "2 BYE",
                "erin",
                Some("b"),
                via,
                "",
                "",
            );
            p.frame(t + 500_000, &udp4(A, 5060, b, 5060, &bye));
            let ok = sip(
                "SIP/2.0 200 OK",
                &id,
                "2 BYE",
                "erin",
                Some("b"),
                via,
                "",
                "",
            );
            p.frame(t + 510_000, &udp4(b, 5060, A, 5060, &ok));
        }
    }
    let t = write("codecs-elsewhere.pcap", &p);
    let fs = findings_of(t.path());
    let none_common = find(&fs, "codec-mismatch", Some(3));
    let text = none_common["explanation"].as_str().unwrap();
    assert!(
        text.contains("The offer proposed G729; the callee is seen elsewhere in this capture using PCMA, PCMU. There is no codec in common."),
        "{text}"
    );
    let some_common = find(&fs, "codec-mismatch", Some(4));
    let text = some_common["explanation"].as_str().unwrap();
    assert!(
        text.contains("The offer proposed G729, PCMU; PCMU is also used by the callee elsewhere"),
        "{text}"
    );
}
