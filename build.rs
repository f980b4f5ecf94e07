//! Tells the tests whether `../shared/captures` (the public captures and Wireshark's view of
//! them) is beside the repository: tests that read only those captures are marked ignored
//! without it, so a fresh clone's `cargo test` lists them as skipped instead of passing them.
//! CI has it, and `.ci/run` refuses to start without it.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_captures)");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures");
    println!("cargo::rerun-if-changed={}", dir.display());
    if dir.is_dir() {
        println!("cargo::rustc-cfg=shared_captures");
    }
}
