//! `ingest --cluster` and `sql --cluster` on a Ballista cluster on loopback: a scheduler and
//! two executors started by the test from the binary. Built with the `cluster` feature: both
//! executors take tasks, the dataset is the embedded ingest's byte for byte, queries give the
//! embedded answers, and an executor killed mid-job loses and doubles nothing. Built without
//! it: the commands say how to get it.

mod common;

use common::*;

#[cfg(not(feature = "cluster"))]
#[test]
fn without_the_feature_cluster_says_how_to_get_it() {
    let r = voipscope(&["cluster", "scheduler"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--features cluster"),
        "cluster scheduler: {}",
        r.stderr
    );
}

#[cfg(not(feature = "cluster"))]
#[test]
fn without_the_feature_ingest_and_sql_on_a_cluster_say_how_to_get_it() {
    for args in [
        &[
            "ingest",
            "samples/busy.pcap",
            "-o",
            "/nonexistent/ds",
            "--cluster",
            "df://127.0.0.1:1",
        ][..],
        &[
            "sql",
            "samples",
            "SELECT 1",
            "--cluster",
            "df://127.0.0.1:1",
        ][..],
    ] {
        let r = voipscope(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("--features"), "{args:?}: {}", r.stderr);
    }
}

#[cfg(feature = "cluster")]
mod with_cluster {
    use super::*;
    use std::collections::BTreeSet;
    use std::fs;
    use std::io::Read;
    use std::net::TcpListener;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    const BIN: &str = env!("CARGO_BIN_EXE_voipscope");

    /// `n` ports nobody listens on now, all different (held together while asked for).
    fn free_ports(n: usize) -> Vec<u16> {
        let held: Vec<TcpListener> = (0..n)
            .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        held.iter()
            .map(|l| l.local_addr().unwrap().port())
            .collect()
    }

    /// A node of the cluster; killed when dropped.
    struct Node {
        child: Child,
        log: PathBuf,
    }

    impl Node {
        fn start(args: &[String], log: PathBuf) -> Node {
            let file = fs::File::create(&log).unwrap();
            let child = Command::new(BIN)
                .args(args)
                .env("RUST_LOG", "info")
                .stdout(Stdio::null())
                .stderr(file)
                .spawn()
                .expect("start a cluster node");
            Node { child, log }
        }

        fn log(&self) -> String {
            let mut text = String::new();
            if let Ok(mut f) = fs::File::open(&self.log) {
                let _ = f.read_to_string(&mut text);
            }
            text
        }

        fn kill(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl Drop for Node {
        fn drop(&mut self) {
            self.kill();
        }
    }

    struct Cluster {
        url: String,
        scheduler: Node,
        executors: Vec<Node>,
    }

    /// A scheduler and two executors of one task each, the executors heard from every second
    /// and lost after four.
    fn cluster(dir: &Path) -> Cluster {
        let ports = free_ports(5);
        let port = ports[0];
        let scheduler = Node::start(
            &[
                "cluster".into(),
                "scheduler".into(),
                "--bind".into(),
                format!("127.0.0.1:{port}"),
                "--executor-timeout".into(),
                "4".into(),
            ],
            dir.join("scheduler.log"),
        );
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the scheduler does not listen:\n{}",
                scheduler.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let executors: Vec<Node> = (0..2)
            .map(|i| {
                let work = dir.join(format!("work-{i}"));
                fs::create_dir_all(&work).unwrap();
                Node::start(
                    &[
                        "cluster".into(),
                        "executor".into(),
                        "--scheduler".into(),
                        format!("127.0.0.1:{port}"),
                        "--bind".into(),
                        "127.0.0.1".into(),
                        "--flight-port".into(),
                        ports[1 + 2 * i].to_string(),
                        "--grpc-port".into(),
                        ports[2 + 2 * i].to_string(),
                        "--tasks".into(),
                        "1".into(),
                        "--heartbeat".into(),
                        "1".into(),
                        "--work-dir".into(),
                        work.display().to_string(),
                    ],
                    dir.join(format!("executor-{i}.log")),
                )
            })
            .collect();
        // the scheduler logs each executor that registers
        let start = Instant::now();
        while scheduler
            .log()
            .matches("Received register executor request")
            .count()
            < 2
        {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the executors did not register:\n{}\n{}",
                scheduler.log(),
                executors
                    .iter()
                    .map(Node::log)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Cluster {
            url: format!("df://127.0.0.1:{port}"),
            scheduler,
            executors,
        }
    }

    fn ingest(captures: &[PathBuf], dataset: &Path, cluster: Option<&str>) -> Run {
        let mut args: Vec<String> = vec!["ingest".into()];
        args.extend(captures.iter().map(|p| p.display().to_string()));
        args.extend(["-o".into(), dataset.display().to_string()]);
        args.extend(["--threads".into(), "1".into()]);
        if let Some(url) = cluster {
            args.extend(["--cluster".into(), url.into()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = voipscope(&args);
        assert_eq!(r.code, 0, "ingest {cluster:?}: {}{}", r.stdout, r.stderr);
        r
    }

    /// Every visible file of the dataset's tables, by path, with its bytes.
    fn files(dataset: &Path) -> Vec<(String, Vec<u8>)> {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                if name.starts_with('.') || name.starts_with('_') {
                    continue;
                }
                if p.is_dir() {
                    walk(&p, root, out);
                } else {
                    let rel = p.strip_prefix(root).unwrap().display().to_string();
                    out.push((rel, fs::read(&p).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        walk(dataset, dataset, &mut out);
        out.sort();
        out
    }

    /// The executors named in `ingest --cluster`'s lines (`written as NAME on HOST:PID`).
    fn executors_named(stdout: &str) -> BTreeSet<String> {
        stdout
            .lines()
            .filter_map(|l| l.split(" on ").nth(1))
            .filter_map(|rest| rest.split_whitespace().next())
            .map(str::to_string)
            .collect()
    }

    fn samples() -> Vec<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        ["basic-call", "busy", "cancel", "two-g711-calls"]
            .iter()
            .map(|n| dir.join(format!("{n}.pcap")))
            .collect()
    }

    const QUERIES: &[&str] = &[
        "SELECT capture, call_id, state, final_status, date FROM calls ORDER BY capture, call_id",
        "SELECT capture, number, ssrc, packets, lost, max_jitter_ms FROM streams ORDER BY capture, number",
        "SELECT capture, count(*) AS messages FROM messages GROUP BY capture ORDER BY capture",
    ];

    #[test]
    fn a_cluster_ingests_and_queries_as_one_process_does() {
        let dir = tempfile::tempdir().unwrap();
        let c = cluster(dir.path());
        let on_cluster = dir.path().join("on-cluster");
        let here = dir.path().join("here");
        let r = ingest(&samples(), &on_cluster, Some(&c.url));
        ingest(&samples(), &here, None);
        assert_eq!(
            r.stdout.lines().count(),
            4,
            "one line per capture:\n{}",
            r.stdout
        );
        let executors = executors_named(&r.stdout);
        assert_eq!(
            executors.len(),
            2,
            "both executors took tasks:\n{}",
            r.stdout
        );

        let (a, b) = (files(&on_cluster), files(&here));
        // captures, calls and messages of every capture, streams of two
        assert!(a.len() >= 4 * 3 + 2, "{} files", a.len());
        assert_eq!(
            a.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            b.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
        for ((path, x), (_, y)) in a.iter().zip(&b) {
            assert!(x == y, "{path} differs from the embedded ingest's");
        }

        for q in QUERIES {
            let embedded = voipscope(&["sql", here.to_str().unwrap(), q, "--format", "csv"]);
            assert_eq!(embedded.code, 0, "{q}: {}", embedded.stderr);
            let remote = voipscope(&[
                "sql",
                here.to_str().unwrap(),
                q,
                "--format",
                "csv",
                "--cluster",
                &c.url,
            ]);
            assert_eq!(remote.code, 0, "{q}: {}", remote.stderr);
            assert!(
                embedded.stdout.lines().count() > 1,
                "{q}: {}",
                embedded.stdout
            );
            assert_eq!(remote.stdout, embedded.stdout, "{q}");
        }

        // the manifest has them: a second ingest skips every capture
        let again = ingest(&samples(), &on_cluster, Some(&c.url));
        assert_eq!(
            again.stdout.matches("unchanged since ingested").count(),
            4,
            "{}",
            again.stdout
        );
        drop(c.executors);
        drop(c.scheduler);
    }

    #[test]
    fn an_executor_lost_mid_job_loses_and_doubles_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // captures long enough that the job is still running when an executor is killed
        let captures: Vec<PathBuf> = (1..=4)
            .map(|i| {
                let path = dir.path().join(format!("night-{i}.pcap"));
                let r = voipscope(&[
                    "synth",
                    "-o",
                    path.to_str().unwrap(),
                    "--calls",
                    "50",
                    "--call-seconds",
                    "5",
                    "--size",
                    "40M",
                    "--seed",
                    &i.to_string(),
                ]);
                assert_eq!(r.code, 0, "synth: {}", r.stderr);
                path
            })
            .collect();
        let mut c = cluster(dir.path());
        let on_cluster = dir.path().join("on-cluster");
        let client = {
            let mut args: Vec<String> = vec!["ingest".into()];
            args.extend(captures.iter().map(|p| p.display().to_string()));
            args.extend(["-o".into(), on_cluster.display().to_string()]);
            args.extend([
                "--threads".into(),
                "1".into(),
                "--cluster".into(),
                c.url.clone(),
            ]);
            Command::new(BIN)
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        // the first executor is killed as soon as it starts a capture
        let start = Instant::now();
        while !c.executors[0].log().contains(": ingesting (job") {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the first executor took no task:\n{}",
                c.executors[0].log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        c.executors[0].kill();
        let out = client.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            c.scheduler.log()
        );
        assert!(
            c.scheduler.log().contains("lost Executor"),
            "the scheduler saw no executor lost:\n{}",
            c.scheduler.log()
        );
        assert_eq!(stdout.matches(": written as night-").count(), 4, "{stdout}");

        let here = dir.path().join("here");
        ingest(&captures, &here, None);
        let (a, b) = (files(&on_cluster), files(&here));
        assert_eq!(
            a.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            b.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            "the same files, none twice"
        );
        for ((path, x), (_, y)) in a.iter().zip(&b) {
            assert!(x == y, "{path} differs from the embedded ingest's");
        }
        let count = |ds: &Path| {
            voipscope(&[
                "sql",
                ds.to_str().unwrap(),
                "SELECT count(*) AS calls, count(DISTINCT capture || call_id) AS distinct_calls FROM calls",
                "--format",
                "csv",
            ])
            .stdout
        };
        assert_eq!(count(&on_cluster), count(&here));
    }
}
