//! `ingest` and `sql`: the Parquet dataset and SQL over it (the `sql` feature). Built without
//! the feature, both say how to get it.

use std::path::Path;
use std::process::ExitCode;

use crate::flags::{Run, SqlFormat};

#[cfg(not(feature = "sql"))]
fn without_sql(command: &str) -> ExitCode {
    eprintln!(
        "voipscope: `{command}` needs the SQL engines, which this build left out: \
         cargo install --path . --features sql"
    );
    ExitCode::from(2)
}

#[cfg(not(feature = "sql"))]
pub fn ingest(_paths: &[String], _dataset: &Path, _force: bool, _run: &Run) -> ExitCode {
    without_sql("ingest")
}

#[cfg(not(feature = "sql"))]
pub fn sql(_args: &[String], _format: SqlFormat, _run: &Run) -> ExitCode {
    without_sql("sql")
}

#[cfg(feature = "sql")]
pub fn ingest(paths: &[String], dataset: &Path, force: bool, run: &Run) -> ExitCode {
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

#[cfg(feature = "sql")]
pub fn sql(args: &[String], format: SqlFormat, run: &Run) -> ExitCode {
    use voipscope_sql::query::{self, OutputFormat, Source};
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
    let batches = match query::query(&source, query_text, &run.options()) {
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
