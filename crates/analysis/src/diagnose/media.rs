//! Rule 8: media. No RTP after the answer; one-way audio; RTP from or to an address the SDP
//! did not name (NAT, a relay latching); loss, jitter or MOS beyond thresholds, with the loss
//! pattern; RTP going on after the BYE; long silence gaps.

use super::{txt, CallFacts, Ctx, Finding, Severity};
use crate::correlate::{CallRecord, End};
use voipscope_rtp::RtpStream;

/// Loss (RFC 3550, percent) from which a stream is reported.
pub const LOSS_WARN_PCT: f64 = 1.0;
/// Lost packets below this are never poor quality: a phone's loss concealment hides one.
pub const LOSS_WARN_MIN_PACKETS: u64 = 2;
/// Packets a fixed jitter buffer drops as late (percent) from which a stream is reported.
pub const LATE_WARN_PCT: f64 = 1.0;
/// Interarrival jitter (RFC 3550, ms) from which a stream is reported.
pub const JITTER_WARN_MS: f64 = 30.0;
/// MOS below which a stream is reported (ITU-T G.107: below 3.6 many users are dissatisfied).
pub const MOS_WARN: f64 = 3.6;
/// A gap between packets this long is reported (silence suppression also makes them).
pub const GAP_INFO_MS: f64 = 1000.0;

pub fn call(c: &CallRecord, facts: &CallFacts<'_>, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    {
        let m = &c.media;
        let answer = c.answer().map(|x| x.frame);
        if m.no_media {
            out.push(
                Finding::new("no-rtp", Severity::Warning)
                    .call(c)
                    .text(
                        txt!(lang, "Answered, but no RTP in the capture".to_string(), "Angenommen, aber kein RTP in der Aufzeichnung".to_string()),
                        txt!(lang, "The call was answered and its SDP named media addresses, yet no RTP between them was captured: both sides heard nothing, or the media took a path this capture does not see.".to_string(), "Der Anruf wurde angenommen und sein SDP nannte Medienadressen, doch zwischen ihnen wurde kein RTP aufgezeichnet: beide Seiten hörten nichts, oder die Medien nahmen einen Weg, den diese Aufzeichnung nicht sieht.".to_string()),
                        txt!(lang, "Capture where the media passes (both phones' networks); check firewalls for the RTP port range and the addresses in the SDP.".to_string(), "Dort mitschneiden, wo die Medien vorbeikommen; Firewalls für den RTP-Portbereich und die Adressen im SDP prüfen.".to_string()),
                    )
                    .evidence(answer),
            );
        }
        if m.one_way {
            let caller_sent = m.callee_to_caller_packets == 0;
            let streams: Vec<&RtpStream> =
                m.streams.iter().filter_map(|&n| facts.stream(n)).collect();
            // the media addresses, not the SIP ones: the direction that flowed, and where the
            // other one should have gone
            let flowed = streams.iter().max_by_key(|s| s.packets);
            let (side, side_de) = if caller_sent {
                ("caller", "des Anrufers")
            } else {
                ("callee", "des Angerufenen")
            };
            let (path, back, hosts) = match flowed {
                Some(s) => (
                    format!(" ({} -> {})", s.src, s.dst),
                    s.src.to_string(),
                    (s.dst.ip(), s.src.ip()),
                ),
                None => {
                    let (from, to) = if caller_sent {
                        (c.caller, c.callee)
                    } else {
                        (c.callee, c.caller)
                    };
                    (String::new(), from.ip().to_string(), (to.ip(), from.ip()))
                }
            };
            let evidence: Vec<u64> = streams.iter().map(|s| s.first_frame).collect();
            out.push(
                Finding::new("one-way-audio", Severity::Warning)
                    .call(c)
                    .text(
                        txt!(lang, "One-way audio".to_string(), "Audio nur in eine Richtung".to_string()),
                        txt!(lang, format!("RTP flowed from the {side} only{path}: {} packets caller to callee, {} back. The other direction, to {back}, never reached this capture point: it was sent to an address that does not lead here (often a private address from the SDP), or a firewall dropped it.", m.caller_to_callee_packets, m.callee_to_caller_packets), format!("RTP floss nur von der Seite {side_de}{path}: {} Pakete Anrufer zu Angerufenem, {} zurück. Die andere Richtung, an {back}, erreichte diesen Mitschnittpunkt nie: sie ging an eine Adresse, die nicht hierher führt (oft eine private Adresse aus dem SDP), oder eine Firewall verwarf sie.", m.caller_to_callee_packets, m.callee_to_caller_packets)),
                        txt!(lang, format!("Compare the SDP c= addresses with the packets' addresses; check NAT (STUN, SIP ALG, symmetric RTP) between {} and {}.", hosts.0, hosts.1), format!("Die c=-Adressen im SDP mit den Paketadressen vergleichen; NAT zwischen {} und {} prüfen (STUN, SIP-ALG, symmetrisches RTP).", hosts.0, hosts.1)),
                    )
                    .evidence(evidence),
            );
        }
        for u in &m.unexpected_endpoints {
            let Some(s) = facts.stream(u.stream) else {
                continue;
            };
            let sdp_named = crate::correlate::join_addrs(&u.sdp_named);
            let source = u.end == End::Source;
            let f = Finding::new("rtp-unexpected-address", Severity::Info)
                .call(c)
                .text(
                    txt!(lang, format!("Stream {}: RTP {} {} is not what the SDP named", u.stream, if source { "from" } else { "to" }, u.seen), format!("Stream {}: RTP {} {} entspricht nicht dem SDP", u.stream, if source { "von" } else { "an" }, u.seen)),
                    txt!(lang, format!("The SDP named {sdp_named}, but the packets' {} is {}. A NAT rewrote the address, or a media relay (SBC) latched on to where the packets really come from.", u.end.as_str(), u.seen), format!("Das SDP nannte {sdp_named}, die Pakete haben aber als {} {}. Ein NAT hat die Adresse umgeschrieben, oder ein Media-Relay (SBC) hat sich auf die tatsächliche Herkunft eingestellt.", if source { "Quelle" } else { "Ziel" }, u.seen)),
                    txt!(lang, "Harmless when audio works both ways; if not, fix the address the device writes into its SDP.".to_string(), "Harmlos, solange Audio in beide Richtungen geht; sonst die Adresse korrigieren, die das Gerät ins SDP schreibt.".to_string()),
                )
                .evidence([s.first_frame])
                .stream(u.stream);
            out.push(f);
        }
        for b in &m.rtp_after_bye {
            let Some(s) = facts.stream(b.stream) else {
                continue;
            };
            let (bye_s, last_s) = (ctx.base.s(b.bye_ns), ctx.base.s(b.last_packet_ns));
            let f = Finding::new("rtp-after-bye", Severity::Warning)
                .call(c)
                .text(
                    txt!(lang, format!("Stream {} went on {:.1} s after the BYE", b.stream, last_s - bye_s), format!("Stream {} lief {:.1} s nach dem BYE weiter", b.stream, last_s - bye_s)),
                    txt!(lang, format!("The BYE was at {bye_s:.3} s; the stream's last packet at {last_s:.3} s. The sender did not stop its media when the call ended: the BYE did not reach it, or it ignores it."), format!("Das BYE kam bei {bye_s:.3} s; das letzte Paket des Streams bei {last_s:.3} s. Der Sender beendete seine Medien nicht mit dem Anruf: das BYE erreichte ihn nicht, oder er ignoriert es.")),
                    txt!(lang, "Check that the BYE and its 200 OK reach the sender of this stream.".to_string(), "Prüfen, ob BYE und sein 200 OK den Sender dieses Streams erreichen.".to_string()),
                )
                .evidence([s.last_frame])
                .stream(b.stream);
            out.push(f);
        }
    }
}

pub fn stream(s: &RtpStream, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    let i = s.number - 1;
    if let Some(f) = quality(s, ctx) {
        out.push(f);
    }
    if s.wireshark.max_delta_ms >= GAP_INFO_MS && s.packets > 1 {
        let f = Finding::new("media-gap", Severity::Info)
                .text(
                    txt!(lang, format!("Stream {}: {:.1} s without packets", i + 1, s.wireshark.max_delta_ms / 1e3), format!("Stream {}: {:.1} s ohne Pakete", i + 1, s.wireshark.max_delta_ms / 1e3)),
                    txt!(lang, format!("The longest gap in {} -> {} was {:.0} ms, ending at frame {}. Silence suppression (VAD) makes such gaps on purpose; otherwise audio dropped out.", s.src, s.dst, s.wireshark.max_delta_ms, s.wireshark.max_delta_frame), format!("Die längste Lücke in {} -> {} dauerte {:.0} ms und endete bei Frame {}. Sprachpausenunterdrückung (VAD) erzeugt solche Lücken absichtlich; sonst ist das Audio ausgefallen.", s.src, s.dst, s.wireshark.max_delta_ms, s.wireshark.max_delta_frame)),
                    txt!(lang, "If users heard drop-outs, look at what happened on the path at that time; otherwise check whether VAD is on.".to_string(), "Falls Aussetzer zu hören waren, den Netzweg zu diesem Zeitpunkt prüfen; sonst nachsehen, ob VAD aktiv ist.".to_string()),
                )
                .evidence([s.wireshark.max_delta_frame])
                .stream_and_its_call(s);
        out.push(f);
    }
}

/// `media-quality`: a stream of audio whose loss, late packets, jitter or MOS is beyond its
/// threshold, naming the figures that tripped. Judged on the figures that mean what a listener
/// heard: RFC 3550 loss and jitter and the jitter buffer's late packets, not Wireshark's
/// maximum jitter, which one packet after a silence-suppression pause or a timestamp jump
/// drives into seconds. Event-only and comfort-noise-only streams carry no audio to judge.
fn quality(s: &RtpStream, ctx: Ctx) -> Option<Finding> {
    let lang = ctx.lang;
    let audio = s
        .packets
        .saturating_sub(s.event_packets + s.comfort_noise_packets);
    if audio == 0 {
        return None;
    }
    let r = &s.rfc3550;
    let q = s.quality.as_ref();
    let late_pct = q.map(|q| q.late as f64 * 100.0 / r.expected.max(1) as f64);
    let mut tripped: Vec<(String, String)> = Vec::new();
    if r.lost_pct >= LOSS_WARN_PCT && r.lost >= LOSS_WARN_MIN_PACKETS {
        tripped.push((
            format!("loss {:.1} %", r.lost_pct),
            format!("Verlust {:.1} %", r.lost_pct),
        ));
    }
    if let (Some(q), Some(late)) = (q, late_pct) {
        if late >= LATE_WARN_PCT {
            let ms = q.jitter_buffer_ms;
            tripped.push((
                format!("{late:.1} % late for a {ms:.0} ms jitter buffer"),
                format!("{late:.1} % zu spät für einen {ms:.0}-ms-Jitterpuffer"),
            ));
        }
    }
    if r.jitter_ms >= JITTER_WARN_MS {
        tripped.push((
            format!("jitter {:.1} ms", r.jitter_ms),
            format!("Jitter {:.1} ms", r.jitter_ms),
        ));
    }
    if let Some(q) = q.filter(|q| q.mos < MOS_WARN) {
        tripped.push((format!("MOS {:.2}", q.mos), format!("MOS {:.2}", q.mos)));
    }
    if tripped.is_empty() {
        return None;
    }
    let (en, de): (Vec<String>, Vec<String>) = tripped.into_iter().unzip();
    let bursts = &r.loss_bursts;
    let single = bursts.first().copied().unwrap_or(0);
    let longer: u64 = bursts.iter().skip(1).sum();
    let pattern = if r.lost == 0 {
        String::new()
    } else if longer == 0 {
        txt!(lang, " Losses were single packets, spread out (random loss: congestion or a poor radio link).".to_string(), " Es fehlten einzelne, verstreute Pakete (zufälliger Verlust: Überlast oder schlechte Funkstrecke).".to_string())
    } else {
        txt!(lang, format!(" {single} losses were single packets and {longer} were bursts of two or more (bursts point to queues overflowing or route changes)."), format!(" {single} Verluste waren Einzelpakete und {longer} Bündel von zwei oder mehr (Bündel deuten auf überlaufende Warteschlangen oder Routenwechsel)."))
    };
    let figures = match (q, late_pct) {
        (Some(q), Some(late)) => txt!(lang, format!(" {} packets ({late:.1} %) came too late for a {:.0} ms jitter buffer; estimated MOS {:.2}.", q.late, q.jitter_buffer_ms, q.mos), format!(" {} Pakete ({late:.1} %) kamen zu spät für einen {:.0}-ms-Jitterpuffer; geschätzter MOS {:.2}.", q.late, q.jitter_buffer_ms, q.mos)),
        _ => String::new(),
    };
    let wireshark = s.wireshark.max_jitter_ms;
    let not_judged = if wireshark >= JITTER_WARN_MS && r.jitter_ms < JITTER_WARN_MS {
        txt!(lang, format!(" Wireshark's maximum jitter ({wireshark:.1} ms) is not judged: one packet after a pause or a timestamp jump drives it up."), format!(" Wiresharks maximaler Jitter ({wireshark:.1} ms) wird nicht bewertet: ein Paket nach einer Pause oder einem Zeitstempelsprung treibt ihn hoch."))
    } else {
        String::new()
    };
    let f = Finding::new("media-quality", Severity::Warning)
        .text(
            txt!(lang, format!("Stream {}: poor quality ({})", s.number, en.join(", ")), format!("Stream {}: schlechte Qualität ({})", s.number, de.join(", "))),
            txt!(lang, format!("{} -> {}: {} of {} packets lost (RFC 3550), interarrival jitter {:.1} ms.{pattern}{figures}{not_judged} Thresholds: loss {LOSS_WARN_PCT} % (at least {LOSS_WARN_MIN_PACKETS} packets), late {LATE_WARN_PCT} %, jitter {JITTER_WARN_MS} ms, MOS {MOS_WARN}.", s.src, s.dst, r.lost, r.expected, r.jitter_ms), format!("{} -> {}: {} von {} Paketen verloren (RFC 3550), Jitter {:.1} ms.{pattern}{figures}{not_judged} Schwellen: Verlust {LOSS_WARN_PCT} % (mindestens {LOSS_WARN_MIN_PACKETS} Pakete), verspätet {LATE_WARN_PCT} %, Jitter {JITTER_WARN_MS} ms, MOS {MOS_WARN}.", s.src, s.dst, r.lost, r.expected, r.jitter_ms)),
            txt!(lang, "Check the network path of this direction: bandwidth, QoS marking (DSCP EF) and prioritisation, Wi-Fi; capture nearer the sender to find the hop that loses.".to_string(), "Den Netzweg dieser Richtung prüfen: Bandbreite, QoS-Markierung (DSCP EF) und Priorisierung, WLAN; näher am Sender mitschneiden, um die verlierende Stelle zu finden.".to_string()),
        )
        .evidence([s.first_frame, s.wireshark.max_delta_frame])
        .stream_and_its_call(s);
    Some(f)
}
