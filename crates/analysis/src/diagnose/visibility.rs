//! Rule 9: what this capture cannot show. SIP over TLS or secure WebSocket (only records are
//! seen), and SRTP or DTLS-SRTP media (headers are readable, payloads are not): say so, and
//! what to capture instead.

use super::capture::{numbers, StreamFacts};
use super::{txt, Ctx, Finding, Severity};
use crate::CaptureSummary;

pub fn run(c: &CaptureSummary, streams: &StreamFacts, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    let tls = c.tls_records;
    if tls > 0 {
        out.push(
            Finding::new("signalling-encrypted", Severity::Info).text(
                txt!(lang, format!("{tls} TLS records: encrypted signalling cannot be read"), format!("{tls} TLS-Records: verschlüsselte Signalisierung ist nicht lesbar")),
                txt!(lang, "Part of the SIP in this capture travels over TLS (SIPS on 5061 or secure WebSocket). Calls carried there are missing from the call list, and their media cannot be tied to them.".to_string(), "Ein Teil der SIP-Signalisierung läuft über TLS (SIPS auf 5061 oder sicheres WebSocket). Die Anrufe darin fehlen in der Liste, und ihre Medien lassen sich nicht zuordnen.".to_string()),
                txt!(lang, "Capture the decrypted signalling instead: the SBC's or PBX's own SIP trace, or TLS key logging (SSLKEYLOGFILE) for Wireshark; for a test, switch the device to UDP or TCP.".to_string(), "Stattdessen die entschlüsselte Signalisierung aufzeichnen: den SIP-Trace von SBC oder TK-Anlage, oder TLS-Key-Logging (SSLKEYLOGFILE) für Wireshark; zum Test das Gerät auf UDP oder TCP umstellen.".to_string()),
            ),
        );
    }
    let encrypted = &streams.encrypted;
    if !encrypted.is_empty() {
        let list = numbers(
            encrypted
                .iter()
                .map(|(n, how, _)| format!("{n} ({})", how.as_str())),
            streams.encrypted_count,
            lang,
        );
        out.push(
            Finding::new("media-encrypted", Severity::Info)
                .text(
                    txt!(lang, format!("{} SRTP streams: loss and jitter are measured, the audio is not", streams.encrypted_count), format!("{} SRTP-Streams: Verlust und Jitter sind messbar, der Ton nicht", streams.encrypted_count)),
                    txt!(lang, format!("Streams {list} are encrypted. Their RTP headers give packets, loss, jitter and MOS; DTMF events, comfort noise and the audio itself stay hidden."), format!("Die Streams {list} sind verschlüsselt. Ihre RTP-Header liefern Pakete, Verlust, Jitter und MOS; DTMF-Ereignisse, Comfort Noise und der Ton selbst bleiben verborgen.")),
                    txt!(lang, "To hear or check payloads, capture with SRTP disabled for a test call, or export the keys (SDES a=crypto in decrypted signalling, DTLS key log).".to_string(), "Um Inhalte zu prüfen, einen Testanruf ohne SRTP aufzeichnen oder die Schlüssel exportieren (SDES a=crypto in entschlüsselter Signalisierung, DTLS-Key-Log).".to_string()),
                )
                .evidence(encrypted.iter().map(|(_, _, frame)| *frame)),
        );
    }
}
