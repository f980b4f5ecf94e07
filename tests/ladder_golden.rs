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
