//! Golden files (insta) for the ladders of three shared captures in all three formats, made by
//! the real binary: a challenged call (407 then 200), a transferred call with hold and resume
//! across a B2BUA, and a call whose session-refresh UPDATEs fold into one row.
//! A changed snapshot fails the test; review it with `cargo insta review` or re-run with
//! `INSTA_UPDATE=always` and read the diff before committing.

mod common;

use common::*;

const CASES: [(&str, &str, &str); 3] = [
    (
        "challenged",
        "sip-register401-invite407-call-g711u-bye.pcap",
        "1",
    ),
    ("hold-resume", "sip-erspan-gre-hold-refer-407.pcapng", "3"),
    (
        "refresh-folded",
        "sip-tcp-port6060-segmented-multicall.pcap",
        "1",
    ),
];

fn ladder(capture: &str, call: &str, format: &str) -> String {
    let dir = shared_captures().expect("checked by the caller");
    let path = dir.join(capture);
    let run = voipscope(&[
        "ladder",
        path.to_str().unwrap(),
        "--call",
        call,
        "--format",
        format,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn text_ladders() {
    if shared_captures().is_none() {
        return;
    }
    for (name, capture, call) in CASES {
        let text = ladder(capture, call, "text");
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{name}");
        insta::assert_snapshot!(format!("{name}.txt"), text);
    }
}

#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn svg_ladders() {
    if shared_captures().is_none() {
        return;
    }
    for (name, capture, call) in CASES {
        let svg = ladder(capture, call, "svg");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        insta::assert_snapshot!(format!("{name}.svg"), svg);
    }
}

#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn mermaid_ladders() {
    if shared_captures().is_none() {
        return;
    }
    for (name, capture, call) in CASES {
        let mmd = ladder(capture, call, "mermaid");
        assert!(mmd.starts_with("sequenceDiagram\n"));
        insta::assert_snapshot!(format!("{name}.mmd"), mmd);
    }
}

/// A ladder's times are the capture's clock, as `calls` and `rtp` give them: every row's time
/// is the time of its frame in the JSON output.
#[test]
fn ladder_times_are_capture_times() {
    // the second call starts 10 ms after the capture: a call-relative ladder would say 0.0000
    let sample =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/two-g711-calls.pcap");
    let sample = sample.to_str().unwrap();
    let json = analyze_json(sample, &[]);
    let messages = json["calls"][1]["messages"].as_array().unwrap();
    assert!(messages[0]["time_s"].as_f64().unwrap() >= 0.01);
    let text = voipscope(&["ladder", sample, "--call", "2"]).stdout;
    let mut rows = 0;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(time), Some(frame)) = (words.next(), words.next()) else {
            continue;
        };
        let (Ok(time), Ok(frame)) = (time.parse::<f64>(), frame.parse::<u64>()) else {
            continue;
        };
        let m = messages
            .iter()
            .find(|m| m["frame"] == frame)
            .unwrap_or_else(|| panic!("frame {frame} not in the call: {line}"));
        let want = m["time_s"].as_f64().unwrap();
        assert!((time - want).abs() < 5e-5, "{line}: JSON says {want}");
        rows += 1;
    }
    assert_eq!(rows, messages.len(), "{text}");
}
