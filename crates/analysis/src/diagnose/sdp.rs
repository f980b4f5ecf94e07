//! Rule 11: session descriptions. SDP that a strict peer (webrtc-sdp) would reject, a hold
//! signalled by `c=0.0.0.0` or `a=inactive` (old-style or mute-both-ways holds some peers
//! mishandle), and a slow setup (INVITE to the first 18x).

use super::{txt, Ctx, Finding, Severity};
use voipscope_sip::Call;
use voipscope_sip::Method;

/// INVITE to first 18x above this is reported.
pub const SETUP_DELAY_WARN_MS: f64 = 5_000.0;

pub fn call(c: &Call, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    {
        for e in &c.sdp {
            let Some(err) = &e.sdp.strict_error else {
                continue;
            };
            out.push(
                Finding::new("sdp-strict-reject", Severity::Warning)
                    .call(c)
                    .text(
                        txt!(lang, format!("The SDP in frame {} would be rejected by a strict parser", e.frame), format!("Das SDP in Frame {} würde ein strenger Parser ablehnen", e.frame)),
                        txt!(lang, format!("webrtc-sdp says: {err}. voipscope reads it, and lenient phones do, but WebRTC gateways and strict SBCs may refuse the call or drop the media line."), format!("webrtc-sdp meldet: {err}. voipscope liest es, tolerante Telefone auch, aber WebRTC-Gateways und strenge SBCs lehnen den Anruf womöglich ab oder verwerfen die Medienzeile.")),
                        txt!(lang, "Fix the SDP the sender writes (RFC 4566 line order and mandatory lines o=, s=, t=).".to_string(), "Das SDP des Senders korrigieren (Zeilenfolge nach RFC 4566 und Pflichtzeilen o=, s=, t=).".to_string()),
                    )
                    .evidence([e.frame]),
            );
        }
        for h in c
            .holds
            .iter()
            .filter(|h| h.how == "c=0.0.0.0" || h.how == "inactive")
        {
            out.push(
                Finding::new("hold-style", Severity::Info)
                    .call(c)
                    .text(
                        txt!(lang, format!("Hold by {} at {:.1} s", h.how, ctx.base.s(h.ts_ns)), format!("Halten per {} bei {:.1} s", h.how, ctx.base.s(h.ts_ns))),
                        txt!(lang, format!("The {} put the call on hold with {}. {}", if matches!(h.by, voipscope_sip::calls::Side::Caller) { "caller" } else { "callee" }, h.how, if h.how == "inactive" { "Media stops both ways, so no music on hold is played." } else { "This RFC 2543 style is understood by most peers, but some stop media for good or fail to resume." }), format!("Der {} hat mit {} gehalten. {}", if matches!(h.by, voipscope_sip::calls::Side::Caller) { "Anrufer" } else { "Angerufene" }, h.how, if h.how == "inactive" { "Medien stoppen in beide Richtungen, es gibt keine Wartemusik." } else { "Diese Art nach RFC 2543 verstehen die meisten, manche stoppen die Medien aber dauerhaft oder nehmen nicht wieder auf." })),
                        txt!(lang, "If resuming fails, configure hold as a=sendonly (RFC 3264).".to_string(), "Falls das Zurückholen scheitert, Halten als a=sendonly konfigurieren (RFC 3264).".to_string()),
                    )
                    .evidence([h.frame]),
            );
        }
        if let Some(setup) = c
            .setup_ns
            .map(voipscope_wire::timefmt::ms)
            .filter(|&t| t > SETUP_DELAY_WARN_MS)
        {
            let invite = super::frames_of_method(c, Method::Invite)
                .into_iter()
                .next();
            let ring = c
                .messages
                .iter()
                .find(|m| m.status.is_some_and(|s| (180..190).contains(&s)))
                .map(|m| m.frame);
            out.push(
                Finding::new("slow-setup", Severity::Warning)
                    .call(c)
                    .text(
                        txt!(lang, format!("Slow call setup: {:.1} s until it rang", setup / 1e3), format!("Langsamer Verbindungsaufbau: {:.1} s bis zum Klingeln", setup / 1e3)),
                        txt!(lang, format!("The first 18x came {setup:.0} ms after the INVITE (threshold {SETUP_DELAY_WARN_MS} ms). Callers hear silence meanwhile and may hang up. Usual causes: DNS lookups timing out, a proxy trying unreachable destinations first, or number analysis waiting for more digits."), format!("Das erste 18x kam {setup:.0} ms nach dem INVITE (Schwelle {SETUP_DELAY_WARN_MS} ms). Anrufer hören so lange Stille und legen womöglich auf. Übliche Ursachen: DNS-Anfragen laufen in Timeouts, ein Proxy probiert zuerst unerreichbare Ziele, oder die Rufnummernanalyse wartet auf weitere Ziffern.")),
                        txt!(lang, "Look at what the proxy did between INVITE and 18x (its log, DNS traffic in the capture).".to_string(), "Nachsehen, was der Proxy zwischen INVITE und 18x tat (sein Log, DNS-Verkehr in der Aufzeichnung).".to_string()),
                    )
                    .evidence(invite.into_iter().chain(ring)),
            );
        }
    }
}
