//! `ingest` and `sql` through the binary. Built with the `sql` feature: the dataset holds what
//! the JSON output holds for every sample and shared capture, DuckDB reads it and agrees with
//! our own queries, and a killed ingest leaves nothing half-written in sight. Built without
//! it: both commands say how to get them.

mod common;

use common::*;

#[cfg(not(feature = "sql"))]
#[test]
fn without_the_feature_ingest_and_sql_say_how_to_get_them() {
    for args in [
        &["ingest", "samples", "-o", "/nonexistent/ds"][..],
        &["sql", "samples/basic-call.pcap", "SELECT 1"][..],
    ] {
        let r = voipscope(args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.stderr.contains("cargo install --path . --features sql"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[cfg(feature = "sql")]
mod with_sql {
    use super::*;
    use serde_json::{json, Value};
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use std::process::Command;

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

    fn ingest(captures: &[PathBuf], dataset: &Path) {
        let mut args = vec!["ingest".to_string()];
        args.extend(captures.iter().map(|p| p.display().to_string()));
        args.extend(["-o".to_string(), dataset.display().to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = voipscope(&args);
        assert_eq!(r.code, 0, "ingest: {}", r.stderr);
    }

    /// The rows of `query` over `dataset`, as JSON objects (null columns left out).
    fn sql(dataset: &Path, query: &str) -> Vec<Value> {
        let r = voipscope(&["sql", dataset.to_str().unwrap(), query, "--format", "json"]);
        assert_eq!(r.code, 0, "{query}: {}", r.stderr);
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{query}: {e}: {}", r.stdout))
    }

    /// Rows grouped by their `capture` column, which is taken out of them.
    fn by_capture(rows: Vec<Value>) -> BTreeMap<String, Vec<Value>> {
        let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for mut row in rows {
            let capture = row
                .as_object_mut()
                .unwrap()
                .remove("capture")
                .and_then(|c| c.as_str().map(String::from))
                .unwrap();
            out.entry(capture).or_default().push(row);
        }
        out
    }

    /// `value` with its null members left out, as arrow's JSON writer leaves them out.
    fn without_nulls(value: Value) -> Value {
        match value {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, without_nulls(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    fn pick(from: &Value, keys: &[&str]) -> serde_json::Map<String, Value> {
        keys.iter()
            .map(|k| (k.to_string(), from[*k].clone()))
            .collect()
    }

    const CALL_COLUMNS: &str = "capture, number, call_id, state, final_status, final_reason, \
        request_uri, caller, callee, transport, setup_time_ms, answer_time_ms, talk_duration_s, \
        ended_by, end_method, invite_attempts, auth_challenges, reinvites, retransmissions, \
        caller_user_agent, callee_user_agent, \
        to_char(start_time, '%Y-%m-%dT%H:%M:%S.%fZ') AS start_time";

    /// A call of `analyze --format json` as a row of `SELECT {CALL_COLUMNS}` gives it.
    fn call_row(c: &Value) -> Value {
        let mut row = pick(
            c,
            &[
                "number",
                "call_id",
                "state",
                "final_status",
                "final_reason",
                "request_uri",
                "caller",
                "callee",
                "transport",
                "setup_time_ms",
                "answer_time_ms",
                "talk_duration_s",
                "ended_by",
                "end_method",
                "invite_attempts",
                "auth_challenges",
                "reinvites",
                "retransmissions",
                "caller_user_agent",
                "callee_user_agent",
                "start_time",
            ],
        );
        row.insert(
            "messages".into(),
            json!(c["messages"].as_array().unwrap().len()),
        );
        without_nulls(Value::Object(row))
    }

    const STREAM_COLUMNS: &str = "capture, number, src, dst, ssrc, packets, payload_bytes, \
        call_id, call_number, direction, codec, clock_rate, clock_source, first_frame, \
        last_frame, signaled, encrypted, comfort_noise_packets, event_packets, expected, lost, \
        lost_pct, min_delta_ms, mean_delta_ms, max_delta_ms, min_jitter_ms, mean_jitter_ms, \
        max_jitter_ms, max_skew_ms, sequence_errors, rfc3550_expected, rfc3550_lost, \
        rfc3550_lost_pct, rfc3550_jitter_ms, duplicates, out_of_order, late, r_factor, mos";

    fn stream_row(s: &Value) -> Value {
        let mut row = pick(
            s,
            &[
                "number",
                "src",
                "dst",
                "packets",
                "payload_bytes",
                "call_id",
                "call_number",
                "direction",
                "codec",
                "clock_rate",
                "clock_source",
                "first_frame",
                "last_frame",
                "signaled",
                "encrypted",
                "comfort_noise_packets",
                "event_packets",
            ],
        );
        let hex = s["ssrc"].as_str().unwrap().trim_start_matches("0x");
        row.insert("ssrc".into(), json!(u32::from_str_radix(hex, 16).unwrap()));
        let w = &s["wireshark"];
        for k in [
            "expected",
            "lost",
            "lost_pct",
            "min_delta_ms",
            "mean_delta_ms",
            "max_delta_ms",
            "min_jitter_ms",
            "mean_jitter_ms",
            "max_jitter_ms",
            "max_skew_ms",
            "sequence_errors",
        ] {
            row.insert(k.into(), w[k].clone());
        }
        let r = &s["rfc3550"];
        for (k, from) in [
            ("rfc3550_expected", "expected"),
            ("rfc3550_lost", "lost"),
            ("rfc3550_lost_pct", "lost_pct"),
            ("rfc3550_jitter_ms", "jitter_ms"),
            ("duplicates", "duplicates"),
            ("out_of_order", "out_of_order"),
        ] {
            row.insert(k.into(), r[from].clone());
        }
        for k in ["late", "r_factor", "mos"] {
            row.insert(k.into(), s["quality"][k].clone());
        }
        without_nulls(Value::Object(row))
    }

    const REGISTRATION_COLUMNS: &str = "capture, call_id, aor, user, contact, expires, \
        unregister, state, final_status, final_reason, attempts, challenges, auth_user, \
        source, registrar, via, user_agent, transport, retransmissions";

    fn registration_row(r: &Value) -> Value {
        let mut row = pick(
            r,
            &[
                "call_id",
                "aor",
                "user",
                "contact",
                "expires",
                "unregister",
                "state",
                "final_status",
                "final_reason",
                "attempts",
                "challenges",
                "auth_user",
                "source",
                "registrar",
                "via",
                "user_agent",
                "transport",
                "retransmissions",
            ],
        );
        row.insert(
            "messages".into(),
            json!(r["messages"].as_array().unwrap().len()),
        );
        without_nulls(Value::Object(row))
    }

    /// The number of messages each call (or registration) has in the messages table.
    fn messages_per(dataset: &Path, record: &str) -> BTreeMap<(String, String), u64> {
        sql(
            dataset,
            &format!(
                "SELECT capture, call_id, count(*) AS n FROM messages WHERE record = '{record}' \
                 GROUP BY capture, call_id"
            ),
        )
        .into_iter()
        .map(|r| {
            (
                (
                    r["capture"].as_str().unwrap().to_string(),
                    r["call_id"].as_str().unwrap().to_string(),
                ),
                r["n"].as_u64().unwrap(),
            )
        })
        .collect()
    }

    #[test]
    fn every_capture_s_records_in_the_dataset_equal_the_json_output() {
        let mut captures = samples();
        if let Some(dir) = shared_captures() {
            captures.extend(all_captures(&dir));
        }
        let tmp = tempfile::tempdir().unwrap();
        let ds = tmp.path().join("ds");
        ingest(&captures, &ds);

        let calls = by_capture(sql(
            &ds,
            &format!("SELECT {CALL_COLUMNS} FROM calls ORDER BY capture, number"),
        ));
        let streams = by_capture(sql(
            &ds,
            &format!("SELECT {STREAM_COLUMNS} FROM streams ORDER BY capture, number"),
        ));
        let registrations = by_capture(sql(
            &ds,
            &format!(
                "SELECT {REGISTRATION_COLUMNS} FROM registrations \
                 ORDER BY capture, start_time, call_id"
            ),
        ));
        let findings = by_capture(sql(
            &ds,
            "SELECT capture, id, severity, call_number, stream, title, evidence FROM findings",
        ));
        let call_messages = messages_per(&ds, "call");
        let registration_messages = messages_per(&ds, "registration");
        let mut names = std::collections::BTreeSet::new();
        for cap in &captures {
            let name = cap.file_name().unwrap().to_str().unwrap().to_string();
            assert!(names.insert(name.clone()), "two captures named {name}");
            let document = analyze_json(cap.to_str().unwrap(), &[]);
            let none = Vec::new();
            let with_messages = |rows: Option<&Vec<Value>>, per: &BTreeMap<_, u64>| {
                rows.unwrap_or(&none)
                    .iter()
                    .map(|r| {
                        let mut r = r.clone();
                        let id = r["call_id"].as_str().unwrap().to_string();
                        let n = per.get(&(name.clone(), id)).copied().unwrap_or(0);
                        r["messages"] = json!(n);
                        r
                    })
                    .collect::<Vec<_>>()
            };
            let want: Vec<Value> = document["calls"]
                .as_array()
                .unwrap()
                .iter()
                .map(call_row)
                .collect();
            assert_eq!(
                with_messages(calls.get(&name), &call_messages),
                want,
                "{name}: calls"
            );
            // the JSON numbers streams by their place in the list
            let want: Vec<Value> = document["streams"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut row = stream_row(s);
                    row["number"] = json!(i + 1);
                    row
                })
                .collect();
            assert_eq!(
                streams.get(&name).unwrap_or(&none),
                &want,
                "{name}: streams"
            );
            // registrations: the same set (the JSON lists them by start, ties by arrival)
            let mut want: Vec<String> = document["registrations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| registration_row(r).to_string())
                .collect();
            let mut got: Vec<String> =
                with_messages(registrations.get(&name), &registration_messages)
                    .iter()
                    .map(Value::to_string)
                    .collect();
            want.sort();
            got.sort();
            assert_eq!(got, want, "{name}: registrations");
            // findings: the same set
            let key = |f: &Value| {
                without_nulls(json!({
                    "id": f["id"], "severity": f["severity"], "call_number": f["call_number"],
                    "stream": f["stream"], "title": f["title"], "evidence": f["evidence"],
                }))
                .to_string()
            };
            let mut want: Vec<String> = document["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(key)
                .collect();
            let mut got: Vec<String> = findings
                .get(&name)
                .unwrap_or(&none)
                .iter()
                .map(key)
                .collect();
            want.sort();
            got.sort();
            assert_eq!(got, want, "{name}: findings");
        }
        let in_dataset: Vec<String> = sql(&ds, "SELECT capture FROM captures ORDER BY capture")
            .iter()
            .map(|r| r["capture"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(in_dataset, names.into_iter().collect::<Vec<_>>());
    }

    /// Python with DuckDB, or None with a message (outside CI; in CI `.ci/run` installs it
    /// and a missing one fails).
    fn duckdb() -> Option<()> {
        let ok = Command::new("python3")
            .args(["-c", "import duckdb"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(());
        }
        if std::env::var_os("CI").is_some() {
            panic!("python3 with duckdb is missing; .ci/run installs it (pip install duckdb)");
        }
        eprintln!("skipping: python3 -c 'import duckdb' failed (pip install duckdb to run this)");
        None
    }

    /// The rows of `query` run by DuckDB over the dataset's Parquet files, as JSON objects
    /// (nulls left out). Each table is a view over its files with Hive partitioning.
    fn duckdb_rows(dataset: &Path, query: &str) -> Vec<Value> {
        let script = r#"
import duckdb, json, sys
dataset, query = sys.argv[1], sys.argv[2]
con = duckdb.connect()
for t in ["captures", "calls", "registrations", "streams", "findings", "messages"]:
    con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{dataset}/{t}/*/*/*.parquet', hive_partitioning = true, hive_types_autocast = false)")
cur = con.execute(query)
cols = [d[0] for d in cur.description]
print(json.dumps([{c: v for c, v in zip(cols, row) if v is not None} for row in cur.fetchall()]))
"#;
        let out = Command::new("python3")
            .args(["-c", script, dataset.to_str().unwrap(), query])
            .output()
            .expect("run python3");
        assert!(
            out.status.success(),
            "duckdb: {query}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    #[test]
    fn duckdb_reads_the_dataset_and_agrees_with_our_queries() {
        if duckdb().is_none() {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let ds = tmp.path().join("ds");
        ingest(&samples(), &ds);
        // the same question in both dialects: timestamps as nanoseconds since the epoch
        let queries = [
            (
                "SELECT capture, date, state, count(*) AS n, sum(invite_attempts) AS attempts, \
                 max(setup_time_ms) AS setup FROM calls GROUP BY capture, date, state \
                 ORDER BY capture, state",
                None,
            ),
            (
                "SELECT capture, number, ssrc, src, dst, codec, packets, lost, max_delta_ms, \
                 max_jitter_ms, mos, CAST(start_time AS BIGINT) AS start_ns FROM streams \
                 ORDER BY capture, number",
                Some(
                    "SELECT capture, number, ssrc, src, dst, codec, packets, lost, max_delta_ms, \
                     max_jitter_ms, mos, epoch_ns(start_time) AS start_ns FROM streams \
                     ORDER BY capture, number",
                ),
            ),
            (
                "SELECT m.capture, c.number, m.frame, m.label, m.status, m.cseq, m.src, m.dst \
                 FROM messages m JOIN calls c ON m.capture = c.capture AND m.call_id = c.call_id \
                 WHERE c.state <> 'completed' ORDER BY m.capture, m.frame",
                None,
            ),
            (
                "SELECT capture, aor, state, attempts, challenges, expires FROM registrations",
                None,
            ),
            (
                "SELECT severity, id, count(*) AS n FROM findings GROUP BY severity, id \
                 ORDER BY severity, id",
                None,
            ),
            (
                "SELECT capture, file_bytes, frames, calls, streams, messages, \
                 CAST(first_time AS BIGINT) AS first_ns FROM captures ORDER BY capture",
                Some(
                    "SELECT capture, file_bytes, frames, calls, streams, messages, \
                     epoch_ns(first_time) AS first_ns FROM captures ORDER BY capture",
                ),
            ),
        ];
        for (ours, theirs) in queries {
            let got = sql(&ds, ours);
            assert!(!got.is_empty(), "{ours}: no rows");
            assert_eq!(got, duckdb_rows(&ds, theirs.unwrap_or(ours)), "{ours}");
        }
    }

    #[test]
    fn options_stand_anywhere_and_a_missing_query_is_named() {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/busy.pcap");
        let sample = sample.to_str().unwrap();
        let q = "SELECT number, final_status FROM calls";
        for args in [
            vec!["sql", "--format", "csv", sample, q],
            vec!["sql", sample, "--format", "csv", q],
            vec!["sql", sample, q, "--format", "csv"],
        ] {
            let r = voipscope(&args);
            assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
            assert_eq!(r.stdout, "number,final_status\n1,486\n", "{args:?}");
        }
        let r = voipscope(&["sql", "SELECT 1"]);
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains("then the query"), "{}", r.stderr);
    }

    #[test]
    fn a_killed_ingest_leaves_no_half_written_file_in_sight() {
        let tmp = tempfile::tempdir().unwrap();
        let ds = tmp.path().join("ds");
        let first = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/busy.pcap");
        ingest(std::slice::from_ref(&first), &ds);
        // a capture long enough to be caught being written
        let big = tmp.path().join("night.pcap");
        let r = voipscope(&[
            "synth",
            "-o",
            big.to_str().unwrap(),
            "--calls",
            "100",
            "--call-seconds",
            "0.2",
            "--total-calls",
            "3000",
            "--size",
            "1G",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let mut child = Command::new(env!("CARGO_BIN_EXE_voipscope"))
            .args(["ingest", big.to_str().unwrap(), "-o", ds.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // killed while its first file is being written (the messages table fills a batch
        // after some 1,200 of the 3,000 calls)
        let started = std::time::Instant::now();
        let caught = loop {
            let writing = walk(&ds).iter().any(|p| p.contains("/.part-"));
            if writing {
                break true;
            }
            if child.try_wait().unwrap().is_some() || started.elapsed().as_secs() > 120 {
                break false;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(caught, "the ingest ended before a file was being written");
        let files = walk(&ds);
        assert!(
            !files
                .iter()
                .any(|f| f.contains("capture=night.pcap/part-") && f.ends_with(".parquet")),
            "{files:?}"
        );
        let count = |q: &str| sql(&ds, q)[0]["n"].as_u64().unwrap();
        assert_eq!(
            count("SELECT count(*) AS n FROM calls WHERE capture = 'night.pcap'"),
            0
        );
        assert_eq!(
            count("SELECT count(*) AS n FROM captures"),
            1,
            "the earlier capture stays"
        );
        let manifest = std::fs::read_to_string(ds.join("_voipscope/manifest.json")).unwrap();
        assert!(!manifest.contains("night.pcap"), "{manifest}");

        // the next run writes it whole, over what the killed one left
        ingest(std::slice::from_ref(&big), &ds);
        let truth: Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{}.truth.json", big.display())).unwrap(),
        )
        .unwrap();
        let calls = truth["calls"].as_array().unwrap().len() as u64;
        assert_eq!(calls, 3000);
        assert_eq!(
            count("SELECT count(*) AS n FROM calls WHERE capture = 'night.pcap'"),
            calls
        );
        let mut visible: Vec<String> = walk(&ds)
            .into_iter()
            .filter(|f| f.contains("capture=night.pcap/") && !f.contains("capture=night.pcap/."))
            .map(|f| f[ds.to_str().unwrap().len()..].to_string())
            .collect();
        visible.sort();
        let date = &sql(
            &ds,
            "SELECT date FROM captures WHERE capture = 'night.pcap'",
        )[0]["date"];
        let date = date.as_str().unwrap();
        for table in ["calls", "captures", "findings", "messages", "streams"] {
            let file = format!("/{table}/date={date}/capture=night.pcap/part-0.parquet");
            assert!(visible.contains(&file), "{file} in {visible:?}");
        }
        assert!(
            visible.iter().all(|f| {
                let name = f.rsplit('/').next().unwrap();
                name.strip_prefix("part-")
                    .and_then(|n| n.strip_suffix(".parquet"))
                    .is_some_and(|n| n.parse::<u32>().is_ok())
            }),
            "only whole files: {visible:?}"
        );
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return out;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
        out
    }
}
