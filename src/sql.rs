//! `ingest` and `sql`: the Parquet dataset and SQL over it (the `sql` feature), in this
//! process or on a Ballista cluster (`--cluster`, and the `cluster` command: the `cluster`
//! feature). Built without a feature, its commands say how to get it.

use std::path::Path;
use std::process::ExitCode;

use crate::flags::{ClusterRole, Run, SqlFormat};

#[cfg(not(feature = "sql"))]
fn without_sql(command: &str) -> ExitCode {
    eprintln!(
        "voipscope: `{command}` needs the SQL engines, which this build left out: \
         cargo install --path . --features sql"
    );
    ExitCode::from(2)
}

#[cfg(not(feature = "sql"))]
pub fn ingest(
    _paths: &[String],
    _dataset: &Path,
    _force: bool,
    _cluster: Option<&str>,
    _run: &Run,
) -> ExitCode {
    without_sql("ingest")
}

#[cfg(not(feature = "sql"))]
pub fn sql(_args: &[String], _format: SqlFormat, _cluster: Option<&str>, _run: &Run) -> ExitCode {
    without_sql("sql")
}

#[cfg(not(feature = "cluster"))]
fn without_cluster(command: &str) -> ExitCode {
    eprintln!(
        "voipscope: `{command}` needs Apache Ballista, which this build left out: \
         cargo install --path . --features cluster"
    );
    ExitCode::from(2)
}

#[cfg(not(feature = "cluster"))]
pub fn cluster(_role: ClusterRole) -> ExitCode {
    without_cluster("cluster")
}

/// A tokio runtime for the cluster's client and nodes.
#[cfg(feature = "cluster")]
fn runtime() -> Option<voipscope_cluster::Runtime> {
    match voipscope_cluster::runtime() {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("voipscope: {e}");
            None
        }
    }
}

#[cfg(feature = "cluster")]
pub fn cluster(role: ClusterRole) -> ExitCode {
    use voipscope_cluster::process;
    let Some(rt) = runtime() else {
        return ExitCode::from(2);
    };
    let run = match role {
        ClusterRole::Scheduler {
            bind,
            external_host,
            executor_timeout,
        } => rt.block_on(process::scheduler(process::SchedulerArgs {
            bind,
            external_host,
            executor_timeout_s: executor_timeout,
        })),
        ClusterRole::Executor {
            scheduler,
            bind,
            external_host,
            flight_port,
            grpc_port,
            tasks,
            work_dir,
            heartbeat,
        } => {
            let Some((host, port)) = scheduler
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
            else {
                eprintln!("voipscope: --scheduler wants HOST:PORT, not {scheduler}");
                return ExitCode::from(2);
            };
            let tasks = if tasks == 0 {
                std::thread::available_parallelism().map_or(1, |n| n.get())
            } else {
                tasks
            };
            rt.block_on(process::executor(process::ExecutorArgs {
                scheduler_host: host,
                scheduler_port: port,
                bind_host: bind,
                external_host,
                flight_port,
                grpc_port,
                tasks,
                work_dir,
                heartbeat_s: heartbeat,
            }))
        }
    };
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("voipscope: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(feature = "sql")]
pub fn ingest(
    paths: &[String],
    dataset: &Path,
    force: bool,
    cluster: Option<&str>,
    run: &Run,
) -> ExitCode {
    use std::io::Write;
    use voipscope::report::text::counted;
    use voipscope_sql::dataset::{self, Outcome};
    let captures = match voipscope::batch::find_captures(paths) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("voipscope: {e}");
            return ExitCode::from(2);
        }
    };
    let opts = voipscope::Options {
        without_plot_series: true,
        ..run.options()
    };
    if let Some(url) = cluster {
        #[cfg(not(feature = "cluster"))]
        return {
            let _ = (url, force);
            without_cluster("ingest --cluster")
        };
        #[cfg(feature = "cluster")]
        return ingest_on_cluster(url, captures, dataset, force, &opts);
    }
    let mut failed = 0;
    let mut out = std::io::stdout().lock();
    let result = dataset::ingest(&captures, dataset, &opts, force, &mut |path, outcome| {
        // a closed pipe (`| head`) must not stop the ingest: the dataset is what matters
        let _ = match outcome {
            Outcome::Written { name, rows } => {
                let n = |table: &str| rows.get(table).copied().unwrap_or(0);
                writeln!(
                    out,
                    "{}: written as {name} ({}, {}, {}, {})",
                    path.display(),
                    counted(n("calls"), "call", "calls"),
                    counted(n("registrations"), "registration", "registrations"),
                    counted(n("streams"), "stream", "streams"),
                    counted(n("messages"), "message", "messages"),
                )
            }
            Outcome::Unchanged { name } => writeln!(
                out,
                "{}: unchanged since ingested as {name}, skipped (--force writes it again)",
                path.display()
            ),
            Outcome::Failed(e) => {
                failed += 1;
                eprintln!("voipscope: not ingested: {e}");
                Ok(())
            }
        };
    });
    match result {
        Ok(_) if failed == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("voipscope: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(feature = "cluster")]
fn ingest_on_cluster(
    url: &str,
    captures: Vec<std::path::PathBuf>,
    dataset: &Path,
    force: bool,
    opts: &voipscope::Options,
) -> ExitCode {
    use voipscope::report::text::counted;
    let Some(rt) = runtime() else {
        return ExitCode::from(2);
    };
    let request = voipscope_cluster::client::IngestRequest {
        captures,
        dataset: dataset.to_path_buf(),
        force,
        threads: opts.pipeline.threads,
        jitter_buffer_ms: opts.jitter_buffer_ms,
    };
    let rows = match rt.block_on(voipscope_cluster::client::ingest(url, &request)) {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("voipscope: {e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = 0;
    for row in rows {
        let on = &row.executor;
        match (&row.ingested, row.error.as_deref()) {
            (_, Some(e)) => {
                failed += 1;
                eprintln!("voipscope: not ingested (on {on}): {e}");
            }
            (Some(i), None) => {
                let n = |table: &str| i.rows.get(table).copied().unwrap_or(0);
                println!(
                    "{}: written as {} on {on} ({}, {}, {}, {})",
                    row.path,
                    row.capture,
                    counted(n("calls"), "call", "calls"),
                    counted(n("registrations"), "registration", "registrations"),
                    counted(n("streams"), "stream", "streams"),
                    counted(n("messages"), "message", "messages"),
                );
            }
            (None, None) => println!(
                "{}: unchanged since ingested as {}, skipped (--force writes it again)",
                row.path, row.capture
            ),
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

#[cfg(feature = "sql")]
pub fn sql(args: &[String], format: SqlFormat, cluster: Option<&str>, run: &Run) -> ExitCode {
    use voipscope_sql::query::{self, OutputFormat, Source};
    #[cfg(not(feature = "cluster"))]
    if cluster.is_some() {
        return without_cluster("sql --cluster");
    }
    // clap takes the sources and the query as one list, so that options may stand anywhere
    let (query_text, sources) = match args.split_last() {
        Some((q, s)) if !s.is_empty() => (q, s),
        _ => {
            eprintln!(
                "voipscope: sql needs a dataset or captures, then the query: \
                 voipscope sql DATASET \"SELECT ...\""
            );
            return ExitCode::from(2);
        }
    };
    let source = match sources {
        [one] if query::is_dataset(Path::new(one)) => {
            Source::Dataset(std::path::PathBuf::from(one))
        }
        _ => match voipscope::batch::find_captures(sources) {
            Ok(c) => Source::Captures(c),
            Err(e) => {
                eprintln!("voipscope: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let format = match format {
        SqlFormat::Text => OutputFormat::Text,
        SqlFormat::Csv => OutputFormat::Csv,
        SqlFormat::Json => OutputFormat::Json,
    };
    let batches = match (cluster, &source) {
        (None, _) => query::query(&source, query_text, &run.options()).map_err(|e| e.to_string()),
        #[cfg(feature = "cluster")]
        (Some(url), Source::Dataset(dir)) => query_on_cluster(url, dir, query_text),
        #[cfg(not(feature = "cluster"))]
        (Some(_), Source::Dataset(_)) => Err("sql --cluster needs the cluster feature".into()),
        (Some(_), Source::Captures(_)) => {
            eprintln!(
                "voipscope: sql --cluster reads a dataset (ingest --cluster writes one), \
                 not capture files"
            );
            return ExitCode::from(2);
        }
    };
    let batches = match batches {
        Ok(b) => b,
        Err(e) => {
            eprintln!("voipscope: {e}");
            return ExitCode::from(2);
        }
    };
    // the result is in memory already (collected batches): formatted whole, then written
    let mut text = Vec::new();
    if let Err(e) = query::write(&batches, format, &mut text) {
        eprintln!("voipscope: {e}");
        return ExitCode::from(1);
    }
    match std::io::Write::write_all(&mut std::io::stdout().lock(), &text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("voipscope: cannot write to standard output: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(feature = "cluster")]
fn query_on_cluster(
    url: &str,
    dataset: &Path,
    sql: &str,
) -> Result<Vec<voipscope_sql::RecordBatch>, String> {
    let rt = runtime().ok_or("cannot start the async runtime")?;
    rt.block_on(voipscope_cluster::client::sql(url, dataset, sql))
        .map_err(|e| e.to_string())
}
