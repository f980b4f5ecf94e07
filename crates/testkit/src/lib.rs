//! Test support: the scripted teaching captures (`scenario`, what `samples/` holds) and
//! synthetic captures of many concurrent calls with their ground truth (`synth`, what the
//! benchmarks and the truth tests read). Nothing here analyzes: it only writes captures.

pub mod scenario;
pub mod synth;
