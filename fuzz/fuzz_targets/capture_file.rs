//! A whole capture file through the whole analysis (capture readers, link/IP/TCP/SCTP decoders
//! and reassembly, SIP, SDP, RTP, correlation, diagnosis) and every report writer: nothing may
//! panic, whatever the bytes. Seeds: the small captures in `corpus/capture_file`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voipscope::{analyze_bytes, Options};

fuzz_target!(|data: &[u8]| {
    let opts = Options {
        pipeline: voipscope::PipelineOptions {
            threads: 1,
            // small ranges, so range boundaries fall inside the input too
            chunk_bytes: 512,
        },
        ..Default::default()
    };
    if let Ok(a) = analyze_bytes("fuzz.pcap", data.to_vec(), &opts, &mut |_| {}) {
        let _ = voipscope::report::write_json(&a, std::io::sink());
        let _ = voipscope::report::html::index(&a, Default::default());
        let _ = voipscope::report::csv::calls(&a);
        let _ = voipscope::report::csv::streams(&a);
        let _ = voipscope::report::findings::csv(&a);
    }
});
