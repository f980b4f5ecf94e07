//! Synthetic captures (work in progress).
#[derive(clap::Args, Debug)]
pub struct SynthArgs {}
pub fn run(_a: &SynthArgs) -> anyhow::Result<String> { anyhow::bail!("not yet") }
