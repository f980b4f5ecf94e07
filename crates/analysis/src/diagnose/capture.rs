//! Rule 10: the capture itself. TCP bytes acknowledged but never captured (the capture point
//! dropped packets), frames cut by the snap length, time going backwards (a clock step, or
//! captures merged badly), and streams without any jitter at all (the capture was taken on the
//! sending host, so network effects cannot show).

use super::{txt, Ctx, Finding, Severity};
use crate::CaptureSummary;
use voipscope_rtp::{Encryption, RtpStream};
use voipscope_wire::anomaly::{Anomaly, AnomalyKind};

/// Packets a stream needs before "no jitter at all" means anything.
pub const SENDER_SIDE_MIN_PACKETS: u64 = 100;
/// Below this maximum jitter (ms) a stream is taken as captured at its sender.
pub const SENDER_SIDE_MAX_JITTER_MS: f64 = 0.01;

/// Streams listed by number in a capture finding; beyond this they are counted.
pub const MAX_LISTED_STREAMS: usize = 1000;

/// What the capture findings need of every stream, gathered as streams are finished.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamFacts {
    /// Streams without any jitter: (number, first frame), the first [`MAX_LISTED_STREAMS`].
    pub flat: Vec<(usize, u64)>,
    pub flat_count: usize,
    /// SRTP streams: (number, how we know, first frame).
    pub encrypted: Vec<(usize, Encryption, u64)>,
    pub encrypted_count: usize,
}

impl StreamFacts {
    pub fn add(&mut self, s: &RtpStream) {
        if s.packets >= SENDER_SIDE_MIN_PACKETS
            && s.wireshark.clock_rate > 0
            && s.wireshark.max_jitter_ms < SENDER_SIDE_MAX_JITTER_MS
        {
            self.flat_count += 1;
            if self.flat.len() < MAX_LISTED_STREAMS {
                self.flat.push((s.number, s.first_frame));
            }
        }
        if s.encrypted {
            self.encrypted_count += 1;
            if self.encrypted.len() < MAX_LISTED_STREAMS {
                self.encrypted.push((
                    s.number,
                    s.encryption_evidence.unwrap_or(Encryption::Sdp),
                    s.first_frame,
                ));
            }
        }
    }

    /// Keeps the lists in stream order (streams are finished in another order).
    pub fn sorted(mut self) -> StreamFacts {
        self.flat.sort_unstable();
        self.encrypted.sort_unstable_by_key(|e| e.0);
        self
    }
}

/// `1, 2, 3` and, beyond the listed ones, how many more.
pub(crate) fn numbers(
    listed: impl Iterator<Item = String>,
    count: usize,
    lang: voipscope_sip::status::Lang,
) -> String {
    let listed: Vec<String> = listed.collect();
    let more = count.saturating_sub(listed.len());
    let mut s = listed.join(", ");
    if more > 0 {
        s.push_str(&txt!(
            lang,
            format!(" and {more} more"),
            format!(" und {more} weitere")
        ));
    }
    s
}

fn frames_of_kind(anomalies: &[Anomaly], kind: AnomalyKind) -> Vec<u64> {
    anomalies
        .iter()
        .filter(|x| x.kind == kind)
        .map(|x| x.frame)
        .take(20)
        .collect()
}

pub fn run(
    c: &CaptureSummary,
    anomalies: &[Anomaly],
    streams: &StreamFacts,
    ctx: Ctx,
    out: &mut Vec<Finding>,
) {
    let lang = ctx.lang;
    if c.tcp_gaps > 0 {
        out.push(
            Finding::new("capture-tcp-gaps", Severity::Warning)
                .text(
                    txt!(lang, format!("{} places where TCP data was never captured", c.tcp_gaps), format!("{} Stellen, an denen TCP-Daten nie aufgezeichnet wurden", c.tcp_gaps)),
                    txt!(lang, "TCP streams skip bytes the receiver acknowledged: the capture point dropped packets (a busy interface, a mirror port over its limit) or saw only one path. SIP messages in those holes are missing.".to_string(), "TCP-Streams überspringen Bytes, die der Empfänger bestätigt hat: der Mitschnittpunkt hat Pakete verloren (ausgelastete Schnittstelle, überlasteter Mirror-Port) oder sah nur einen Weg. SIP-Nachrichten in diesen Lücken fehlen.".to_string()),
                    txt!(lang, "Capture with a larger buffer (tcpdump -B), a capture filter for SIP and RTP only, or on the host itself.".to_string(), "Mit größerem Puffer (tcpdump -B), einem Filter nur für SIP und RTP, oder direkt auf dem Host mitschneiden.".to_string()),
                )
                .evidence(frames_of_kind(anomalies, AnomalyKind::TcpGap)),
        );
    }
    if c.snaplen_cut_frames > 0 {
        out.push(
            Finding::new("capture-snaplen", Severity::Warning)
                .text(
                    txt!(lang, format!("{} frames cut short by the snap length", c.snaplen_cut_frames), format!("{} Frames durch die Snap-Länge abgeschnitten", c.snaplen_cut_frames)),
                    txt!(lang, "The capture kept only the first bytes of some frames. SIP messages in them are incomplete (SDP often lost), RTP payloads are cut.".to_string(), "Die Aufzeichnung behielt von manchen Frames nur die ersten Bytes. SIP-Nachrichten darin sind unvollständig (oft fehlt das SDP), RTP-Nutzdaten sind abgeschnitten.".to_string()),
                    txt!(lang, "Capture with the full snap length (tcpdump -s 0).".to_string(), "Mit voller Snap-Länge mitschneiden (tcpdump -s 0).".to_string()),
                )
                .evidence(frames_of_kind(anomalies, AnomalyKind::SipTruncated)),
        );
    }
    let backwards = c.anomaly_counts.get("time-backwards").copied().unwrap_or(0);
    if backwards > 0 {
        out.push(
            Finding::new("capture-time-backwards", Severity::Warning)
                .text(
                    txt!(lang, format!("Time goes backwards {backwards} times in the capture"), format!("Die Zeit läuft in der Aufzeichnung {backwards}-mal rückwärts")),
                    txt!(lang, "Some frames are stamped earlier than the frame before them: the capturing host's clock was stepped (NTP), or several captures were merged out of order. Delays, jitter and durations measured across those points are wrong.".to_string(), "Manche Frames tragen eine frühere Zeit als der Frame davor: die Uhr des aufzeichnenden Rechners wurde verstellt (NTP), oder mehrere Aufzeichnungen wurden falsch zusammengeführt. Verzögerungen, Jitter und Dauern über diese Stellen hinweg sind falsch.".to_string()),
                    txt!(lang, "Capture on a host whose clock is slewed, not stepped; merge captures with mergecap (by time).".to_string(), "Auf einem Rechner mitschneiden, dessen Uhr nachgeführt statt gestellt wird; Aufzeichnungen mit mergecap (nach Zeit) zusammenführen.".to_string()),
                )
                .evidence(frames_of_kind(anomalies, AnomalyKind::TimeBackwards)),
        );
    }
    let flat = &streams.flat;
    if !flat.is_empty() {
        let list = numbers(
            flat.iter().map(|(n, _)| n.to_string()),
            streams.flat_count,
            lang,
        );
        out.push(
            Finding::new("capture-at-sender", Severity::Info)
                .text(
                    txt!(lang, format!("Streams {list} show no jitter at all"), format!("Die Streams {list} zeigen überhaupt keinen Jitter")),
                    txt!(lang, "Their packets arrive exactly on their timestamps: they were captured on the host that sent them (or generated), so the network's delay variation and loss cannot show in them.".to_string(), "Ihre Pakete kommen exakt zu ihren Zeitstempeln: sie wurden auf dem sendenden Host aufgezeichnet (oder erzeugt), Laufzeitschwankungen und Verluste des Netzes können darin nicht erscheinen.".to_string()),
                    txt!(lang, "To judge the network, capture at the receiving end of these streams.".to_string(), "Um das Netz zu beurteilen, am empfangenden Ende dieser Streams mitschneiden.".to_string()),
                )
                .evidence(flat.iter().map(|(_, frame)| *frame)),
        );
    }
}
