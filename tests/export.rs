//! `voipscope export`: every call of every shared capture, written to its own capture and
//! analyzed again, is the same call (state, final status, every message in order with its
//! retransmission flag) with the same streams (endpoints, SSRC, packets, loss, jitter); the
//! container is the input's.

mod common;

use common::*;
use serde_json::Value;

fn analyze(path: &str) -> Value {
    run_json(&["analyze", path, "--format", "json"])
}

fn call_key(c: &Value) -> (Value, Value, Vec<(String, bool)>) {
    let messages = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["label"].as_str().unwrap().to_string(),
                m["retransmission"].as_bool().unwrap(),
            )
        })
        .collect();
    (c["state"].clone(), c["final_status"].clone(), messages)
}

fn stream_keys(a: &Value, c: &Value) -> Vec<String> {
    let mut v: Vec<String> = c["media"]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let s = &a["streams"][i.as_u64().unwrap() as usize];
            format!(
                "{} {} {} {} {} {:.6}",
                s["src"],
                s["dst"],
                s["ssrc"],
                s["packets"],
                s["wireshark"]["lost"],
                s["wireshark"]["max_jitter_ms"].as_f64().unwrap()
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn exported_calls_read_back_the_same() {
    let Some(dir) = shared_captures() else { return };
    let mut checked = 0;
    for capture in all_captures(&dir) {
        let name = capture.file_name().unwrap().to_string_lossy().to_string();
        let original = analyze(capture.to_str().unwrap());
        let pcapng = std::fs::read(&capture)
            .unwrap()
            .starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]);
        for c in original["calls"].as_array().unwrap() {
            let n = c["number"].as_u64().unwrap().to_string();
            let out = std::env::temp_dir().join(format!(
                "voipscope-export-{}-{name}-{n}",
                std::process::id()
            ));
            let r = voipscope(&[
                "export",
                capture.to_str().unwrap(),
                "--call",
                &n,
                "-o",
                out.to_str().unwrap(),
            ]);
            assert_eq!(r.code, 0, "{name} call {n}: {}", r.stderr);
            let head = std::fs::read(&out).unwrap();
            assert_eq!(
                head.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]),
                pcapng,
                "{name}: container"
            );
            let again = analyze(out.to_str().unwrap());
            let found = again["calls"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["call_id"] == c["call_id"])
                .unwrap_or_else(|| panic!("{name} call {n}: not in the export"));
            assert_eq!(call_key(found), call_key(c), "{name} call {n}");
            assert_eq!(
                stream_keys(&again, found),
                stream_keys(&original, c),
                "{name} call {n}: streams"
            );
            let _ = std::fs::remove_file(&out);
            checked += 1;
        }
    }
    assert!(checked >= 79, "only {checked} calls checked");
}

#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn export_of_a_missing_call_says_so() {
    let Some(dir) = shared_captures() else { return };
    let capture = dir.join("sip-call-g711u-invite401-bye-magicjack.pcap");
    let r = voipscope(&[
        "export",
        capture.to_str().unwrap(),
        "--call",
        "99",
        "-o",
        "/dev/null",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no call \"99\""), "{}", r.stderr);
}
