//! The `voipscope` command line: parse arguments, call the library, print.

use std::process::ExitCode;

use clap::Parser;

/// glibc's allocator spent a quarter of the SIP stage consolidating free lists (measured with
/// perf on benches/sip.rs); mimalloc does not. Its version 3 frees memory allocated on another
/// thread for less (a message is read on a worker and freed after its call is written, on the
/// writer): on the 300,000-call capture it took 4-9 % less CPU time than version 2 in five
/// runs side by side, for 58-59 against 57 MiB of heap. (Version 2 was chosen before the heap
/// diet of the streaming release, when it held 75 against 82 MiB.)
#[global_allocator]
static GLOBAL: voipscope::allocator::Allocator = voipscope::allocator::Allocator;

/// mimalloc asks for transparent huge pages, so each of its regions the analysis touches is
/// resident (and zeroed) 2 MiB at a time: on the 1 GB benchmark capture that made the
/// resident heap 66-76 MB for 31 MB allocated. Without them it is 37-40 MB, at a cost within
/// this machine's noise (best of 9: 0.485 against 0.502 s, medians equal).
///
/// mimalloc also keeps freed pages a while before giving them back; with calls finished and
/// freed all the time, the resident heap grew to several times what was allocated (30,000
/// calls: 130 MiB for 80 MB). Pages given back at once are faulted in again as soon as they
/// are reused: on the busy day (300,000 calls) 640,000 page faults and 2.4 s of system time.
/// After 10 ms: 390,000-400,000 faults, 1.3 s, 5 % less time, for a peak heap of 56-57 MiB
/// against 54-55 (60,000 calls: 56.8 against 54.3 MiB; after 25 ms 58.2, 50 ms 59.0), well
/// under the 64 MiB the busy day may use.
fn tune_allocator() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and changes only this process's page
    // policy; a kernel without it returns an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    // option 15 is `mi_option_purge_delay` in ms (mimalloc.h, in versions 2 and 3)
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // mimalloc's own MIMALLOC_PURGE_DELAY, when set, is left to rule
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mi_option_set stores an integer option; mimalloc reads it at its next purge.
        unsafe {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10);
        }
    }
}

mod flags;
mod run;
mod sql;

use flags::{AnalyzeFormat, Cli, Command, Format, LadderFormat, Run};
use run::{
    batch, follow_is_text, listing, no_such_call, run_into, stats_if, stdout, streaming_options,
    write_out,
};
use voipscope::report;
use voipscope::report::text::counted;
use voipscope::sip::status::Lang;

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze {
            input: flags::Input { capture },
            format: AnalyzeFormat::Jsonl,
            language,
            follow,
            work,
            mos,
            stats,
        } => {
            let run = Run::new(&work, Some(&mos), Some(&stats));
            let started = std::time::Instant::now();
            let opts = streaming_options(&run, language.lang.into(), false);
            let sink = report::jsonl::JsonLines::new(stdout(), follow);
            match run_into(&capture, &opts, sink) {
                Ok((_, summary)) => {
                    stats_if(&run, started, &summary);
                    ExitCode::SUCCESS
                }
                Err(code) => code,
            }
        }
        Command::Analyze {
            input: flags::Input { capture },
            format,
            language,
            follow,
            work,
            mos,
            stats,
        } => {
            let run = Run::new(&work, Some(&mos), Some(&stats));
            use report::document::Shape;
            if follow {
                eprintln!("voipscope: analyze --follow writes JSON lines: add --format jsonl (for text as it happens: `calls --follow`, `explain --follow`)");
                return ExitCode::from(2);
            }
            use report::listing::Listing;
            let text = (format == AnalyzeFormat::Text).then_some((Listing::Analyze, false));
            listing(
                &capture,
                &run,
                language.lang.into(),
                text,
                Shape::Whole,
                None,
            )
        }
        Command::Calls {
            input: flags::Input { capture },
            format,
            language,
            follow,
            work,
            stats,
        } => {
            let run = Run::new(&work, None, Some(&stats));
            use report::document::Shape;
            use report::listing::Listing;
            let text = match format {
                Format::Text => Some((Listing::Calls, follow)),
                Format::Json if follow => return follow_is_text(),
                Format::Json => None,
            };
            listing(
                &capture,
                &run,
                language.lang.into(),
                text,
                Shape::Calls,
                None,
            )
        }
        Command::Rtp {
            input: flags::Input { capture },
            format,
            work,
            mos,
            stats,
        } => {
            let run = Run::new(&work, Some(&mos), Some(&stats));
            use report::document::Shape;
            use report::listing::Listing;
            let text = matches!(format, Format::Text).then_some((Listing::Streams, false));
            listing(&capture, &run, Lang::En, text, Shape::Streams, None)
        }
        Command::Explain {
            input: flags::Input { capture },
            call: flags::MaybeCall { call },
            format,
            language,
            follow,
            work,
            mos,
            stats,
        } => {
            let run = Run::new(&work, Some(&mos), Some(&stats));
            use report::document::Shape;
            use report::listing::{Listing, Wanted};
            let wanted = call.as_deref().map(Wanted::parse);
            let text = match format {
                Format::Text => Some((Listing::Findings(wanted.clone()), follow)),
                Format::Json if follow => return follow_is_text(),
                Format::Json => None,
            };
            let shape = Shape::Findings(wanted.clone());
            listing(
                &capture,
                &run,
                language.lang.into(),
                text,
                shape,
                wanted.as_ref(),
            )
        }
        Command::Ladder {
            input: flags::Input { capture },
            call: flags::MaybeCall { call },
            format,
            output,
            work,
        } => {
            let run = Run::new(&work, None, None);
            use report::ladder::{Form, Ladders};
            let wanted = call.as_deref().map(report::listing::Wanted::parse);
            let form = match format {
                LadderFormat::Text => Form::Text,
                LadderFormat::Svg => Form::Svg,
                LadderFormat::Mermaid => Form::Mermaid,
            };
            // held until the end: a ladder that is not there gives an error and no file
            let mut held = Vec::new();
            let sink = Ladders::new(&mut held, form, wanted.clone());
            let opts = streaming_options(&run, Lang::En, false);
            let (ladders, summary) = match run_into(&capture, &opts, sink) {
                Ok(done) => done,
                Err(code) => return code,
            };
            let file = &summary.capture.file;
            if let Some(w) = &wanted {
                if !ladders.found {
                    return no_such_call(w.as_str(), &summary, ladders.calls);
                }
            } else if form == Form::Svg && ladders.calls != 1 {
                if ladders.calls == 0 {
                    eprintln!("voipscope: {file} has no calls");
                } else {
                    eprintln!(
                        "voipscope: {file} has {} calls; an SVG holds one, choose it with --call",
                        ladders.calls
                    );
                }
                return ExitCode::from(1);
            }
            drop(ladders);
            write_out(output.as_deref(), &held)
        }
        Command::Report {
            input: flags::Input { capture },
            output,
            language,
            png,
            audio,
            no_messages,
            work,
            mos,
            stats,
        } => {
            let run = Run::new(&work, Some(&mos), Some(&stats));
            let lang: Lang = language.lang.into();
            if audio && capture == "-" {
                eprintln!("voipscope: --audio reads the capture twice; give a file, not stdin");
                return ExitCode::from(2);
            }
            let opts = streaming_options(&run, lang, true);
            let dir = report::dir::ReportDir::create(&output, lang, png).map(|d| {
                // stdin cannot be read twice: its report has no message texts
                if no_messages || capture == "-" {
                    d
                } else {
                    d.with_messages(&capture, &opts)
                }
            });
            let dir = match dir {
                Ok(d) if audio => d.with_audio(&capture),
                Ok(d) => d,
                Err(e) => {
                    eprintln!(
                        "voipscope: cannot write the report to {}: {e}",
                        output.display()
                    );
                    return ExitCode::from(1);
                }
            };
            let started = std::time::Instant::now();
            let (dir, summary) = match run_into(&capture, &opts, dir) {
                Ok(done) => done,
                Err(code) => return code,
            };
            stats_if(&run, started, &summary);
            println!(
                "{}: {}, {}, {}; {} in {}",
                summary.capture.file,
                counted(dir.call_count as u64, "call", "calls"),
                counted(
                    dir.registration_count as u64,
                    "registration",
                    "registrations"
                ),
                counted(dir.stream_count as u64, "stream", "streams"),
                counted(dir.files as u64, "file", "files"),
                output.display()
            );
            ExitCode::SUCCESS
        }
        Command::Export {
            input: flags::Input { capture },
            call: flags::CallChoice { call },
            output,
            work,
        } => {
            let run = Run::new(&work, None, None);
            if capture == "-" {
                eprintln!("voipscope: export reads the capture twice; give a file, not stdin");
                return ExitCode::from(2);
            }
            let wanted = report::listing::Wanted::parse(&call);
            let opts = streaming_options(&run, Lang::En, false);
            let (found, summary) =
                match run_into(&capture, &opts, voipscope::export::FindCall::new(wanted)) {
                    Ok(done) => done,
                    Err(code) => return code,
                };
            let Some(bundle) = &found.bundle else {
                return no_such_call(&call, &summary, found.calls);
            };
            let selection = voipscope::export::select_bundle(bundle);
            let file = match std::fs::File::create(&output) {
                Ok(f) => std::io::BufWriter::new(f),
                Err(e) => {
                    eprintln!("voipscope: cannot create {}: {e}", output.display());
                    return ExitCode::from(1);
                }
            };
            match voipscope::export::export(&capture, &selection, file) {
                Ok(done) => {
                    println!(
                        "call {} ({}): {} frames written to {} ({})",
                        bundle.call.number,
                        bundle.call.call_id,
                        done.frames,
                        output.display(),
                        done.container.name()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("voipscope: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Audio {
            input: flags::Input { capture },
            call: flags::CallChoice { call },
            output,
            work,
        } => audio(&capture, &call, &output, &Run::new(&work, None, None)),
        Command::Batch {
            paths,
            output,
            force,
            language,
            png,
            no_messages,
            work,
            mos,
        } => batch(
            &paths,
            &output,
            voipscope::batch::BatchSettings {
                force,
                lang: language.lang.into(),
                png,
                messages: !no_messages,
            },
            &Run::new(&work, Some(&mos), None),
        ),
        Command::Ingest {
            paths,
            output,
            force,
            cluster,
            work,
            mos,
        } => sql::ingest(
            &paths,
            &output,
            force,
            cluster.cluster.as_deref(),
            &Run::new(&work, Some(&mos), None),
        ),
        Command::Sql {
            args,
            format,
            cluster,
            work,
            mos,
        } => sql::sql(
            &args,
            format,
            cluster.cluster.as_deref(),
            &Run::new(&work, Some(&mos), None),
        ),
        Command::Cluster { role } => sql::cluster(role),
        Command::Synth(flags) => match voipscope::synth::run(&flags.into()) {
            Ok(summary) => {
                println!("{summary}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("voipscope synth: {e}");
                ExitCode::from(2)
            }
        },
    }
}

/// `voipscope audio`: the call's G.711 streams as WAV files in `dir`.
fn audio(capture: &str, call: &str, dir: &std::path::Path, run: &Run) -> ExitCode {
    use voipscope::report::audio::{self, StreamAudio};
    if capture == "-" {
        eprintln!("voipscope: audio reads the capture twice; give a file, not stdin");
        return ExitCode::from(2);
    }
    let wanted = report::listing::Wanted::parse(call);
    let opts = streaming_options(run, Lang::En, false);
    let (found, summary) = match run_into(capture, &opts, voipscope::export::FindCall::new(wanted))
    {
        Ok(done) => done,
        Err(code) => return code,
    };
    let Some(bundle) = &found.bundle else {
        return no_such_call(call, &summary, found.calls);
    };
    let written = match audio::write_call(capture, bundle, dir) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("voipscope: {}: {e}", dir.display());
            return ExitCode::from(1);
        }
    };
    let c = &bundle.call;
    println!("call {} ({}):", c.number, c.call_id);
    if written.streams.is_empty() {
        println!("  no RTP stream tied to this call");
    }
    for s in &written.streams {
        match s {
            StreamAudio::Written {
                stream,
                path,
                seconds,
                packets,
                cut,
            } => println!(
                "  stream {stream}: {seconds:.2} s from {} -> {}{}",
                counted(*packets, "packet", "packets"),
                path.display(),
                if *cut { " (cut at one hour)" } else { "" }
            ),
            StreamAudio::NotDecoded { stream, reason } => {
                println!("  stream {stream}: not decoded: {reason}")
            }
        }
    }
    match &written.mixed {
        Some((path, seconds)) => {
            println!(
                "  both directions, caller left, callee right: {seconds:.2} s -> {}",
                path.display()
            );
            ExitCode::SUCCESS
        }
        None => ExitCode::from(1),
    }
}
