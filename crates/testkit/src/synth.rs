//! Synthetic captures with known ground truth: N concurrent G.711 calls (SIP over UDP with SDP,
//! two-way RTP every 20 ms), with seeded random loss and jitter, until a size is reached.
//! Used by the benchmarks and to check figures against what was really sent.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::Ipv4Addr;

use serde::Serialize;

/// What `voipscope synth` writes (the command line's defaults are [`SynthArgs::default`]'s).
#[derive(Debug, Clone)]
pub struct SynthArgs {
    /// Capture to write (classic pcap, Ethernet).
    pub output: String,
    /// Calls in progress at once.
    pub calls: u32,
    /// Stop starting calls once the capture reaches this size (suffix K, M or G).
    pub size: u64,
    /// Length of each call in seconds.
    pub call_seconds: f64,
    /// Percentage of RTP packets dropped at random.
    pub loss_pct: f64,
    /// Largest random extra delay of an RTP packet, in milliseconds (below 20).
    pub jitter_ms: f64,
    /// Write a scripted teaching capture instead (see `samples/README.md`): basic-call, busy,
    /// cancel, no-answer, register-digest, invite-407, hold-resume, blind-transfer,
    /// codec-mismatch-488, one-way-nat, sip-tcp. The other options do not apply.
    pub scenario: Option<String>,
    /// Time over which the first CALLS calls start (default: 10 ms apart).
    pub ramp_seconds: Option<f64>,
    /// Start no more than this many calls in all (default: until the capture reaches SIZE).
    /// With it, captures of different concurrency can hold the same calls and packets.
    pub total_calls: Option<u64>,
    pub seed: u64,
    /// Where to write the ground truth as JSON (default: OUTPUT.truth.json).
    pub truth: Option<String>,
}

impl Default for SynthArgs {
    fn default() -> Self {
        SynthArgs {
            output: String::new(),
            calls: 100,
            size: 10 << 20,
            call_seconds: 30.0,
            loss_pct: 0.5,
            jitter_ms: 5.0,
            scenario: None,
            ramp_seconds: None,
            total_calls: None,
            seed: 1,
            truth: None,
        }
    }
}

/// Parses `123`, `64K`, `10M`, `1G` (binary multiples).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        Some('G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .map(|n| n * mult)
        .map_err(|e| format!("bad size {s:?}: {e}"))
}

/// What was written, for checking an analysis against.
#[derive(Debug, Default, Serialize)]
pub struct GroundTruth {
    pub frames: u64,
    pub bytes: u64,
    pub sip_messages: u64,
    pub rtp_packets: u64,
    pub calls: Vec<TruthCall>,
    pub streams: Vec<TruthStream>,
}

#[derive(Debug, Serialize)]
pub struct TruthCall {
    pub call_id: String,
    pub state: &'static str,
}

#[derive(Debug, Serialize)]
pub struct TruthStream {
    pub src: String,
    pub dst: String,
    pub ssrc: String,
    pub sent: u64,
    pub received: u64,
    pub lost: u64,
}

/// splitmix64: small, seeded, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const PTIME_NS: i64 = 20_000_000;
const START_NS: i64 = 1_700_000_000_000_000_000;

struct Leg {
    ssrc: u32,
    seq: u16,
    ts: u32,
    sent: u64,
    received: u64,
}

struct Call {
    id: String,
    caller: Ipv4Addr,
    callee: Ipv4Addr,
    caller_rtp: u16,
    callee_rtp: u16,
    legs: [Leg; 2],
    end_ns: i64,
}

#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Step {
    Invite,
    Trying,
    Ringing,
    Ok,
    Ack,
    /// An RTP packet of leg 0 (caller to callee) or 1, due at the nominal time in the key.
    Rtp(u8),
    Bye,
    ByeOk,
}

/// Writes pcap records of Ethernet/IPv4/UDP frames.
struct PcapOut<W: Write> {
    w: W,
    frames: u64,
    bytes: u64,
    buf: Vec<u8>,
}

impl<W: Write> PcapOut<W> {
    fn new(mut w: W) -> std::io::Result<Self> {
        voipscope_wire::capture::write::pcap_header(&mut w, 1, false, 65535)?;
        Ok(PcapOut {
            w,
            frames: 0,
            bytes: 24,
            buf: Vec::with_capacity(2048),
        })
    }

    fn udp(
        &mut self,
        ts_ns: i64,
        src: (Ipv4Addr, u16),
        dst: (Ipv4Addr, u16),
        payload: &[u8],
    ) -> std::io::Result<()> {
        self.buf.clear();
        let builder = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(src.0.octets(), dst.0.octets(), 64)
            .udp(src.1, dst.1);
        builder
            .write(&mut self.buf, payload)
            .map_err(std::io::Error::other)?;
        let len = self.buf.len() as u32;
        voipscope_wire::capture::write::pcap_record(&mut self.w, ts_ns, false, &self.buf, len)?;
        self.frames += 1;
        self.bytes += 16 + u64::from(len);
        Ok(())
    }
}

fn sdp(ip: Ipv4Addr, port: u16, session: u64) -> String {
    format!(
        "v=0\r\no=- {session} 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
         a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
    )
}

fn sip_message(call: &Call, step: Step, cseq_invite: u32) -> (String, bool) {
    let (from_caller, start, cseq, body) = match step {
        Step::Invite => (
            true,
            format!("INVITE sip:callee@{} SIP/2.0", call.callee),
            format!("{cseq_invite} INVITE"),
            Some(sdp(
                call.caller,
                call.caller_rtp,
                u64::from(call.legs[0].ssrc),
            )),
        ),
        Step::Trying => (
            false,
            "SIP/2.0 100 Trying".to_string(),
            format!("{cseq_invite} INVITE"),
            None,
        ),
        Step::Ringing => (
            false,
            "SIP/2.0 180 Ringing".to_string(),
            format!("{cseq_invite} INVITE"),
            None,
        ),
        Step::Ok => (
            false,
            "SIP/2.0 200 OK".to_string(),
            format!("{cseq_invite} INVITE"),
            Some(sdp(
                call.callee,
                call.callee_rtp,
                u64::from(call.legs[1].ssrc),
            )),
        ),
        Step::Ack => (
            true,
            format!("ACK sip:callee@{}:5060 SIP/2.0", call.callee),
            format!("{cseq_invite} ACK"),
            None,
        ),
        Step::Bye => (
            true,
            format!("BYE sip:callee@{}:5060 SIP/2.0", call.callee),
            format!("{} BYE", cseq_invite + 1),
            None,
        ),
        Step::ByeOk => (
            false,
            "SIP/2.0 200 OK".to_string(),
            format!("{} BYE", cseq_invite + 1),
            None,
        ),
        Step::Rtp(_) => unreachable!("not SIP"),
    };
    let branch = match step {
        Step::Bye | Step::ByeOk => "z9hG4bK-b",
        Step::Ack => "z9hG4bK-a",
        _ => "z9hG4bK-i",
    };
    let to_tag = if matches!(step, Step::Invite) {
        String::new()
    } else {
        ";tag=callee".to_string()
    };
    let body = body.unwrap_or_default();
    let mut m = String::with_capacity(600 + body.len());
    m.push_str(&start);
    m.push_str("\r\n");
    m.push_str(&format!(
        "Via: SIP/2.0/UDP {}:5060;branch={branch}{}\r\n",
        call.caller,
        call.id.len()
    ));
    m.push_str(&format!(
        "From: \"Caller\" <sip:caller@{}>;tag=caller\r\n",
        call.caller
    ));
    m.push_str(&format!("To: <sip:callee@{}>{to_tag}\r\n", call.callee));
    m.push_str(&format!("Call-ID: {}\r\n", call.id));
    m.push_str(&format!("CSeq: {cseq}\r\n"));
    if matches!(step, Step::Invite | Step::Ok) {
        let who = if from_caller {
            call.caller
        } else {
            call.callee
        };
        m.push_str(&format!(
            "Contact: <sip:{}@{who}:5060>\r\n",
            if from_caller { "caller" } else { "callee" }
        ));
        m.push_str("Content-Type: application/sdp\r\n");
    }
    m.push_str("User-Agent: voipscope-synth\r\n");
    m.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    (m, from_caller)
}

/// Writes the capture described by `args` to `w` and returns the ground truth.
pub fn write_capture<W: Write>(args: &SynthArgs, w: W) -> std::io::Result<GroundTruth> {
    let mut out = PcapOut::new(w)?;
    let mut rng = Rng(args.seed);
    let mut truth = GroundTruth::default();
    let jitter_ns = (args.jitter_ms.clamp(0.0, 19.0) * 1e6) as i64;
    let call_ns = (args.call_seconds.max(0.1) * 1e9) as i64;
    let mut calls: Vec<Call> = Vec::new();
    // (due time, call index, step, nominal time for RTP)
    let mut queue: BinaryHeap<Reverse<(i64, usize, Step, i64)>> = BinaryHeap::new();
    let mut started = 0u64;
    let mut start_call =
        |calls: &mut Vec<Call>, queue: &mut BinaryHeap<_>, rng: &mut Rng, at: i64| {
            let n = started;
            started += 1;
            let caller = Ipv4Addr::from(0x0A00_0000u32 + 1 + (n % 60_000) as u32);
            let callee = Ipv4Addr::from(0xAC10_0000u32 + 1 + (n % 60_000) as u32);
            let leg = |rng: &mut Rng| Leg {
                ssrc: rng.next() as u32,
                seq: rng.next() as u16,
                ts: rng.next() as u32,
                sent: 0,
                received: 0,
            };
            calls.push(Call {
                id: format!("synth-{n}-{:08x}@voipscope.test", rng.next() as u32),
                caller,
                callee,
                caller_rtp: 10_000 + 2 * (n % 20_000) as u16,
                callee_rtp: 30_000 + 2 * (n % 15_000) as u16,
                legs: [leg(rng), leg(rng)],
                end_ns: at + call_ns,
            });
            let i = calls.len() - 1;
            queue.push(Reverse((at, i, Step::Invite, 0)));
        };
    let spacing_ns = match args.ramp_seconds {
        Some(r) => (r.max(0.0) * 1e9 / f64::from(args.calls.max(1))) as i64,
        None => 10_000_000,
    };
    let first = u64::from(args.calls.max(1)).min(args.total_calls.unwrap_or(u64::MAX).max(1));
    for k in 0..first as u32 {
        let at = START_NS + i64::from(k) * spacing_ns;
        start_call(&mut calls, &mut queue, &mut rng, at);
    }
    let mut stopping = false;
    while let Some(Reverse((t, i, step, nominal))) = queue.pop() {
        if !stopping && out.bytes >= args.size {
            stopping = true;
            for c in calls.iter_mut() {
                c.end_ns = c.end_ns.min(t);
            }
        }
        let call = &mut calls[i];
        match step {
            Step::Rtp(dir) => {
                if nominal >= call.end_ns {
                    continue;
                }
                let d = usize::from(dir);
                let (src, dst) = if d == 0 {
                    (
                        (call.caller, call.caller_rtp),
                        (call.callee, call.callee_rtp),
                    )
                } else {
                    (
                        (call.callee, call.callee_rtp),
                        (call.caller, call.caller_rtp),
                    )
                };
                let leg = &mut call.legs[d];
                let mut pkt = [0xD5u8; 172];
                pkt[0] = 0x80;
                pkt[1] = 0;
                pkt[2..4].copy_from_slice(&leg.seq.to_be_bytes());
                pkt[4..8].copy_from_slice(&leg.ts.to_be_bytes());
                pkt[8..12].copy_from_slice(&leg.ssrc.to_be_bytes());
                leg.sent += 1;
                leg.seq = leg.seq.wrapping_add(1);
                leg.ts = leg.ts.wrapping_add(160);
                if rng.unit() * 100.0 >= args.loss_pct {
                    leg.received += 1;
                    out.udp(t, src, dst, &pkt)?;
                    truth.rtp_packets += 1;
                }
                let next = nominal + PTIME_NS;
                let delay = if jitter_ns > 0 {
                    (rng.next() % jitter_ns as u64) as i64
                } else {
                    0
                };
                queue.push(Reverse((next + delay, i, step, next)));
            }
            _ => {
                let (msg, from_caller) = sip_message(call, step, 1);
                let (src, dst) = if from_caller {
                    ((call.caller, 5060), (call.callee, 5060))
                } else {
                    ((call.callee, 5060), (call.caller, 5060))
                };
                out.udp(t, src, dst, msg.as_bytes())?;
                truth.sip_messages += 1;
                let next = match step {
                    Step::Invite => Some((t + 2_000_000, Step::Trying)),
                    Step::Trying => Some((t + 500_000_000, Step::Ringing)),
                    Step::Ringing => Some((t + 2_000_000_000, Step::Ok)),
                    Step::Ok => Some((t + 30_000_000, Step::Ack)),
                    Step::Ack => {
                        // talk time runs from the answer
                        call.end_ns = if stopping { t } else { t + call_ns };
                        for d in 0..2u8 {
                            let first = t + 10_000_000 + i64::from(d) * 3_000_000;
                            queue.push(Reverse((first, i, Step::Rtp(d), first)));
                        }
                        Some((call.end_ns.max(t + 1), Step::Bye))
                    }
                    Step::Bye => Some((t + 40_000_000, Step::ByeOk)),
                    Step::ByeOk => None,
                    Step::Rtp(_) => None,
                };
                match next {
                    Some((at, Step::Bye)) => {
                        queue.push(Reverse((at.max(call.end_ns), i, Step::Bye, 0)))
                    }
                    Some((at, s)) => queue.push(Reverse((at, i, s, 0))),
                    None => {
                        let more = args.total_calls.is_none_or(|n| (calls.len() as u64) < n);
                        if !stopping && more {
                            start_call(&mut calls, &mut queue, &mut rng, t + 50_000_000);
                        }
                    }
                }
            }
        }
    }
    out.w.flush()?;
    truth.frames = out.frames;
    truth.bytes = out.bytes;
    for c in &calls {
        truth.calls.push(TruthCall {
            call_id: c.id.clone(),
            state: "completed",
        });
        for (d, leg) in c.legs.iter().enumerate() {
            let (src, dst) = if d == 0 {
                (
                    format!("{}:{}", c.caller, c.caller_rtp),
                    format!("{}:{}", c.callee, c.callee_rtp),
                )
            } else {
                (
                    format!("{}:{}", c.callee, c.callee_rtp),
                    format!("{}:{}", c.caller, c.caller_rtp),
                )
            };
            if leg.sent > 0 {
                truth.streams.push(TruthStream {
                    src,
                    dst,
                    ssrc: format!("0x{:08X}", leg.ssrc),
                    sent: leg.sent,
                    received: leg.received,
                    lost: leg.sent - leg.received,
                });
            }
        }
    }
    Ok(truth)
}

/// `voipscope synth`: writes the capture and its ground truth file.
pub fn run(args: &SynthArgs) -> anyhow::Result<String> {
    if let Some(name) = &args.scenario {
        let mut bytes = Vec::new();
        let frames = crate::scenario::write(name, &mut bytes)?;
        std::fs::write(&args.output, &bytes)?;
        return Ok(format!(
            "{}: scenario {name}, {frames} frames, {} bytes",
            args.output,
            bytes.len()
        ));
    }
    let file = File::create(&args.output)?;
    let truth = write_capture(args, BufWriter::with_capacity(1 << 20, file))?;
    let truth_path = args
        .truth
        .clone()
        .unwrap_or_else(|| format!("{}.truth.json", args.output));
    std::fs::write(&truth_path, serde_json::to_string_pretty(&truth)? + "\n")?;
    Ok(format!(
        "{}: {} frames, {} bytes, {} calls, {} SIP messages, {} RTP packets (truth in {})",
        args.output,
        truth.frames,
        truth.bytes,
        truth.calls.len(),
        truth.sip_messages,
        truth.rtp_packets,
        truth_path
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("x").is_err());
    }
}
