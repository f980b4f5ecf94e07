//! `voipscope report`: the report of every shared capture is written, its page is sound and
//! opens in headless Chromium without console errors, the CSV files keep their columns (golden),
//! and markup taken from a capture stays text.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("voipscope-report-test-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn report(capture: &Path, dir: &Path) {
    let r = voipscope(&[
        "report",
        capture.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        r.code,
        0,
        "report of {} failed: {}",
        capture.display(),
        r.stderr
    );
}

/// Open and close tags of the elements we write must balance; a cheap well-formedness check
/// that catches a capture string breaking out of its cell.
fn assert_balanced(html: &str, what: &str) {
    for tag in [
        "section", "table", "tr", "td", "div", "svg", "dl", "script", "style",
    ] {
        let open =
            html.matches(&format!("<{tag}>")).count() + html.matches(&format!("<{tag} ")).count();
        let close = html.matches(&format!("</{tag}>")).count();
        assert_eq!(
            open, close,
            "{what}: <{tag}> opened {open} times, closed {close}"
        );
    }
}

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(name).output() {
            if out.status.success() {
                let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
                return Some(PathBuf::from(p));
            }
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("chromium is missing; .ci/run installs Debian's chromium");
    }
    eprintln!("skipping the browser check: no chromium");
    None
}

/// The page as Chromium built it, and the console messages it logged.
fn open_in_chromium(browser: &Path, page: &Path) -> (String, Vec<String>) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn report_of_every_shared_capture() {
    let Some(dir) = shared_captures() else { return };
    let browser = chromium();
    for capture in all_captures(&dir) {
        let name = capture.file_name().unwrap().to_string_lossy().to_string();
        let out = out_dir(&name);
        report(&capture, &out);
        let analysis: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("analysis.json")).unwrap())
                .unwrap();
        let calls = analysis["calls"].as_array().unwrap();
        let html = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
        assert!(
            !html.contains("http://") || !html.contains("src=\"http"),
            "{name}: fetches"
        );
        assert_balanced(&html, &name);
        assert_eq!(
            html.matches("class=\"call-row").count(),
            calls.len(),
            "{name}"
        );
        let csv = std::fs::read_to_string(out.join("calls.csv")).unwrap();
        let rows = csv::Reader::from_reader(csv.as_bytes()).records().count();
        assert_eq!(rows, calls.len(), "{name}: calls.csv");
        for c in calls {
            let n = c["number"].as_u64().unwrap();
            let found = std::fs::read_dir(out.join("ladders"))
                .unwrap()
                .filter_map(|e| e.ok())
                .any(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with(&format!("{n}-"))
                });
            assert!(found, "{name}: ladder of call {n}");
        }
        if let Some(browser) = &browser {
            let (dom, console) = open_in_chromium(browser, &out.join("index.html"));
            assert!(console.is_empty(), "{name}: console says {console:?}");
            assert_eq!(
                dom.matches("class=\"call-row").count(),
                calls.len(),
                "{name}: DOM"
            );
            for c in calls {
                let id = c["call_id"].as_str().unwrap();
                let escaped = id
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                assert!(dom.contains(&escaped), "{name}: call {id} not in the page");
            }
        }
    }
}

#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn csv_files_are_golden() {
    let Some(dir) = shared_captures() else { return };
    let out = out_dir("golden");
    report(&dir.join("sip-call-g711a-rtcp-noise.pcap"), &out);
    for file in [
        "calls.csv",
        "registrations.csv",
        "streams.csv",
        "findings.csv",
    ] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        insta::assert_snapshot!(file, text);
    }
}

#[test]
fn the_worst_problem_leads_the_page_and_colors_its_row() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/one-way-nat.pcap");
    let out = out_dir("verdict");
    report(&sample, &out);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let title = "The caller advertises its LAN address";
    // the verdict comes first, before the capture's facts and the call table
    let verdict = html.find("id=\"verdict\"").expect("a verdict");
    assert!(verdict < html.find("id=\"summary\"").unwrap());
    assert!(verdict < html.find("id=\"calls\"").unwrap());
    let section = &html[verdict..html[verdict..].find("</section>").unwrap() + verdict];
    assert!(
        section.contains("sev-error") && section.contains(title),
        "{section}"
    );
    assert!(
        section.contains("Of 1 call: 1 with errors, 0 with warnings, 0 without either."),
        "{section}"
    );
    // the call's row: colored by its worst finding, which it names, with loss and jitter
    let row_at = html.find("<tr class=\"call-row").unwrap();
    let row = &html[row_at..row_at + html[row_at..].find("</tr>").unwrap()];
    assert!(
        row.starts_with("<tr class=\"call-row worst-error\""),
        "{row}"
    );
    assert!(
        row.contains(title) && row.contains("(+1 more finding)"),
        "{row}"
    );
    assert!(html.contains("<th>max loss %</th><th>max jitter ms</th><th>verdict</th>"));
    // a missing figure is a dash, never a bare unit
    assert!(!html.contains(" ms / </dd>") && !html.contains("<dd> s</dd>"));
    // the quality overview colors by thresholds and says what was not lost
    let svg = std::fs::read_to_string(out.join("plots/quality.svg")).unwrap();
    assert!(
        svg.contains("no packet lost"),
        "one-way audio loses nothing"
    );
    assert!(svg.contains("1 (c1)"), "streams labelled by call");
}

#[test]
fn a_call_without_findings_says_so_and_a_page_without_any_says_nothing_wrong() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/basic-call.pcap");
    let out = out_dir("verdict-fine");
    report(&sample, &out);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("Nothing wrong found."), "basic call");
    assert!(html.contains("<tr class=\"call-row\""));
    assert!(html.contains("<td>no findings</td>"));
}

/// A capture whose SIP headers carry markup and spreadsheet formulas.
fn hostile_capture() -> TempFile {
    let body = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    let invite = format!(
        "INVITE sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
From: \"<script>alert(1)</script>\" <sip:=cmd|' /C calc'!A0@10.0.0.1>;tag=a\r\n\
To: <sip:bob@10.0.0.2>\r\nCall-ID: ../<b>evil</b>\r\nCSeq: 1 INVITE\r\n\
User-Agent: <img src=x onerror=alert(2)>\r\n\
Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let busy = "SIP/2.0 486 <i>Busy</i> Here\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
From: <sip:x@10.0.0.1>;tag=a\r\nTo: <sip:bob@10.0.0.2>;tag=b\r\nCall-ID: ../<b>evil</b>\r\n\
CSeq: 1 INVITE\r\nServer: <svg onload=alert(3)>\r\nContent-Length: 0\r\n\r\n";
    let mut pcap = Pcap::new(1);
    pcap.frame(
        1_000_000,
        &udp4([10, 0, 0, 1], 5060, [10, 0, 0, 2], 5060, invite.as_bytes()),
    );
    pcap.frame(
        1_100_000,
        &udp4([10, 0, 0, 2], 5060, [10, 0, 0, 1], 5060, busy.as_bytes()),
    );
    TempFile::new("hostile-markup.pcap", &pcap.bytes)
}

#[test]
fn markup_from_the_capture_stays_text() {
    let capture = hostile_capture();
    let out = out_dir("hostile");
    report(Path::new(capture.path()), &out);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for raw in [
        "<script>alert",
        "<img src=x",
        "<svg onload",
        "<b>evil",
        "<i>Busy",
    ] {
        assert!(!html.contains(raw), "index.html contains {raw}");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_balanced(&html, "hostile");
    let ladders: Vec<String> = std::fs::read_dir(out.join("ladders"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(ladders.len(), 3, "{ladders:?}");
    for name in &ladders {
        assert!(name.starts_with("1-_.__b_evil__b_."), "{name}");
        let svg = std::fs::read_to_string(out.join("ladders").join(name)).unwrap();
        if name.ends_with(".svg") {
            assert!(
                !svg.contains("<svg onload") && !svg.contains("<img"),
                "{name}"
            );
        }
    }
    let csv = std::fs::read_to_string(out.join("calls.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| row[headers.iter().position(|h| h == name).unwrap()].to_string();
    assert!(cell("from_user").starts_with("'="), "{}", cell("from_user"));
    assert_eq!(cell("state"), "rejected");
    if let Some(browser) = chromium() {
        let (dom, console) = open_in_chromium(&browser, &out.join("index.html"));
        assert!(console.is_empty(), "console says {console:?}");
        assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}

#[test]
fn batch_lists_failures_skips_fresh_reports_and_summarises_every_call() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = out_dir("batch");
    let bad = TempFile::new("not-a-capture.pcap", b"this is not a capture");
    let samples = root.join("samples");
    let args = |extra: &[&'static str]| {
        let mut v = vec![
            "batch".to_string(),
            samples.to_string_lossy().to_string(),
            bad.path().to_string(),
            "-o".to_string(),
            out.to_string_lossy().to_string(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        voipscope(&refs)
    };
    let first = run(args(&[]));
    assert_eq!(first.code, 1, "a failed capture makes the exit code 1");
    assert!(
        first.stderr.contains("not-a-capture.pcap"),
        "{}",
        first.stderr
    );
    assert!(first.stdout.contains("1 failed"), "{}", first.stdout);
    let calls: usize = std::fs::read_dir(&samples)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "pcap"))
        .map(|e| {
            let v = run_json(&["calls", e.path().to_str().unwrap(), "--format", "json"]);
            v["calls"].as_array().unwrap().len()
        })
        .sum();
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(
        csv::Reader::from_reader(summary.as_bytes())
            .records()
            .count(),
        calls
    );
    let html = std::fs::read_to_string(out.join("summary.html")).unwrap();
    assert_balanced(&html, "summary.html");
    assert_eq!(html.matches("class=\"call-row").count(), calls);
    let again = run(args(&[]));
    assert!(
        again.stdout.contains("0 reports written"),
        "{}",
        again.stdout
    );
    let forced = run(args(&["--force"]));
    assert!(
        !forced.stdout.contains("0 reports written"),
        "{}",
        forced.stdout
    );
}

/// An output that cannot be written is named in the error, whichever command wrote it.
#[test]
fn errors_name_the_path_they_could_not_write() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/busy.pcap");
    let sample = sample.to_str().unwrap();
    let file = TempFile::new("not-a-directory", b"x");
    let missing = "/nonexistent-voipscope-dir/out.svg";
    for (args, path) in [
        (vec!["report", sample, "-o", file.path()], file.path()),
        (vec!["batch", sample, "-o", file.path()], file.path()),
        (
            vec!["ladder", sample, "--format", "svg", "-o", missing],
            missing,
        ),
        (
            vec![
                "export",
                sample,
                "--call",
                "1",
                "-o",
                "/nonexistent-voipscope-dir/x.pcap",
            ],
            "/nonexistent-voipscope-dir/x.pcap",
        ),
    ] {
        let r = voipscope(&args);
        assert_ne!(r.code, 0, "{args:?}");
        assert!(r.stderr.contains(path), "{args:?}: {}", r.stderr);
    }
}

/// A ladder arrow in the report opens its whole SIP message: every arrow of a detailed call has
/// its message's text on the page, reassembled when it came over TCP; `--no-messages` leaves
/// them out (one pass over the capture).
#[test]
fn every_ladder_arrow_has_its_whole_message() {
    for (name, first_line) in [
        ("invite-407.pcap", "INVITE sip:bob@198.51.100.5 SIP/2.0"),
        ("sip-tcp.pcap", "INVITE sip:bob@198.51.100.20 SIP/2.0"),
    ] {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name);
        let out = out_dir(&format!("messages-{name}"));
        report(&sample, &out);
        let html = std::fs::read_to_string(out.join("index.html")).unwrap();
        let arrows: Vec<&str> = html
            .split("<g class=\"msg\" data-frame=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect();
        let analysis = analyze_json(sample.to_str().unwrap(), &[]);
        let messages = analysis["calls"][0]["messages"].as_array().unwrap();
        assert_eq!(arrows.len(), messages.len(), "{name}");
        for frame in &arrows {
            let pre = format!("<pre class=\"sip\" data-frame=\"{frame}\" hidden>frame {frame}\n");
            assert!(html.contains(&pre), "{name}: no text for frame {frame}");
        }
        let first = format!(
            "data-frame=\"{}\" hidden>frame {}\n{first_line}\n",
            arrows[0], arrows[0]
        );
        assert!(html.contains(&first), "{name}: {first_line}");
        assert!(!html.contains("??Via"), "line ends kept");
        let plain = out_dir(&format!("messages-{name}-plain"));
        let r = voipscope(&[
            "report",
            sample.to_str().unwrap(),
            "-o",
            plain.to_str().unwrap(),
            "--no-messages",
        ]);
        assert_eq!(r.code, 0);
        let html = std::fs::read_to_string(plain.join("index.html")).unwrap();
        assert!(!html.contains("<pre class=\"sip\""), "{name}");
    }
}

/// A batch reads its captures in parallel, each twice (the second time for the message texts):
/// the second analysis once waited on the pool the first ones held, and the batch hung.
#[test]
fn a_batch_report_has_its_messages_too() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let out = out_dir("batch-messages");
    // a hang fails the test instead of stalling the run (`timeout` says 124)
    let r = std::process::Command::new("timeout")
        .arg("120")
        .arg(env!("CARGO_BIN_EXE_voipscope"))
        .args([
            "batch",
            samples.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .args(["--force", "--threads", "2"])
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "{:?}: {}",
        r.status.code(),
        String::from_utf8_lossy(&r.stderr)
    );
    for name in ["busy.pcap", "one-way-nat.pcap", "sip-tcp.pcap"] {
        let html = std::fs::read_to_string(out.join(name).join("index.html")).unwrap();
        assert!(html.contains("<pre class=\"sip\" data-frame="), "{name}");
    }
    let plain = out_dir("batch-no-messages");
    let r = voipscope(&[
        "batch",
        samples.join("busy.pcap").to_str().unwrap(),
        "-o",
        plain.to_str().unwrap(),
        "--no-messages",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(plain.join("busy.pcap").join("index.html")).unwrap();
    assert!(!html.contains("<pre class=\"sip\""));
}
