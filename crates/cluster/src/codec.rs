//! The codecs that carry our plan across the cluster: the ingest table in the logical plan a
//! client sends the scheduler, and the ingest task in the physical plans the scheduler sends
//! executors. Everything else goes to Ballista's own codecs. Stock Ballista binaries lack
//! these, which is why the scheduler and executors are started from `voipscope`.
//!
//! Our nodes are JSON after a tag no protobuf message of Ballista's starts with.

use std::sync::Arc;

use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::TableReference;
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Extension, LogicalPlan};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use serde::{Deserialize, Serialize};

use crate::job::{as_ingest_table, IngestExec, IngestJob, IngestTable};

const INGEST_TABLE: &[u8] = b"\0voipscope.ingest-table.1\0";
const INGEST_EXEC: &[u8] = b"\0voipscope.ingest-exec.1\0";

fn json_error(e: serde_json::Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

/// The client's and scheduler's logical codec.
#[derive(Debug, Default)]
pub struct LogicalCodec {
    inner: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for LogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.inner.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        match buf.strip_prefix(INGEST_TABLE) {
            Some(json) => {
                let job: IngestJob = serde_json::from_slice(json).map_err(json_error)?;
                Ok(Arc::new(IngestTable { job }))
            }
            None => self
                .inner
                .try_decode_table_provider(buf, table_ref, schema, ctx),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        match as_ingest_table(node.as_ref()) {
            Some(table) => {
                buf.extend_from_slice(INGEST_TABLE);
                serde_json::to_writer(buf, &table.job).map_err(json_error)
            }
            None => self.inner.try_encode_table_provider(table_ref, node, buf),
        }
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> Result<()> {
        self.inner.try_encode_file_format(buf, node)
    }
}

#[derive(Serialize, Deserialize)]
struct IngestExecNode {
    job: IngestJob,
    projection: Option<Vec<usize>>,
}

/// The scheduler's and executors' physical codec.
#[derive(Debug, Default)]
pub struct PhysicalCodec {
    inner: BallistaPhysicalExtensionCodec,
}

impl PhysicalExtensionCodec for PhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        match buf.strip_prefix(INGEST_EXEC) {
            Some(json) => {
                let node: IngestExecNode = serde_json::from_slice(json).map_err(json_error)?;
                let [input] = inputs else {
                    return Err(DataFusionError::Internal(format!(
                        "IngestExec takes one input, not {}",
                        inputs.len()
                    )));
                };
                Ok(Arc::new(IngestExec::new(
                    node.job,
                    node.projection,
                    input.clone(),
                )?))
            }
            None => self.inner.try_decode(buf, inputs, ctx, proto_converter),
        }
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        match node.downcast_ref::<IngestExec>() {
            Some(exec) => {
                buf.extend_from_slice(INGEST_EXEC);
                let node = IngestExecNode {
                    job: exec.job.clone(),
                    projection: exec.projection.clone(),
                };
                serde_json::to_writer(buf, &node).map_err(json_error)
            }
            None => self.inner.try_encode(node, buf, proto_converter),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> IngestJob {
        IngestJob {
            id: "job-1".into(),
            dataset: "/data/ds".into(),
            captures: vec!["/data/a.pcap".into(), "/data/b.pcap".into()],
            force: false,
            threads: 1,
            jitter_buffer_ms: Some(40.0),
        }
    }

    #[test]
    fn the_ingest_table_crosses_the_wire() {
        let codec = LogicalCodec::default();
        let mut buf = Vec::new();
        let table: Arc<dyn TableProvider> = Arc::new(IngestTable { job: job() });
        let schema = table.schema();
        codec
            .try_encode_table_provider(&TableReference::bare("ingest"), table, &mut buf)
            .unwrap();
        let back = codec
            .try_decode_table_provider(
                &buf,
                &TableReference::bare("ingest"),
                schema,
                &TaskContext::default(),
            )
            .unwrap();
        assert_eq!(as_ingest_table(back.as_ref()).unwrap().job, job());
    }

    #[test]
    fn the_ingest_task_crosses_the_wire() {
        let codec = PhysicalCodec::default();
        let mut buf = Vec::new();
        // the task list, as the scheduler leaves it for a task of two captures
        let input: Arc<dyn ExecutionPlan> = Arc::new(
            datafusion::physical_plan::empty::EmptyExec::new(Arc::new(
                datafusion::arrow::datatypes::Schema::empty(),
            ))
            .with_partitions(2),
        );
        let exec: Arc<dyn ExecutionPlan> =
            Arc::new(IngestExec::new(job(), Some(vec![0, 4]), input.clone()).unwrap());
        let converter = datafusion_proto::physical_plan::DefaultPhysicalProtoConverter {};
        codec.try_encode(exec, &mut buf, &converter).unwrap();
        let back = codec
            .try_decode(&buf, &[input], &TaskContext::default(), &converter)
            .unwrap();
        let back = back.downcast_ref::<IngestExec>().unwrap();
        assert_eq!(back.job, job());
        assert_eq!(back.projection, Some(vec![0, 4]));
        assert_eq!(back.schema().fields().len(), 2);
        assert_eq!(back.properties().partitioning.partition_count(), 2);
    }
}
