//! Tables for SQL: every capture's records as a Hive-partitioned Parquet dataset
//! ([`dataset`]: `captures`, `calls`, `registrations`, `streams`, `findings`, `messages`,
//! partitioned by capture date and capture), and SQL over it, or straight over capture files,
//! with Apache DataFusion embedded ([`query`]).
//!
//! This crate holds the heavy engines (arrow, parquet, DataFusion): the core crates never
//! depend on it, and the `voipscope` binary takes it only with its `sql` feature.
//!
//! Invariant: memory is bounded as the analysis' is. Rows are made as records are finished
//! and written in batches (row groups flushed as they fill); nothing is held per capture but
//! the row group being written.

pub mod dataset;
pub mod query;
pub mod tables;

use std::path::PathBuf;

/// The batches a query gives.
pub use arrow::array::RecordBatch;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error("{0}")]
    Analysis(String),
    #[error("the dataset: {0}")]
    Dataset(String),
}

impl From<Error> for datafusion::error::DataFusionError {
    fn from(e: Error) -> Self {
        match e {
            Error::DataFusion(e) => e,
            other => datafusion::error::DataFusionError::External(Box::new(other)),
        }
    }
}
