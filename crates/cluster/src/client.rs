//! The client side: `ingest --cluster` submits the ingest job and writes the manifest from the
//! rows its tasks return; `sql --cluster` runs a query over a dataset on the cluster.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use voipscope_sql::dataset::{self, capture_name, Manifest};

use crate::codec::{LogicalCodec, PhysicalCodec};
use crate::job::{rows_of, IngestJob, IngestTable, TaskRow};
use crate::Error;

/// A session whose queries run on the cluster at `url` (`df://HOST:PORT`).
pub async fn remote(url: &str) -> Result<SessionContext, Error> {
    let config = SessionConfig::new_with_ballista()
        .with_ballista_job_name("voipscope")
        // the adaptive planner ran each capture's task twice (Ballista 55), and a map-only job
        // has nothing for it to adapt
        .set_bool("ballista.planner.adaptive.enabled", false)
        .with_ballista_logical_extension_codec(Arc::new(LogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(PhysicalCodec::default()));
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build();
    Ok(SessionContext::remote_with_state(url, state).await?)
}

/// What an ingest on the cluster is asked to do.
#[derive(Clone, Debug)]
pub struct IngestRequest {
    pub captures: Vec<PathBuf>,
    pub dataset: PathBuf,
    pub force: bool,
    pub threads: usize,
    pub jitter_buffer_ms: Option<f64>,
}

/// Ingests the captures on the cluster, one task per capture, and writes the manifest; gives
/// one row per capture, in the order given. Paths are made absolute: the executors must see
/// the captures and the dataset at the same paths (shared storage).
pub async fn ingest(url: &str, request: &IngestRequest) -> Result<Vec<TaskRow>, Error> {
    dataset::create(&request.dataset)?;
    let dataset = absolute(&request.dataset)?;
    let mut captures = Vec::new();
    let mut names = BTreeMap::new();
    for path in &request.captures {
        let path = absolute(path)?;
        let name = capture_name(&path);
        // two tasks writing one partition at once would race; the embedded ingest takes them
        // one after the other, the later replacing the earlier
        if let Some(other) = names.insert(name.clone(), path.clone()) {
            return Err(Error::Cluster(format!(
                "{} and {} would both be capture {name} in the dataset: rename one",
                other.display(),
                path.display()
            )));
        }
        captures.push(path.to_string_lossy().into_owned());
    }
    let job = IngestJob {
        id: dataset::unique(),
        dataset: dataset.to_string_lossy().into_owned(),
        captures,
        force: request.force,
        threads: request.threads,
        jitter_buffer_ms: request.jitter_buffer_ms,
    };
    let ctx = remote(url).await?;
    let batches = ctx
        .read_table(Arc::new(IngestTable { job: job.clone() }))?
        .collect()
        .await?;
    let mut rows = rows_of(&batches)?;
    // the rows come as the tasks finished; they are told in the order given
    let order: BTreeMap<&str, usize> = job
        .captures
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    rows.sort_by_key(|r| order.get(r.path.as_str()).copied().unwrap_or(usize::MAX));
    let mut manifest = Manifest::read(&dataset)?;
    for row in &rows {
        if let Some(ingested) = &row.ingested {
            manifest
                .captures
                .insert(row.capture.clone(), ingested.clone());
        }
    }
    manifest.write(&dataset)?;
    let _ = std::fs::remove_dir_all(dataset.join("_voipscope/jobs").join(&job.id));
    Ok(rows)
}

/// Runs `sql` over the dataset on the cluster.
pub async fn sql(url: &str, dataset: &Path, sql: &str) -> Result<Vec<RecordBatch>, Error> {
    let ctx = remote(url).await?;
    voipscope_sql::query::register_dataset(&ctx, &absolute(dataset)?).await?;
    Ok(ctx.sql(sql).await?.collect().await?)
}

fn absolute(path: &Path) -> Result<PathBuf, Error> {
    std::path::absolute(path).map_err(|e| Error::Cluster(format!("{}: {e}", path.display())))
}
