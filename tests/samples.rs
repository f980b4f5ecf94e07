//! The teaching samples and their reports: each scenario writes exactly the committed capture,
//! voipscope reads each as its story says, and `reports/` is what the documented command writes.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const SCENARIOS: &[&str] = &[
    "basic-call",
    "busy",
    "cancel",
    "no-answer",
    "register-digest",
    "invite-407",
    "hold-resume",
    "blind-transfer",
    "codec-mismatch-488",
    "one-way-nat",
    "sip-tcp",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_scenario_writes_the_committed_sample() {
    for name in SCENARIOS {
        let out = std::env::temp_dir().join(format!("voipscope-scenario-{name}.pcap"));
        let r = voipscope(&["synth", "--scenario", name, "-o", out.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let fresh = std::fs::read(&out).unwrap();
        let committed = std::fs::read(root().join("samples").join(format!("{name}.pcap")))
            .unwrap_or_else(|_| panic!("samples/{name}.pcap is missing"));
        assert!(
            fresh == committed,
            "samples/{name}.pcap is out of date: voipscope synth --scenario {name} -o samples/{name}.pcap"
        );
    }
    let r = voipscope(&["synth", "--scenario", "nope", "-o", "/dev/null"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("basic-call"), "{}", r.stderr);
}

fn sample(name: &str) -> Value {
    let path = root().join("samples").join(format!("{name}.pcap"));
    run_json(&["analyze", path.to_str().unwrap(), "--format", "json"])
}

#[test]
fn each_sample_reads_as_its_story() {
    let states = |v: &Value| -> Vec<(String, Value)> {
        v["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["state"].as_str().unwrap().to_string(),
                    c["final_status"].clone(),
                )
            })
            .collect()
    };
    let one = |state: &str, status: Value| vec![(state.to_string(), status)];
    assert_eq!(states(&sample("basic-call")), one("completed", 200.into()));
    assert_eq!(states(&sample("busy")), one("rejected", 486.into()));
    assert_eq!(states(&sample("cancel")), one("cancelled", 487.into()));
    assert_eq!(
        states(&sample("codec-mismatch-488")),
        one("rejected", 488.into())
    );

    let v = sample("no-answer");
    assert_eq!(states(&v), one("unanswered", Value::Null));
    assert_eq!(v["sip"]["retransmissions"], 6);

    let v = sample("register-digest");
    let r = &v["registrations"][0];
    assert_eq!(
        (r["state"].as_str(), r["attempts"].as_u64()),
        (Some("registered"), Some(2))
    );
    assert_eq!(r["challenges"], 1);

    let v = sample("invite-407");
    assert_eq!(states(&v), one("completed", 200.into()));
    assert_eq!(v["calls"][0]["auth_challenges"], 1);
    assert_eq!(v["calls"][0]["invite_attempts"], 2);

    let v = sample("hold-resume");
    let holds: Vec<&str> = v["calls"][0]["holds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(holds, vec!["hold", "resume"]);
    assert_eq!(v["calls"][0]["media"]["one_way"], false);

    let v = sample("blind-transfer");
    assert_eq!(states(&v).len(), 2);
    assert_eq!(
        v["calls"][0]["transfers"][0]["refer_to"],
        "<sip:carol@203.0.113.30>"
    );

    let v = sample("one-way-nat");
    assert_eq!(v["calls"][0]["media"]["one_way"], true);
    assert_eq!(v["streams"].as_array().unwrap().len(), 1);

    let v = sample("sip-tcp");
    assert_eq!(states(&v), one("completed", 200.into()));
    assert_eq!(v["calls"][0]["transport"], "TCP");
    assert_eq!(
        v["calls"][0]["messages"][0]["frames"],
        serde_json::json!([4, 5])
    );

    for name in ["basic-call", "sip-tcp", "invite-407"] {
        for s in sample(name)["streams"].as_array().unwrap() {
            assert_eq!(s["wireshark"]["lost"], 0, "{name}");
            assert!(s["call_id"].is_string(), "{name}");
        }
    }
}

fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(base).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `reports/` must be exactly what `voipscope batch samples -o reports --force` writes.
#[test]
fn reports_are_up_to_date() {
    let tmp = std::env::temp_dir().join(format!("voipscope-reports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_voipscope"))
        .current_dir(root())
        .args(["batch", "samples", "-o", tmp.to_str().unwrap(), "--force"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = files(&tmp);
    let mut committed = files(&root().join("reports"));
    committed.remove(Path::new("README.md"));
    let fresh_names: Vec<_> = fresh.keys().collect();
    let committed_names: Vec<_> = committed.keys().collect();
    assert_eq!(
        fresh_names, committed_names,
        "reports/ is out of date: cargo run --release -- batch samples -o reports --force"
    );
    for (name, bytes) in &fresh {
        assert!(
            committed[name] == *bytes,
            "reports/{} is out of date: cargo run --release -- batch samples -o reports --force",
            name.display()
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
