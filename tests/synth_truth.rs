//! `voipscope synth` writes a capture and what it put in it; analysis must find exactly that.

mod common;

use common::*;

#[test]
fn synthetic_capture_matches_its_ground_truth() {
    let dir = std::env::temp_dir().join(format!("voipscope-synth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cap = dir.join("s.pcap");
    let truth_path = dir.join("s.truth.json");
    let r = voipscope(&[
        "synth",
        "-o",
        cap.to_str().unwrap(),
        "--calls",
        "20",
        "--size",
        "3M",
        "--call-seconds",
        "4",
        "--loss-pct",
        "2",
        "--truth",
        truth_path.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&truth_path).unwrap()).unwrap();
    let a = analyze_json(cap.to_str().unwrap(), &["--chunk-bytes", "65536"]);
    let c = &a["capture"];
    assert_eq!(c["frames"], truth["frames"]);
    assert_eq!(c["file_bytes"], truth["bytes"]);
    assert_eq!(c["sip_messages"], truth["sip_messages"]);
    assert_eq!(c["rtp_packets"], truth["rtp_packets"]);
    assert!(truth["calls"].as_array().unwrap().len() >= 20);
    let lost: u64 = truth["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["lost"].as_u64().unwrap())
        .sum();
    assert!(lost > 0, "2% loss was asked for");
    assert!(a["anomalies"].as_array().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
