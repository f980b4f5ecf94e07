//! Beyond one machine: `ingest` and `sql` on an Apache Ballista cluster. A scheduler and
//! executors started from the `voipscope` binary ([`process`]) carry our codecs ([`codec`]),
//! so that our plan can cross the wire: the ingest job ([`job`]) is a map-only plan with one
//! task per capture, each task analyzing its capture on an executor and writing that capture's
//! Parquet files into the shared dataset itself; the client ([`client`]) gathers the manifest
//! rows the tasks return and writes the manifest. SQL over a dataset runs as any DataFusion
//! query on the cluster.
//!
//! Invariant: a task may run more than once (an executor lost, its tasks run again elsewhere)
//! and the dataset ends the same: a capture's files are written under temporary names and
//! renamed whole, and a task of a job that finds its capture already written by the same job
//! returns that capture's row without writing it again.

pub mod client;
pub mod codec;
pub mod job;
pub mod process;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error(transparent)]
    Ballista(#[from] ballista_core::error::BallistaError),
    #[error(transparent)]
    Sql(#[from] voipscope_sql::Error),
    #[error("{0}")]
    Cluster(String),
}

pub use tokio::runtime::Runtime;

/// A runtime for the client and the nodes (several worker threads: a node serves while its
/// tasks run).
pub fn runtime() -> Result<Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Cluster(format!("cannot start the async runtime: {e}")))
}
