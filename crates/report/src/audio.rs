//! Listening to a call: its G.711 streams (PCMU, PCMA) decoded to WAV files, one per stream and
//! one per call with the caller on the left channel and the callee on the right, from a second
//! pass over the capture. Other codecs, and SRTP, are named as not decoded, with the reason.
//!
//! Samples are placed by RTP timestamp, as a receiver plays them: a lost packet is silence of
//! its length, a reordered one lands in its place, a duplicate overwrites itself. A timestamp
//! that jumps more than [`MAX_GAP_SAMPLES`] (or back more than a second) starts again right
//! after what was written, as a new talk spurt. Comfort noise and RFC 4733 events are silence.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use voipscope_analysis::CallBundle;
use voipscope_rtp::{Direction, RtpStream};
use voipscope_wire::decode::{self, ChunkOut, EventKind, MediaKind};

use crate::export::ExportError;

/// G.711's clock and sample rate.
pub const RATE: u32 = 8000;
/// A timestamp jump longer than this is a new start, not silence (5 s).
pub const MAX_GAP_SAMPLES: u32 = 5 * RATE;
/// A stream's audio is cut after an hour (57.6 MB of samples held for it).
pub const MAX_SAMPLES: usize = 3600 * RATE as usize;
/// In a report, after ten minutes (its calls are decoded together).
pub const REPORT_MAX_SAMPLES: usize = 600 * RATE as usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Law {
    Mu,
    A,
}

impl Law {
    fn decode(self, byte: u8) -> i16 {
        match self {
            Law::Mu => audio_codec_algorithms::decode_ulaw(byte),
            Law::A => audio_codec_algorithms::decode_alaw(byte),
        }
    }

    /// The law of a payload type of `s`: by the name the SDP gave it, else the static types.
    fn of(s: &RtpStream, pt: u8) -> Option<Law> {
        let name = s
            .payload_types
            .iter()
            .find(|p| p.pt == pt)
            .and_then(|p| p.name.as_deref());
        match name.map(str::to_ascii_uppercase).as_deref() {
            Some("PCMU") => Some(Law::Mu),
            Some("PCMA") => Some(Law::A),
            Some(_) => None,
            None => match pt {
                0 => Some(Law::Mu),
                8 => Some(Law::A),
                _ => None,
            },
        }
    }
}

/// Whether a stream carries G.711 this module decodes (and is not encrypted).
pub fn decodable(s: &RtpStream) -> bool {
    !s.encrypted && s.payload_types.iter().any(|p| Law::of(s, p.pt).is_some())
}

/// A stream's samples as they are placed.
#[derive(Debug)]
struct Track {
    max: usize,
    samples: Vec<i16>,
    /// The last packet that moved the play-out point: its timestamp and where it was put.
    anchor: Option<(u32, usize)>,
    first_ns: Option<i64>,
    packets: u64,
    cut: bool,
}

impl Default for Track {
    fn default() -> Track {
        Track::new(MAX_SAMPLES)
    }
}

impl Track {
    fn new(max: usize) -> Track {
        Track {
            max,
            samples: Vec::new(),
            anchor: None,
            first_ns: None,
            packets: 0,
            cut: false,
        }
    }

    fn put(&mut self, law: Law, ts: u32, payload: &[u8], ts_ns: i64) {
        let end = self.samples.len();
        let at = match self.anchor {
            None => 0,
            Some((last, pos)) => {
                let ahead = ts.wrapping_sub(last);
                let behind = last.wrapping_sub(ts);
                if ahead <= MAX_GAP_SAMPLES {
                    pos + ahead as usize
                } else if behind <= RATE && behind as usize <= pos {
                    // late or repeated: its own place, without moving the play-out point
                    let at = pos - behind as usize;
                    self.write(law, at, payload);
                    return;
                } else {
                    end
                }
            }
        };
        self.first_ns.get_or_insert(ts_ns);
        self.anchor = Some((ts, at));
        self.write(law, at, payload);
    }

    fn write(&mut self, law: Law, at: usize, payload: &[u8]) {
        let stop = (at + payload.len()).min(self.max);
        if stop < at + payload.len() {
            self.cut = true;
        }
        if stop <= at {
            return;
        }
        if self.samples.len() < stop {
            self.samples.resize(stop, 0);
        }
        for (slot, byte) in self.samples[at..stop].iter_mut().zip(payload) {
            *slot = law.decode(*byte);
        }
        self.packets += 1;
    }
}

/// What was written for one stream, or why it was not.
#[derive(Debug, PartialEq)]
pub enum StreamAudio {
    Written {
        stream: usize,
        path: PathBuf,
        seconds: f64,
        packets: u64,
        /// Cut at [`MAX_SAMPLES`] ([`REPORT_MAX_SAMPLES`] in a report).
        cut: bool,
    },
    NotDecoded {
        stream: usize,
        reason: String,
    },
}

/// What `write_call` wrote.
#[derive(Debug, PartialEq)]
pub struct CallAudio {
    pub streams: Vec<StreamAudio>,
    /// Both directions, caller left and callee right, when a stream was decoded.
    pub mixed: Option<(PathBuf, f64)>,
}

/// Decodes the G.711 streams of `call` from the capture at `path` into `dir`:
/// `call-N-stream-S.wav` per stream and `call-N.wav` with both directions.
pub fn write_call(path: &str, call: &CallBundle, dir: &Path) -> Result<CallAudio, ExportError> {
    let mut done = write_calls(path, &[call], dir, MAX_SAMPLES)?;
    Ok(done.pop().map(|(_, a)| a).unwrap_or(CallAudio {
        streams: Vec::new(),
        mixed: None,
    }))
}

/// [`write_call`] for several calls in one pass over the capture, each stream cut at
/// `max_samples`; gives each call's number and what was written.
pub fn write_calls(
    path: &str,
    calls: &[&CallBundle],
    dir: &Path,
    max_samples: usize,
) -> Result<Vec<(usize, CallAudio)>, ExportError> {
    // every decodable stream of every call, and what could not be decoded, by call
    let mut wanted: Vec<(usize, &RtpStream)> = Vec::new();
    let mut not_decoded: Vec<Vec<StreamAudio>> = (0..calls.len()).map(|_| Vec::new()).collect();
    for (c, call) in calls.iter().enumerate() {
        for s in &call.streams {
            if s.encrypted {
                not_decoded[c].push(StreamAudio::NotDecoded {
                    stream: s.number,
                    reason: "SRTP: the payload is encrypted".into(),
                });
            } else if decodable(s) {
                wanted.push((c, s));
            } else {
                let codec = s.codec.as_deref().unwrap_or("no audio payload");
                not_decoded[c].push(StreamAudio::NotDecoded {
                    stream: s.number,
                    reason: format!("{codec}: only G.711 (PCMU, PCMA) is decoded"),
                });
            }
        }
    }
    let mut tracks: Vec<Track> = wanted.iter().map(|_| Track::new(max_samples)).collect();
    if !wanted.is_empty() {
        let key = |src: SocketAddr, dst: SocketAddr, ssrc: u32, ts_ns: i64| {
            wanted.iter().position(|(_, w)| {
                w.src == src
                    && w.dst == dst
                    && w.ssrc == ssrc
                    && (w.start_ns..=w.end_ns).contains(&ts_ns)
            })
        };
        let mut found: Vec<(usize, Law, u32, Vec<u8>, i64)> = Vec::new();
        crate::export::for_each_frame(path, &mut |frame| {
            let mut out = ChunkOut {
                counters: Default::default(),
                events: Vec::new(),
                anomalies: Vec::new(),
            };
            decode::decode_frame(frame, &mut out);
            for e in &out.events {
                let EventKind::Media {
                    flow,
                    kind: MediaKind::Rtp(h),
                    data,
                } = &e.kind
                else {
                    continue;
                };
                let Some(i) = key(flow.src, flow.dst, h.ssrc, frame.ts_ns) else {
                    continue;
                };
                let Some(law) = Law::of(wanted[i].1, h.payload_type) else {
                    continue;
                };
                let start = usize::from(h.payload_offset);
                let payload = data
                    .get(start..start + usize::from(h.payload_len))
                    .unwrap_or(&[]);
                found.push((i, law, h.timestamp, payload.to_vec(), frame.ts_ns));
            }
            for (i, law, ts, payload, ts_ns) in found.drain(..) {
                tracks[i].put(law, ts, &payload, ts_ns);
            }
        })?;
    }
    std::fs::create_dir_all(dir)?;
    let mut decoded: Vec<Vec<(&RtpStream, Track)>> = (0..calls.len()).map(|_| Vec::new()).collect();
    for ((c, s), track) in wanted.into_iter().zip(tracks) {
        decoded[c].push((s, track));
    }
    let mut out = Vec::new();
    for ((call, mut streams), decoded) in calls.iter().zip(not_decoded).zip(decoded) {
        let n = call.call.number;
        for (s, track) in &decoded {
            let file = dir.join(format!("call-{n}-stream-{}.wav", s.number));
            write_wav(&file, 1, &track.samples)?;
            streams.push(StreamAudio::Written {
                stream: s.number,
                path: file,
                seconds: track.samples.len() as f64 / f64::from(RATE),
                packets: track.packets,
                cut: track.cut,
            });
        }
        streams.sort_by_key(|s| match s {
            StreamAudio::Written { stream, .. } | StreamAudio::NotDecoded { stream, .. } => *stream,
        });
        let mixed = if decoded.iter().any(|(_, t)| !t.samples.is_empty()) {
            let file = dir.join(format!("call-{n}.wav"));
            let stereo = mix(&decoded, max_samples);
            write_wav(&file, 2, &stereo)?;
            Some((file, stereo.len() as f64 / 2.0 / f64::from(RATE)))
        } else {
            None
        };
        out.push((n, CallAudio { streams, mixed }));
    }
    Ok(out)
}

/// Caller to callee on the left, callee to caller on the right, each stream placed at its
/// first packet's capture time; a stream of no known direction goes to both.
fn mix(tracks: &[(&RtpStream, Track)], max_samples: usize) -> Vec<i16> {
    let Some(t0) = tracks.iter().filter_map(|(_, t)| t.first_ns).min() else {
        return Vec::new();
    };
    let offset = |t: &Track| {
        let ns = t.first_ns.unwrap_or(t0) - t0;
        (ns.max(0) as u128 * u128::from(RATE) / 1_000_000_000) as usize
    };
    let frames = tracks
        .iter()
        .map(|(_, t)| offset(t) + t.samples.len())
        .max()
        .unwrap_or(0)
        .min(max_samples);
    let mut out = vec![0i16; frames * 2];
    for (s, t) in tracks {
        let channels: &[usize] = match s.direction {
            Some(Direction::CallerToCallee) => &[0],
            Some(Direction::CalleeToCaller) => &[1],
            None => &[0, 1],
        };
        let at = offset(t);
        for (i, v) in t.samples.iter().enumerate() {
            let frame = at + i;
            if frame >= frames {
                break;
            }
            for c in channels {
                let slot = &mut out[frame * 2 + c];
                *slot = slot.saturating_add(*v);
            }
        }
    }
    out
}

fn write_wav(path: &Path, channels: u16, samples: &[i16]) -> Result<(), ExportError> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let wav_error = |e: hound::Error| match e {
        hound::Error::IoError(e) => ExportError::Write(e),
        other => ExportError::Write(std::io::Error::other(format!(
            "{}: {other}",
            path.display()
        ))),
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(wav_error)?;
    for s in samples {
        w.write_sample(*s).map_err(wav_error)?;
    }
    w.finalize().map_err(wav_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_follow_rtp_timestamps() {
        let mut t = Track::default();
        let silence_mu = 0xff; // decodes to 0
        t.put(Law::Mu, 1000, &[0x00; 160], 0);
        // the next packet is lost: 160 samples of silence, then this one
        t.put(Law::Mu, 1320, &[0x00; 160], 40_000_000);
        assert_eq!(t.samples.len(), 480);
        assert!(t.samples[160..320].iter().all(|s| *s == 0));
        assert_ne!(t.samples[0], 0);
        // the lost one arrives late: it fills its place and the end does not move
        t.put(Law::Mu, 1160, &[0x00; 160], 45_000_000);
        assert_eq!(t.samples.len(), 480);
        assert!(t.samples[160..320].iter().all(|s| *s != 0));
        // a jump of a minute is a new start right after what was written
        t.put(Law::Mu, 1480 + 60 * RATE, &[silence_mu; 160], 50_000_000);
        assert_eq!(t.samples.len(), 640);
        assert_eq!(t.packets, 4);
        assert_eq!(Law::Mu.decode(0xff), 0);
        assert_eq!(Law::A.decode(0xd5), 8);
    }

    #[test]
    fn a_stream_is_cut_at_an_hour() {
        let mut t = Track::default();
        t.put(Law::A, 0, &[0xd5; 160], 0);
        t.put(Law::A, MAX_GAP_SAMPLES, &[0xd5; 160], 1);
        let mut ts = MAX_GAP_SAMPLES;
        while !t.cut {
            ts = ts.wrapping_add(MAX_GAP_SAMPLES);
            t.put(Law::A, ts, &[0xd5; 160], 2);
        }
        // nothing is written past the hour, and the hour is filled up to the last packet
        assert!(t.samples.len() <= MAX_SAMPLES);
        assert!(t.samples.len() > MAX_SAMPLES - MAX_GAP_SAMPLES as usize);
    }
}
