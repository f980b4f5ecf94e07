//! The ingest job: a table whose scan is one task per capture ([`IngestExec`]), each task
//! analyzing its capture where it runs and writing that capture's Parquet files into the
//! shared dataset, and returning one row: what the manifest keeps of the capture.

use std::any::Any;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    SendableRecordBatchStream,
};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use voipscope_analysis::Options;
use voipscope_sql::dataset::{
    capture_name, ingest_capture, write_atomically, Ingested, Manifest, Outcome,
};

/// What every task of one `ingest --cluster` run needs to know; it travels in the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IngestJob {
    /// Unique to the run: a task run again finds the rows this run already wrote.
    pub id: String,
    /// The dataset, as a path every executor reads and writes (shared storage).
    pub dataset: String,
    /// The captures, one task each, as paths every executor reads.
    pub captures: Vec<String>,
    /// Write captures again even when the manifest has them unchanged.
    pub force: bool,
    /// Analysis threads per task (0: one per core of the executor).
    pub threads: usize,
    pub jitter_buffer_ms: Option<f64>,
}

impl IngestJob {
    fn options(&self) -> Options {
        let mut opts = Options {
            without_plot_series: true,
            jitter_buffer_ms: self.jitter_buffer_ms,
            ..Options::default()
        };
        opts.pipeline.threads = self.threads;
        opts
    }

    /// Where a task of this job leaves its row once its capture is written.
    fn done_marker(&self, capture: &str) -> PathBuf {
        Path::new(&self.dataset)
            .join("_voipscope/jobs")
            .join(&self.id)
            .join(format!("{capture}.json"))
    }
}

/// One task's answer: a capture and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskRow {
    /// The capture's name in the dataset.
    pub capture: String,
    pub path: String,
    /// `written`, `unchanged` or `failed`.
    pub outcome: String,
    pub error: Option<String>,
    /// The executor that did the work (`host:pid`).
    pub executor: String,
    /// The capture's manifest entry, when written.
    pub ingested: Option<Ingested>,
}

/// The ingest job's result columns.
pub fn result_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("capture", DataType::Utf8, false),
        Field::new("path", DataType::Utf8, false),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("error", DataType::Utf8, true),
        Field::new("executor", DataType::Utf8, false),
        // the manifest entry as JSON: it is read back by the client only
        Field::new("ingested", DataType::Utf8, true),
    ]))
}

fn row_batch(row: &TaskRow) -> Result<RecordBatch> {
    let ingested = row
        .ingested
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| DataFusionError::External(Box::new(e)))?;
    let text = |v: &str| Arc::new(StringArray::from(vec![v.to_string()])) as ArrayRef;
    let columns = vec![
        text(&row.capture),
        text(&row.path),
        text(&row.outcome),
        Arc::new(StringArray::from(vec![row.error.clone()])) as ArrayRef,
        text(&row.executor),
        Arc::new(StringArray::from(vec![ingested])) as ArrayRef,
    ];
    Ok(RecordBatch::try_new(result_schema(), columns)?)
}

/// Reads the job's rows back from its result batches.
pub fn rows_of(batches: &[RecordBatch]) -> Result<Vec<TaskRow>> {
    let mut rows = Vec::new();
    for b in batches {
        let column = |name: &str| -> Result<&StringArray> {
            b.column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                .ok_or_else(|| {
                    DataFusionError::Internal(format!("the ingest job gave no {name} column"))
                })
        };
        let (capture, path, outcome) = (column("capture")?, column("path")?, column("outcome")?);
        let (error, executor, ingested) =
            (column("error")?, column("executor")?, column("ingested")?);
        for i in 0..b.num_rows() {
            let optional = |a: &StringArray| (!a.is_null(i)).then(|| a.value(i).to_string());
            rows.push(TaskRow {
                capture: capture.value(i).to_string(),
                path: path.value(i).to_string(),
                outcome: outcome.value(i).to_string(),
                error: optional(error),
                executor: executor.value(i).to_string(),
                ingested: optional(ingested)
                    .map(|j| serde_json::from_str(&j))
                    .transpose()
                    .map_err(|e| DataFusionError::External(Box::new(e)))?,
            });
        }
    }
    Ok(rows)
}

/// This process, as the rows name it: host and process id.
pub fn executor_name() -> String {
    let host = fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    format!("{host}:{}", std::process::id())
}

/// Runs task `index` of `job` where this process is: ingests its capture unless this job
/// already did (the task runs again when its first executor was lost).
pub fn run_task(job: &IngestJob, index: usize) -> TaskRow {
    let executor = executor_name();
    let Some(path) = job.captures.get(index) else {
        return TaskRow {
            capture: String::new(),
            path: String::new(),
            outcome: "failed".into(),
            error: Some(format!("the job has no capture {index}")),
            executor,
            ingested: None,
        };
    };
    let capture = capture_name(Path::new(path));
    let marker = job.done_marker(&capture);
    if let Some(mut row) = fs::read(&marker)
        .ok()
        .and_then(|b| serde_json::from_slice::<TaskRow>(&b).ok())
    {
        log::info!(
            "{path}: already written by job {} on {}",
            job.id,
            row.executor
        );
        row.executor = executor;
        return row;
    }
    log::info!("{path}: ingesting (job {}, task {index})", job.id);
    let dataset = Path::new(&job.dataset);
    let known = match Manifest::read(dataset) {
        Ok(m) => m.captures.get(&capture).cloned(),
        Err(e) => {
            return TaskRow {
                capture,
                path: path.clone(),
                outcome: "failed".into(),
                error: Some(e.to_string()),
                executor,
                ingested: None,
            }
        }
    };
    let (outcome, ingested) = ingest_capture(
        Path::new(path),
        dataset,
        known.as_ref(),
        &job.options(),
        job.force,
    );
    let (outcome, error) = match outcome {
        Outcome::Written { .. } => ("written", None),
        Outcome::Unchanged { .. } => ("unchanged", None),
        Outcome::Failed(e) => ("failed", Some(e)),
    };
    let row = TaskRow {
        capture,
        path: path.clone(),
        outcome: outcome.into(),
        error,
        executor,
        ingested,
    };
    if row.outcome == "written" {
        if let Err(e) = write_marker(&marker, &row) {
            // the row still reaches the client; only a second run of this task would write
            // the capture again
            log::warn!("{e}");
        }
    }
    row
}

fn write_marker(marker: &Path, row: &TaskRow) -> Result<(), voipscope_sql::Error> {
    if let Some(dir) = marker.parent() {
        fs::create_dir_all(dir).map_err(|e| voipscope_sql::Error::Io(dir.to_path_buf(), e))?;
    }
    let bytes =
        serde_json::to_vec(row).map_err(|e| voipscope_sql::Error::Dataset(e.to_string()))?;
    write_atomically(marker, &bytes)
}

/// The ingest job as a table: scanning it runs the job.
#[derive(Debug)]
pub struct IngestTable {
    pub job: IngestJob,
}

#[async_trait]
impl TableProvider for IngestTable {
    fn schema(&self) -> SchemaRef {
        result_schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(IngestExec::new(
            self.job.clone(),
            projection.cloned(),
            task_list(&self.job)?,
        )?))
    }
}

/// The job's task numbers as an in-memory table, one partition (and row) per capture. The
/// ingest is a map over it: Ballista hands each task only its own partitions of an in-memory
/// table (a plan node of ours it would run whole in every task).
fn task_list(job: &IngestJob) -> Result<Arc<dyn ExecutionPlan>> {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "task",
        DataType::UInt32,
        false,
    )]));
    let partitions = (0..job.captures.len())
        .map(|i| {
            let column = Arc::new(UInt32Array::from(vec![i as u32])) as ArrayRef;
            Ok(vec![RecordBatch::try_new(schema.clone(), vec![column])?])
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(MemorySourceConfig::try_new_exec(&partitions, schema, None)?)
}

/// Ingests the captures whose task numbers its input gives, partition by partition.
#[derive(Debug)]
pub struct IngestExec {
    pub job: IngestJob,
    pub projection: Option<Vec<usize>>,
    input: Arc<dyn ExecutionPlan>,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
}

impl IngestExec {
    pub fn new(
        job: IngestJob,
        projection: Option<Vec<usize>>,
        input: Arc<dyn ExecutionPlan>,
    ) -> Result<IngestExec> {
        let schema = match &projection {
            Some(p) => Arc::new(result_schema().project(p)?),
            None => result_schema(),
        };
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(
                input.properties().output_partitioning().partition_count(),
            ),
            EmissionType::Final,
            Boundedness::Bounded,
        ));
        Ok(IngestExec {
            job,
            projection,
            input,
            schema,
            properties,
        })
    }
}

impl DisplayAs for IngestExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "IngestExec: job={}, captures={}, dataset={}",
            self.job.id,
            self.job.captures.len(),
            self.job.dataset
        )
    }
}

impl ExecutionPlan for IngestExec {
    fn name(&self) -> &str {
        "IngestExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        // one capture per partition: spreading the task numbers over more partitions
        // would only add an exchange
        vec![false]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let [input] = <[_; 1]>::try_from(children).map_err(|c| {
            DataFusionError::Internal(format!("IngestExec takes one input, not {}", c.len()))
        })?;
        Ok(Arc::new(IngestExec::new(
            self.job.clone(),
            self.projection.clone(),
            input,
        )?))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let job = Arc::new(self.job.clone());
        let projection = self.projection.clone();
        let tasks = self.input.execute(partition, context)?;
        let rows = tasks
            .map(move |batch| {
                let batch = batch?;
                let column = batch
                    .column(0)
                    .as_any()
                    .downcast_ref::<UInt32Array>()
                    .ok_or_else(|| {
                        DataFusionError::Internal("the task list is not task numbers".into())
                    })?;
                Ok(column
                    .values()
                    .iter()
                    .map(|&i| i as usize)
                    .collect::<Vec<_>>())
            })
            .and_then(move |tasks: Vec<usize>| {
                let job = job.clone();
                let projection = projection.clone();
                async move {
                    // the analysis is synchronous and long: off the runtime's workers
                    let rows = tokio::task::spawn_blocking(move || {
                        tasks.iter().map(|&i| run_task(&job, i)).collect::<Vec<_>>()
                    })
                    .await
                    .map_err(|e| DataFusionError::External(Box::new(e)))?;
                    let batches = rows.iter().map(row_batch).collect::<Result<Vec<_>>>()?;
                    let batch = arrow::compute::concat_batches(&result_schema(), &batches)?;
                    match &projection {
                        Some(p) => Ok(batch.project(p)?),
                        None => Ok(batch),
                    }
                }
            });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            rows,
        )))
    }
}

/// `node` as the ingest table, if it is one.
pub fn as_ingest_table(node: &dyn TableProvider) -> Option<&IngestTable> {
    (node as &dyn Any).downcast_ref::<IngestTable>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(dir: &Path) -> IngestJob {
        let capture = dir.join("busy.pcap");
        voipscope_testkit::scenario::write("busy", fs::File::create(&capture).unwrap()).unwrap();
        IngestJob {
            id: "job-1".into(),
            dataset: dir.join("ds").display().to_string(),
            captures: vec![capture.display().to_string()],
            force: false,
            threads: 1,
            jitter_buffer_ms: None,
        }
    }

    fn part_files(dataset: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
        let mut out = Vec::new();
        let mut dirs = vec![dataset.to_path_buf()];
        while let Some(d) = dirs.pop() {
            for e in fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "parquet") {
                    out.push((p.clone(), fs::metadata(&p).unwrap().modified().unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn a_task_run_again_returns_its_row_without_writing_again() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(dir.path());
        voipscope_sql::dataset::create(Path::new(&job.dataset)).unwrap();
        let first = run_task(&job, 0);
        assert_eq!(first.outcome, "written", "{first:?}");
        assert_eq!(first.ingested.as_ref().unwrap().rows["calls"], 1);
        let written = part_files(Path::new(&job.dataset));
        assert!(!written.is_empty());
        std::thread::sleep(std::time::Duration::from_millis(20));
        let again = run_task(&job, 0);
        assert_eq!(again.ingested, first.ingested);
        assert_eq!(again.outcome, "written");
        assert_eq!(
            part_files(Path::new(&job.dataset)),
            written,
            "nothing written twice"
        );
        // another job is another run: the manifest (not written here) decides
        let other = IngestJob {
            id: "job-2".into(),
            ..job.clone()
        };
        assert_eq!(run_task(&other, 0).outcome, "written");
    }

    #[test]
    fn a_task_of_a_capture_that_cannot_be_read_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut job = job(dir.path());
        job.captures = vec![dir.path().join("missing.pcap").display().to_string()];
        let row = run_task(&job, 0);
        assert_eq!(row.outcome, "failed");
        assert!(row.error.unwrap().contains("missing.pcap"));
        assert_eq!(run_task(&job, 7).outcome, "failed");
    }
}
