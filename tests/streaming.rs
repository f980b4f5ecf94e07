//! Streamed output: `analyze --format jsonl` holds what the whole JSON document holds, every
//! streamed command gives the same bytes for any thread count, a capture read from a pipe in
//! pieces gives what the file gives, and `--follow` prints a call while the capture is still
//! being written.

mod common;

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;

fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
        .collect();
    v.sort();
    v
}

/// The samples, and the shared captures when they are here.
fn every_capture() -> Vec<PathBuf> {
    let mut v = samples();
    if let Some(dir) = shared_captures() {
        v.extend(all_captures(&dir));
    }
    v
}

fn jsonl(path: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["analyze", path, "--format", "jsonl"];
    args.extend_from_slice(extra);
    let r = voipscope(&args);
    assert_eq!(r.code, 0, "{path}: {}", r.stderr);
    r.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}: {l}")))
        .collect()
}

/// Each object of a JSON array, as sorted text, so that two lists compare as multisets.
fn as_set<'a>(items: impl Iterator<Item = &'a serde_json::Value>) -> Vec<String> {
    let mut v: Vec<String> = items.map(|i| i.to_string()).collect();
    v.sort();
    v
}

#[test]
fn jsonl_holds_the_records_of_the_whole_document() {
    const LISTS: [(&str, &str); 6] = [
        ("call", "calls"),
        ("registration", "registrations"),
        ("stream", "streams"),
        ("flow", "media_flows"),
        ("finding", "findings"),
        ("anomaly", "anomalies"),
    ];
    const OTHER: [(&str, &str); 4] = [
        ("keepalive", "keepalives"),
        ("subscription", "subscriptions"),
        ("request", "requests"),
        ("unmatched", "unmatched"),
    ];
    for cap in every_capture() {
        let p = cap.to_str().unwrap();
        let document = analyze_json(p, &[]);
        let mut lines = jsonl(p, &[]);
        let summary = lines.pop().expect("a summary line");
        assert_eq!(summary["type"], "summary", "{p}: the last line");
        for key in ["capture", "sip", "media"] {
            assert_eq!(summary[key], document[key], "{p}: summary {key}");
        }
        let mut by_type: std::collections::BTreeMap<String, Vec<serde_json::Value>> =
            Default::default();
        for mut line in lines {
            let obj = line.as_object_mut().unwrap();
            let kind = obj.remove("type").unwrap().as_str().unwrap().to_string();
            if kind == "stream" || kind == "flow" {
                assert!(obj.remove("number").unwrap().as_u64().unwrap() >= 1, "{p}");
            }
            by_type.entry(kind).or_default().push(line);
        }
        let empty = Vec::new();
        let mut known = 0;
        for (kind, list) in LISTS {
            let got = by_type.get(kind).unwrap_or(&empty);
            known += got.len();
            let want = document[list].as_array().unwrap();
            assert_eq!(as_set(got.iter()), as_set(want.iter()), "{p}: {kind}");
        }
        for (kind, list) in OTHER {
            let got = by_type.get(kind).unwrap_or(&empty);
            known += got.len();
            let want = document["other_sip"][list].as_array().unwrap();
            assert_eq!(as_set(got.iter()), as_set(want.iter()), "{p}: {kind}");
        }
        let all: usize = by_type.values().map(Vec::len).sum();
        assert_eq!(all, known, "{p}: a line of an unknown type");
        let counted: serde_json::Map<String, serde_json::Value> = by_type
            .iter()
            .map(|(kind, list)| (kind.clone(), list.len().into()))
            .collect();
        assert_eq!(summary["lines"], serde_json::Value::Object(counted), "{p}");
    }
}

/// A call's streams and flows come right before it; streams are numbered in order.
#[test]
fn jsonl_puts_a_calls_media_just_before_it() {
    for cap in every_capture() {
        let p = cap.to_str().unwrap();
        let lines = jsonl(p, &[]);
        let mut numbers = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if line["type"] == "stream" {
                numbers.push(line["number"].as_u64().unwrap());
            }
            if line["type"] != "call" {
                continue;
            }
            let own = line["media"]["streams"].as_array().unwrap().len();
            let before = &lines[i.saturating_sub(own)..i];
            for s in before.iter().filter(|l| l["type"] == "stream") {
                assert_eq!(s["call_id"], line["call_id"], "{p}: line {i}");
            }
        }
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), numbers.len(), "{p}: a stream number twice");
        assert_eq!(
            sorted,
            (1..=numbers.len() as u64).collect::<Vec<_>>(),
            "{p}: stream numbers"
        );
    }
}

#[test]
fn streamed_commands_give_the_same_bytes_for_any_thread_count() {
    let commands: [&[&str]; 6] = [
        &["analyze", "--format", "jsonl"],
        &["analyze"],
        &["calls"],
        &["rtp"],
        &["explain"],
        &["explain", "--format", "json"],
    ];
    for cap in every_capture() {
        let p = cap.to_str().unwrap();
        for command in commands {
            let run = |threads: &str, chunk: &str| {
                let mut args = vec![command[0], p];
                args.extend_from_slice(&command[1..]);
                args.extend_from_slice(&["--threads", threads, "--chunk-bytes", chunk]);
                voipscope(&args)
            };
            let one = run("1", "1048576");
            let many = run("3", "1500");
            assert_eq!(one.code, many.code, "{p}: {command:?}");
            assert!(
                one.stdout == many.stdout,
                "{p}: {command:?} depends on the thread count"
            );
        }
    }
}

/// A pcap's records, front to back (classic little-endian pcap, as the samples are).
fn records(bytes: &[u8]) -> Vec<(u32, u32, Vec<u8>)> {
    let mut at = 24;
    let mut out = Vec::new();
    while at + 16 <= bytes.len() {
        let word = |i: usize| u32::from_le_bytes(bytes[at + i..at + i + 4].try_into().unwrap());
        let (sec, usec, len) = (word(0), word(4), word(8) as usize);
        out.push((sec, usec, bytes[at + 16..at + 16 + len].to_vec()));
        at += 16 + len;
    }
    out
}

fn record(sec: u32, usec: u32, data: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(16 + data.len());
    for word in [sec, usec, data.len() as u32, data.len() as u32] {
        v.extend(word.to_le_bytes());
    }
    v.extend_from_slice(data);
    v
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name),
    )
    .unwrap()
}

#[test]
fn a_capture_read_from_a_pipe_in_pieces_gives_what_the_file_gives() {
    for cap in samples() {
        let p = cap.to_str().unwrap();
        let name = cap.file_name().unwrap().to_str().unwrap();
        let from_file = jsonl(p, &[]);
        let bytes = std::fs::read(&cap).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_voipscope"))
            .args(["analyze", "-", "--format", "jsonl", "--threads", "2"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            // pieces that cut records anywhere: a header, a length, a payload
            let sizes = [1usize, 7, 100, 1500, 3, 65_536, 16];
            let (mut at, mut i) = (0, 0);
            while at < bytes.len() {
                let end = (at + sizes[i % sizes.len()]).min(bytes.len());
                stdin.write_all(&bytes[at..end]).unwrap();
                stdin.flush().unwrap();
                at = end;
                i += 1;
            }
        });
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        writer.join().unwrap();
        assert!(child.wait().unwrap().success(), "{name}");
        let from_pipe: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(from_pipe.len(), from_file.len(), "{name}");
        for (mut piped, mut filed) in from_pipe.into_iter().zip(from_file.iter().cloned()) {
            if filed["type"] == "summary" {
                // a pipe has no file name (its size is the bytes it gave: the file's)
                for v in [&mut piped, &mut filed] {
                    let capture = v["capture"].as_object_mut().unwrap();
                    capture.remove("file");
                }
            }
            assert_eq!(piped, filed, "{name}");
        }
    }
}

/// Runs `args` on stdin fed with one call (the first sample), then a frame a minute later (so the call is over in
/// capture time), and keeps stdin open: the call must be printed before stdin closes. Then the
/// rest (the second sample's call) is written and stdin closed. Returns the lines printed before and after.
fn follow(
    args: &[&str],
    [first, second]: [&str; 2],
    call_line: impl Fn(&str) -> bool,
) -> (Vec<String>, Vec<String>) {
    let first = sample(first);
    let second = records(&sample(second));
    let first_records = records(&first);
    let shift = first_records.last().unwrap().0 + 60 - second[0].0;
    let mut head = first.clone();
    head.extend(record(second[0].0 + shift, second[0].1, &second[0].2));
    let mut rest = Vec::new();
    for (sec, usec, data) in &second[1..] {
        rest.extend(record(sec + shift, *usec, data));
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_voipscope"))
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&head).unwrap();
    stdin.flush().unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    let mut before = Vec::new();
    // a deadline, not a timing: the line comes in milliseconds, or never until stdin closes
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !before.iter().any(|l: &String| call_line(l)) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => before.push(line),
            Err(_) => panic!("{args:?}: no call printed while the capture was open: {before:?}"),
        }
    }
    stdin.write_all(&rest).unwrap();
    drop(stdin);
    let after: Vec<String> = rx.iter().collect();
    reader.join().unwrap();
    assert!(child.wait().unwrap().success(), "{args:?}");
    (before, after)
}

#[test]
fn follow_prints_each_call_while_the_capture_is_still_open() {
    let calls = ["basic-call.pcap", "busy.pcap"];
    let (before, after) = follow(&["calls", "--follow"], calls, |l| l.contains("completed"));
    assert!(!before.iter().any(|l| l.contains("486")), "{before:?}");
    assert!(
        after.iter().any(|l| l.contains("486 Busy Here")),
        "{after:?}"
    );

    let (before, after) = follow(
        &["explain", "--follow"],
        ["busy.pcap", "cancel.pcap"],
        |l| l.contains("Rejected with 486"),
    );
    assert!(!before.iter().any(|l| l.contains("hung up")), "{before:?}");
    assert!(after.iter().any(|l| l.contains("hung up")), "{after:?}");

    let jsonl = ["analyze", "--format", "jsonl", "--follow"];
    let (before, after) = follow(&jsonl, calls, |l| l.starts_with(r#"{"type":"call""#));
    assert!(
        before.iter().all(|l| !l.contains("busy-2c81e0")),
        "{before:?}"
    );
    let last: serde_json::Value = serde_json::from_str(after.last().unwrap()).unwrap();
    assert_eq!(last["type"], "summary");
    let calls = before.iter().chain(&after);
    let calls = calls.filter(|l| l.starts_with(r#"{"type":"call""#)).count();
    assert_eq!(calls, 2, "{before:?} {after:?}");
}

#[test]
fn follow_with_the_whole_json_document_is_refused() {
    let p = samples()[0].to_str().unwrap().to_string();
    let r = voipscope(&["analyze", &p, "--format", "json", "--follow"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("jsonl"), "{}", r.stderr);
}

/// Golden files (insta) for the JSON lines of two samples: a refused call with its finding, and
/// a call with one-way audio behind NAT (streams, findings, the summary's counts). A changed
/// snapshot fails the test; review it with `cargo insta review`.
#[test]
fn jsonl_golden_files() {
    for (name, file) in [("busy", "busy.pcap"), ("one-way-nat", "one-way-nat.pcap")] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(file);
        let r = voipscope(&["analyze", path.to_str().unwrap(), "--format", "jsonl"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        insta::assert_snapshot!(format!("{name}.jsonl"), r.stdout);
    }
}
