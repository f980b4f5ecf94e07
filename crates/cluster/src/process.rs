//! The cluster's long-running processes: Ballista's scheduler and executor, started with our
//! codecs so that they can read the plans `ingest --cluster` sends.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;

use crate::codec::{LogicalCodec, PhysicalCodec};
use crate::Error;

/// Logs to standard error, at `info` unless `RUST_LOG` says otherwise.
fn init_log() {
    let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .try_init();
}

/// How a scheduler is started.
#[derive(Clone, Debug)]
pub struct SchedulerArgs {
    pub bind: SocketAddr,
    /// The host name executors and clients reach this scheduler by.
    pub external_host: Option<String>,
    /// An executor not heard from for this long is lost, and its tasks run elsewhere. It must
    /// be longer than the executors' heartbeat interval.
    pub executor_timeout_s: u64,
}

/// Runs a scheduler until the process ends.
pub async fn scheduler(args: SchedulerArgs) -> Result<(), Error> {
    init_log();
    let config = SchedulerConfig {
        bind_host: args.bind.ip().to_string(),
        bind_port: args.bind.port(),
        external_host: args
            .external_host
            .unwrap_or_else(|| args.bind.ip().to_string()),
        executor_timeout_seconds: args.executor_timeout_s,
        expire_dead_executor_interval_seconds: (args.executor_timeout_s / 3).max(1),
        no_executors_grace_period_seconds: args.executor_timeout_s,
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config).await?;
    start_server(cluster, args.bind, Arc::new(config)).await?;
    Ok(())
}

/// How an executor is started.
#[derive(Clone, Debug)]
pub struct ExecutorArgs {
    pub scheduler_host: String,
    pub scheduler_port: u16,
    /// The address its services listen on.
    pub bind_host: String,
    /// The host name the scheduler and clients reach this executor by.
    pub external_host: Option<String>,
    /// Arrow Flight (results) and gRPC (tasks) ports.
    pub flight_port: u16,
    pub grpc_port: u16,
    /// Tasks (captures) run at once.
    pub tasks: usize,
    /// Where results wait to be fetched.
    pub work_dir: Option<String>,
    pub heartbeat_s: u64,
}

/// Runs an executor until the process ends.
pub async fn executor(args: ExecutorArgs) -> Result<(), Error> {
    init_log();
    let config = ExecutorProcessConfig {
        scheduler_host: args.scheduler_host,
        scheduler_port: args.scheduler_port,
        bind_host: args.bind_host,
        external_host: args.external_host,
        port: args.flight_port,
        grpc_port: args.grpc_port,
        vcores: args.tasks.max(1),
        work_dir: args.work_dir,
        executor_heartbeat_interval_seconds: args.heartbeat_s.max(1),
        // an executor started before its scheduler waits for it instead of exiting
        scheduler_connect_timeout_seconds: 60,
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config)).await?;
    Ok(())
}
