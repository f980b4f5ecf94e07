//! RTP streams of the real shared captures, by the real binary, against tshark's `-z
//! rtp,streams` (../shared/expected): every stream found with the same endpoints and SSRC,
//! equal packets and signed loss, and delta/jitter within 0.001 ms of tshark's printed values.
//! Then the figures other tools' own test suites expect (quoted in SOURCES.md), and the one
//! capture where tshark is wrong.

mod common;

use std::net::SocketAddr;

use common::*;
use serde_json::Value;

fn expected(name: &str) -> Value {
    let text = std::fs::read_to_string(expected_dir().join(format!("{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// tshark prints `fd01::183:19956`; we print SocketAddr (`[fd01::183]:19956`).
fn socket(tshark: &str) -> String {
    let (host, port) = tshark.rsplit_once(':').unwrap();
    let addr: SocketAddr = if host.contains(':') {
        format!("[{host}]:{port}").parse().unwrap()
    } else {
        tshark.parse().unwrap()
    };
    addr.to_string()
}

fn rtp(path: &str) -> Value {
    run_json(&["rtp", path, "--format", "json"])
}

fn find<'a>(streams: &'a Value, src: &str, dst: &str, ssrc: &str) -> Option<&'a Value> {
    streams
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["src"] == src && s["dst"] == dst && s["ssrc"] == ssrc)
}

fn close(ours: f64, tshark: f64) -> bool {
    ((ours * 1000.0).round() / 1000.0 - tshark).abs() <= 0.001 + 1e-9
}

/// tshark decodes the G.711 of SSRC 0x0EAF0EAF after the declined T.38 offer as malformed
/// T.38 and ends the stream early (SOURCES.md, #27). With `--disable-protocol t38 -o
/// rtp.heuristic_rtp:TRUE`, tshark 4.0.17 prints the row we check against instead:
/// 3848 packets, 0 lost, delta 0.381/20.016/173.431, jitter 0.051/0.749/15.523.
const FAX: &str = "sip-fax-t38-reinvite488-megaco.pcap";

#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn every_stream_of_the_oracle_is_found_with_its_figures() {
    let Some(dir) = shared_captures() else { return };
    let mut checked = 0;
    for path in all_captures(&dir) {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let ours = rtp(path.to_str().unwrap());
        for e in expected(&name)["rtp"].as_array().unwrap() {
            let (src, dst) = (
                socket(e["src"].as_str().unwrap()),
                socket(e["dst"].as_str().unwrap()),
            );
            let ssrc = e["ssrc"].as_str().unwrap();
            let s = find(&ours["streams"], &src, &dst, ssrc)
                .unwrap_or_else(|| panic!("{name}: stream {src} -> {dst} {ssrc} not found"));
            let w = &s["wireshark"];
            if name == FAX && ssrc == "0x0EAF0EAF" {
                assert_eq!(
                    (s["packets"].as_u64(), w["lost"].as_i64()),
                    (Some(3848), Some(0))
                );
                assert!(close(w["max_delta_ms"].as_f64().unwrap(), 173.431));
                assert!(close(w["mean_jitter_ms"].as_f64().unwrap(), 0.749));
                assert!(close(w["max_jitter_ms"].as_f64().unwrap(), 15.523));
                // and tshark's own (wrong) row, to show what it cut off
                assert_eq!(e["packets"], 1838);
                checked += 1;
                continue;
            }
            let at = format!("{name} {ssrc}");
            assert_eq!(s["packets"], e["packets"], "{at} packets");
            assert_eq!(w["lost"], e["lost"], "{at} lost");
            assert_eq!(w["problem"], e["problem"], "{at} problem");
            for (ours_key, theirs_key) in [
                ("max_delta_ms", "max_delta_ms"),
                ("min_jitter_ms", "min_jitter_ms"),
                ("mean_jitter_ms", "mean_jitter_ms"),
                ("max_jitter_ms", "max_jitter_ms"),
            ] {
                let (o, t) = (
                    w[ours_key].as_f64().unwrap(),
                    e[theirs_key].as_f64().unwrap(),
                );
                assert!(close(o, t), "{at} {ours_key}: ours {o}, tshark {t}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 44, "streams in ../shared/expected");
}

fn only_stream(name: &str) -> Value {
    let Some(dir) = shared_captures() else {
        return Value::Null;
    };
    let v = rtp(dir.join(name).to_str().unwrap());
    assert_eq!(v["streams"].as_array().unwrap().len(), 1, "{name}");
    v["streams"][0].clone()
}

/// rtpproxy's expected output for dups.a.rtp: duplicates=1, plost=0. tshark says -1 lost.
#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn duplicate_is_one_duplicate_and_no_loss() {
    let s = only_stream("rtp-g729-duplicate.pcap");
    if s.is_null() {
        return;
    }
    assert_eq!(s["rfc3550"]["duplicates"], 1);
    assert_eq!(s["rfc3550"]["lost"], 0);
    assert_eq!(s["wireshark"]["lost"], -1);
}

/// Asterisk's test deleted every 100th packet of 3000: 29 missing.
#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn opus_capture_loses_29() {
    let s = only_stream("rtp-opus-fec-60s-29dropped.pcapng");
    if s.is_null() {
        return;
    }
    assert_eq!(s["rfc3550"]["lost"], 29);
    assert_eq!(s["rfc3550"]["loss_bursts"][0], 29, "29 single losses");
    // no SDP: the clock is estimated from the timestamps
    assert_eq!(s["clock_rate"], 48000);
}

fn digits(s: &Value) -> String {
    s["dtmf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["digit"].as_str().unwrap().to_string())
        .collect()
}

/// Asterisk's ulaw-2013785496 capture: the digits are in its name.
#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn rfc2833_digits_in_a_g711_stream() {
    let s = only_stream("rtp-g711u-rfc2833-sll.pcap");
    if s.is_null() {
        return;
    }
    assert_eq!(digits(&s), "2013785496");
}

/// rtpproxy's catch_dtmf expected output: 1 2 3 4 5 6 7 8 9 * 0 # 5, then 5 4 3 2 1 #.
#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn rfc2833_event_only_streams() {
    let Some(dir) = shared_captures() else { return };
    let v = rtp(dir.join("rtp-dtmf-rfc2833-events.pcap").to_str().unwrap());
    let found: Vec<String> = v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(digits)
        .collect();
    assert_eq!(found, vec!["123456789*0#5", "54321#"]);
}

#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn streams_are_tied_to_their_call_with_a_direction() {
    let Some(dir) = shared_captures() else { return };
    let v = rtp(dir
        .join("sip-call-g711u-invite401-bye-magicjack.pcap")
        .to_str()
        .unwrap());
    for s in v["streams"].as_array().unwrap() {
        assert!(s["call_id"].is_string(), "{s}");
        assert!(s["direction"].is_string());
    }
    let dirs: Vec<&str> = v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["direction"].as_str().unwrap())
        .collect();
    assert!(dirs.contains(&"caller-to-callee") && dirs.contains(&"callee-to-caller"));
}

fn analysis(dir: &std::path::Path, name: &str) -> Value {
    run_json(&[
        "analyze",
        dir.join(name).to_str().unwrap(),
        "--format",
        "json",
    ])
}

/// rtpproxy's SRTP test capture has no SDP: the G.722 payloads are 170 bytes for a timestamp
/// step of 160, the 10 extra bytes being the HMAC-SHA1-80 tag. Plain G.711 is never marked.
#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn srtp_without_sdp_is_told_by_its_authentication_tag() {
    let Some(dir) = shared_captures() else { return };
    let v = analysis(&dir, "srtp-g722-aes-cm-128-hmac-sha1-80.pcap");
    let s = &v["streams"][0];
    assert_eq!(s["encrypted"], true);
    assert_eq!(s["encryption_evidence"], "auth-tag");
    for name in [
        "sip-call-g711u-invite401-bye-magicjack.pcap",
        "sip-rtp-g722-oneway.pcap",
        "sip-rtp-g711-pcmu-pcma-oneway.pcap",
    ] {
        let v = analysis(&dir, name);
        for s in v["streams"].as_array().unwrap() {
            assert_eq!(s["encrypted"], false, "{name}: {s}");
        }
    }
}

/// The WebRTC capture: ICE checks (STUN) and a DTLS handshake on the path of the two Opus
/// streams, whose SDP went over secure WebSocket and cannot be read.
#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn stun_and_dtls_flows_mark_webrtc_media_as_srtp() {
    let Some(dir) = shared_captures() else { return };
    let v = analysis(&dir, "webrtc-sip-wss-stun-dtls-srtp.pcapng");
    let flows = v["media_flows"].as_array().unwrap();
    let count = |kind: &str| -> u64 {
        flows
            .iter()
            .filter(|f| f["kind"] == kind)
            .map(|f| f["packets"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(count("stun"), 45, "{flows:?}");
    assert_eq!(count("dtls"), 6);
    let streams = v["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 2);
    for s in streams {
        assert_eq!(s["encryption_evidence"], "dtls", "{s}");
    }
}
