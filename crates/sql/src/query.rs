//! SQL with Apache DataFusion, embedded: the six tables registered by name, read from a
//! dataset's Parquet files (listing tables with the `date` and `capture` partitions) or
//! straight from capture files (a streaming table provider with one partition per capture,
//! each analyzed on its own thread as the query pulls its rows; a query that reads several
//! tables analyzes each capture once per table it reads).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::ListingOptions;
use datafusion::datasource::MemTable;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::prelude::SessionContext;

use crate::tables::{date_of, partition_columns, with_partition, Rows, Table, TABLES};
use crate::Error;
use voipscope_analysis::{Options, Record, RecordSink, Summary};
use voipscope_wire::timefmt::TimeBase;

/// Where the tables come from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A dataset written by `ingest`.
    Dataset(PathBuf),
    /// Capture files, analyzed as the query reads them.
    Captures(Vec<PathBuf>),
}

/// How query results are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// An aligned text table.
    Text,
    Csv,
    /// One JSON array of objects.
    Json,
}

/// A DataFusion session with the tables of `source` registered by name.
pub async fn session(source: &Source, opts: &Options) -> Result<SessionContext, Error> {
    let ctx = SessionContext::new();
    match source {
        Source::Dataset(dir) => register_dataset(&ctx, dir).await?,
        Source::Captures(paths) => {
            for t in TABLES {
                let partitions: Vec<Arc<dyn PartitionStream>> = paths
                    .iter()
                    .map(|p| {
                        Arc::new(CapturePartition {
                            table: t,
                            schema: t.full_schema(),
                            path: p.clone(),
                            opts: opts.clone(),
                        }) as Arc<dyn PartitionStream>
                    })
                    .collect();
                let provider = StreamingTable::try_new(t.full_schema(), partitions)?;
                ctx.register_table(t.name(), Arc::new(provider))?;
            }
        }
    }
    Ok(ctx)
}

/// Registers the six tables of the dataset at `dir` on `ctx` (listing tables over its Parquet
/// files, with the `date` and `capture` partition columns). The paths are made absolute: a
/// context of a cluster hands them to executors that share the storage.
pub async fn register_dataset(ctx: &SessionContext, dir: &Path) -> Result<(), Error> {
    for t in TABLES {
        let path = dir.join(t.name());
        if !path.is_dir() {
            // a dataset is only read: a table it lacks is an empty one
            let empty = MemTable::try_new(t.full_schema(), vec![vec![]])?;
            ctx.register_table(t.name(), Arc::new(empty))?;
            continue;
        }
        let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
            .with_file_extension(".parquet")
            .with_table_partition_cols(partition_columns());
        let url = format!("{}/", path.canonicalize().unwrap_or(path).display());
        ctx.register_listing_table(t.name(), url, options, Some(t.schema()), None)
            .await?;
    }
    Ok(())
}

/// Runs `sql` over `source` and gives the result's batches.
pub fn query(source: &Source, sql: &str, opts: &Options) -> Result<Vec<RecordBatch>, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(opts.pipeline.thread_count().max(1))
        .enable_all()
        .build()
        .map_err(|e| Error::Io(PathBuf::from("tokio"), e))?;
    runtime.block_on(async {
        let ctx = session(source, opts).await?;
        let df = ctx.sql(sql).await?;
        Ok(df.collect().await?)
    })
}

/// Writes `batches` as `format`.
pub fn write(
    batches: &[RecordBatch],
    format: OutputFormat,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    match format {
        OutputFormat::Text => {
            let table = arrow::util::pretty::pretty_format_batches(batches)?;
            writeln!(out, "{table}").map_err(|e| Error::Io(PathBuf::from("-"), e))?;
        }
        OutputFormat::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut *out);
            for b in batches {
                w.write(&nested_as_text(b)?)?;
            }
        }
        OutputFormat::Json => {
            let mut w = arrow::json::ArrayWriter::new(&mut *out);
            let refs: Vec<&RecordBatch> = batches.iter().collect();
            w.write_batches(&refs)?;
            w.finish()?;
            writeln!(out).map_err(|e| Error::Io(PathBuf::from("-"), e))?;
        }
    }
    Ok(())
}

/// `batch` with its list and struct columns written as text (`[1, 2]`), which CSV cannot hold
/// otherwise.
fn nested_as_text(batch: &RecordBatch) -> Result<RecordBatch, Error> {
    use arrow::array::{Array, ArrayRef, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::util::display::{ArrayFormatter, FormatOptions};
    let schema = batch.schema();
    if !schema.fields().iter().any(|f| f.data_type().is_nested()) {
        return Ok(batch.clone());
    }
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        if !field.data_type().is_nested() {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
            continue;
        }
        let format = ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default())?;
        let text: StringArray = (0..column.len())
            .map(|i| column.is_valid(i).then(|| format.value(i).to_string()))
            .collect();
        fields.push(Field::new(
            field.name(),
            DataType::Utf8,
            field.is_nullable(),
        ));
        columns.push(Arc::new(text));
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// One capture's rows of one table, for a query read straight from capture files.
#[derive(Debug)]
struct CapturePartition {
    table: Table,
    schema: SchemaRef,
    path: PathBuf,
    opts: Options,
}

impl PartitionStream for CapturePartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        // a few batches in flight: the analysis waits while the query is behind
        let (tx, mut rx) = tokio::sync::mpsc::channel(2);
        let table = self.table;
        let path = self.path.clone();
        let mut opts = self.opts.clone();
        opts.without_plot_series = true;
        std::thread::spawn(move || {
            let name = crate::dataset::capture_name(&path);
            let mut sink = match TableSink::new(table, name, tx.clone()) {
                Ok(s) => s,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e.into()));
                    return;
                }
            };
            let file = path.to_string_lossy().into_owned();
            if let Err(e) = voipscope_analysis::analyze_into(&file, &opts, &mut sink, &mut |_| {}) {
                let _ = tx.blocking_send(Err(datafusion::error::DataFusionError::External(
                    Box::new(Error::Analysis(format!("{}: {e}", path.display()))),
                )));
            }
        });
        let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream))
    }
}

type Sent = datafusion::error::Result<RecordBatch>;

/// Sends one table's batches of a capture, with its partition columns, as they fill.
struct TableSink {
    table: Table,
    name: String,
    date: String,
    rows: Rows,
    tx: tokio::sync::mpsc::Sender<Sent>,
}

impl TableSink {
    fn new(
        table: Table,
        name: String,
        tx: tokio::sync::mpsc::Sender<Sent>,
    ) -> Result<TableSink, Error> {
        Ok(TableSink {
            table,
            name,
            date: "unknown".into(),
            rows: Rows::new(&[table])?,
            tx,
        })
    }

    fn send(&mut self, min_rows: usize) -> std::io::Result<()> {
        for (t, batch) in self.rows.ready(min_rows).map_err(std::io::Error::other)? {
            debug_assert_eq!(t, self.table);
            let batch =
                with_partition(t, &batch, &self.date, &self.name).map_err(std::io::Error::other)?;
            if self.tx.blocking_send(Ok(batch)).is_err() {
                // the query stopped reading (a LIMIT was reached)
                return Err(std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "the query stopped reading",
                ));
            }
        }
        Ok(())
    }
}

impl RecordSink for TableSink {
    fn start(&mut self, base: TimeBase) -> std::io::Result<()> {
        self.date = date_of(Some(base.base_ns));
        self.rows.start(base);
        Ok(())
    }

    fn record(&mut self, record: Record) -> std::io::Result<()> {
        self.rows.record(&record).map_err(std::io::Error::other)?;
        self.send(crate::tables::BATCH_ROWS)
    }

    fn finish(&mut self, summary: Summary) -> std::io::Result<()> {
        self.rows.capture(&summary).map_err(std::io::Error::other)?;
        self.send(0)
    }
}

/// Whether `path` is a dataset (it has a manifest).
pub fn is_dataset(path: &Path) -> bool {
    path.join("_voipscope").join("manifest.json").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn opts() -> Options {
        Options {
            without_plot_series: true,
            ..Options::default()
        }
    }

    fn text(source: &Source, sql: &str) -> String {
        let batches = query(source, sql, &opts()).unwrap();
        let mut out = Vec::new();
        write(&batches, OutputFormat::Csv, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Three teaching captures (a call, a registration, a call with findings) and a dataset.
    fn two_captures(dir: &Path) -> (Vec<PathBuf>, PathBuf) {
        let mut caps = Vec::new();
        for name in ["hold-resume", "one-way-nat", "register-digest"] {
            let p = dir.join(format!("{name}.pcap"));
            voipscope_testkit::scenario::write(name, fs::File::create(&p).unwrap()).unwrap();
            caps.push(p);
        }
        let ds = dir.join("ds");
        crate::dataset::ingest(&caps, &ds, &opts(), false, &mut |_, _| {}).unwrap();
        (caps, ds)
    }

    #[test]
    fn a_query_over_captures_gives_what_it_gives_over_their_dataset() {
        let tmp = tempfile::tempdir().unwrap();
        let (caps, ds) = two_captures(tmp.path());
        assert!(is_dataset(&ds));
        let queries = [
            "SELECT capture, date, number, call_id, state, final_status, start_time, end_time, \
             streams, min_mos FROM calls ORDER BY capture, number",
            "SELECT capture, number, src, dst, ssrc, packets, lost, max_delta_ms, max_jitter_ms, \
             mos, start_time FROM streams ORDER BY capture, number",
            "SELECT capture, call_id, frame, time, src, dst, label, cseq FROM messages \
             ORDER BY capture, time, frame",
            "SELECT capture, aor, state, attempts, challenges FROM registrations",
            "SELECT capture, id, severity, call_number, evidence FROM findings \
             ORDER BY capture, call_number, id, title",
            "SELECT capture, file_bytes, frames, calls, streams, messages, first_time FROM captures \
             ORDER BY capture",
        ];
        for q in queries {
            let from_dataset = text(&Source::Dataset(ds.clone()), q);
            let from_captures = text(&Source::Captures(caps.clone()), q);
            assert_eq!(from_dataset, from_captures, "{q}");
            assert!(
                from_dataset.lines().count() > 1,
                "{q}: no rows\n{from_dataset}"
            );
        }
        let calls = text(
            &Source::Dataset(ds),
            "SELECT capture, count(*) AS n FROM messages GROUP BY capture ORDER BY capture",
        );
        assert_eq!(
            calls,
            "capture,n\nhold-resume.pcap,13\none-way-nat.pcap,7\nregister-digest.pcap,4\n"
        );
    }

    #[test]
    fn a_half_written_file_left_by_a_crash_is_not_read() {
        let tmp = tempfile::tempdir().unwrap();
        let (_, ds) = two_captures(tmp.path());
        let q = "SELECT count(*) AS n FROM messages";
        let before = text(&Source::Dataset(ds.clone()), q);
        // what a killed ingest leaves: a temporary file, cut short, beside the whole ones
        let dir = ds.join("messages/date=2025-01-01/capture=hold-resume.pcap");
        let whole = fs::read(dir.join("part-0.parquet")).unwrap();
        fs::write(
            dir.join(".part-0.parquet.4242.tmp"),
            &whole[..whole.len() / 2],
        )
        .unwrap();
        let half = ds.join("messages/date=2025-01-01/capture=next.pcap");
        fs::create_dir_all(&half).unwrap();
        fs::write(half.join(".part-0.parquet.4242.tmp"), &whole[..100]).unwrap();
        assert_eq!(text(&Source::Dataset(ds), q), before);
        assert_eq!(before, "n\n24\n");
    }

    #[test]
    fn a_dataset_is_read_without_being_written_and_a_missing_table_is_empty() {
        let tmp = tempfile::tempdir().unwrap();
        let (_, ds) = two_captures(tmp.path());
        fs::remove_dir_all(ds.join("findings")).unwrap();
        let out = text(
            &Source::Dataset(ds.clone()),
            "SELECT (SELECT count(*) FROM findings) AS findings, \
             (SELECT count(*) FROM calls) AS calls",
        );
        assert_eq!(out, "findings,calls\n0,2\n");
        assert!(!ds.join("findings").exists(), "the query made a directory");
    }

    #[test]
    fn a_limit_over_captures_stops_the_analysis_without_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let (caps, _) = two_captures(tmp.path());
        let out = text(
            &Source::Captures(caps),
            "SELECT frame FROM messages WHERE capture = 'hold-resume.pcap' LIMIT 1",
        );
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn results_are_written_as_text_csv_or_json() {
        let tmp = tempfile::tempdir().unwrap();
        let (_, ds) = two_captures(tmp.path());
        let batches = query(
            &Source::Dataset(ds),
            "SELECT number, state, final_status FROM calls WHERE capture = 'hold-resume.pcap'",
            &opts(),
        )
        .unwrap();
        let written = |f| {
            let mut out = Vec::new();
            write(&batches, f, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            written(OutputFormat::Csv),
            "number,state,final_status\n1,completed,200\n"
        );
        assert_eq!(
            written(OutputFormat::Json),
            "[{\"number\":1,\"state\":\"completed\",\"final_status\":200}]\n"
        );
        let table = written(OutputFormat::Text);
        assert!(
            table.contains("| 1      | completed | 200          |"),
            "{table}"
        );
    }
}
