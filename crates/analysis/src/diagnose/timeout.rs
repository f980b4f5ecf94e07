//! Rule 7: timeouts. An INVITE retransmitted with no answer at all (unreachable, wrong port,
//! blocked); an INVITE that got provisional answers but no final one; a 2xx retransmitted
//! with no ACK (the call drops after about 32 s); a BYE or CANCEL nobody answered.

use super::{txt, CallFacts, Ctx, Finding, Severity};
use voipscope_sip::Method;
use voipscope_sip::{Call, CallState};

pub fn call(c: &Call, facts: &CallFacts<'_>, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    {
        let invites: Vec<u64> = c
            .messages
            .iter()
            .filter(|m| m.method == Some(Method::Invite))
            .map(|m| m.frame)
            .collect();
        if c.state == CallState::Unanswered {
            let responses = c.messages.iter().filter(|m| m.status.is_some()).count();
            let resent = c
                .messages
                .iter()
                .filter(|m| m.method == Some(Method::Invite) && m.retransmission)
                .count();
            let span = ctx.base.s(c.end_ns) - ctx.base.s(c.start_ns);
            // how long the capture went on after the INVITE: the time the callee had
            let seen = facts.seen_until_ns.saturating_sub(ctx.base.base_ns) as f64 / 1e9;
            let remaining = (seen - ctx.base.s(c.start_ns)).max(0.0);
            let f = if responses == 0 {
                Finding::new("invite-no-response", Severity::Error).text(
                    txt!(lang, format!("The INVITE was never answered ({resent} retransmissions over {span:.1} s)"), format!("Das INVITE wurde nie beantwortet ({resent} Wiederholungen über {span:.1} s)")),
                    txt!(lang, format!("{} sent the INVITE to {} and got no response at all, not even 100 Trying. The callee or the next server is unreachable from here, listens on another port or transport, or a firewall drops SIP.", c.caller, c.callee), format!("{} schickte das INVITE an {} und bekam keinerlei Antwort, nicht einmal 100 Trying. Angerufener oder nächster Server sind von hier nicht erreichbar, lauschen auf einem anderen Port/Transport, oder eine Firewall verwirft SIP.", c.caller, c.callee)),
                    txt!(lang, format!("Check that {} is the right address, port and transport, that it is up, and that firewalls pass SIP both ways; capture on the far side to see whether the INVITE arrives.", c.callee), format!("Prüfen, ob {} Adresse, Port und Transport stimmen, ob das Ziel läuft und ob Firewalls SIP in beide Richtungen durchlassen; auf der Gegenseite mitschneiden, ob das INVITE ankommt.", c.callee)),
                )
            } else {
                Finding::new("invite-no-final-response", Severity::Warning).text(
                    txt!(lang, "The INVITE got no final response in the capture".to_string(), "Das INVITE bekam in der Aufzeichnung keine endgültige Antwort".to_string()),
                    txt!(lang, format!("The callee answered provisionally but never finally in the {remaining:.1} s the capture went on after the INVITE: it was still ringing when the capture ended, or the final response went another way."), format!("Der Angerufene antwortete vorläufig, aber in den {remaining:.1} s, die die Aufzeichnung nach dem INVITE noch lief, nie endgültig: es klingelte noch, als die Aufzeichnung endete, oder die endgültige Antwort nahm einen anderen Weg.")),
                    txt!(lang, "Capture longer, or where all signalling passes (the proxy or SBC).".to_string(), "Länger mitschneiden, oder dort, wo die gesamte Signalisierung vorbeikommt (Proxy oder SBC).".to_string()),
                )
            };
            out.push(f.call(c).evidence(invites.clone()));
        }
        let ok_resent: Vec<u64> = c
            .messages
            .iter()
            .filter(|m| {
                m.retransmission
                    && m.status.is_some_and(|s| (200..300).contains(&s))
                    && m.cseq.method == Method::Invite
            })
            .map(|m| m.frame)
            .collect();
        let acked = c.messages.iter().any(|m| m.method == Some(Method::Ack));
        if !ok_resent.is_empty() && !acked {
            out.push(
                Finding::new("ack-missing", Severity::Error)
                    .call(c)
                    .text(
                        txt!(lang, format!("The 200 OK was repeated {} times and never acknowledged", ok_resent.len()), format!("Das 200 OK wurde {}-mal wiederholt und nie bestätigt", ok_resent.len())),
                        txt!(lang, "The callee answered, but no ACK reached it, so it keeps resending its 200 OK and gives up after about 32 s, ending the call. The ACK is usually sent to the wrong place: a Contact or Record-Route with an unreachable (often private) address, or a NAT that does not pass it.".to_string(), "Der Angerufene hat angenommen, aber kein ACK erreichte ihn; er wiederholt sein 200 OK und gibt nach etwa 32 s auf, der Anruf bricht ab. Meist geht das ACK an die falsche Stelle: ein Contact oder Record-Route mit unerreichbarer (oft privater) Adresse, oder ein NAT, das es nicht durchlässt.".to_string()),
                        txt!(lang, "Look at the Contact and Record-Route of the 200 OK and where the caller sends its ACK; fix NAT traversal on the answering side.".to_string(), "Contact und Record-Route des 200 OK prüfen und wohin der Anrufer sein ACK schickt; NAT-Traversal der annehmenden Seite korrigieren.".to_string()),
                    )
                    .evidence(ok_resent),
            );
        }
        for method in [Method::Bye, Method::Cancel] {
            for m in c
                .messages
                .iter()
                .filter(|m| m.method.as_ref() == Some(&method) && !m.retransmission)
            {
                let answered = c
                    .messages
                    .iter()
                    .any(|r| r.status.is_some() && r.cseq == m.cseq);
                if !answered {
                    out.push(
                        Finding::new(if method == Method::Bye { "bye-unanswered" } else { "cancel-unanswered" }, Severity::Warning)
                            .call(c)
                            .text(
                                txt!(lang, format!("{method} was never answered"), format!("{method} wurde nie beantwortet")),
                                txt!(lang, format!("{} sent {method} to {} and no response came back in the capture. The other side may keep the call up (and bill it) or the capture missed the response.", m.src, m.dst), format!("{} schickte {method} an {} und keine Antwort kam in der Aufzeichnung zurück. Die Gegenseite hält den Anruf womöglich aufrecht (und rechnet ihn ab), oder die Aufzeichnung verpasste die Antwort.", m.src, m.dst)),
                                txt!(lang, "Check that in-dialog requests reach the peer (Contact and Record-Route addresses, NAT).".to_string(), "Prüfen, ob Anfragen im Dialog die Gegenseite erreichen (Contact- und Record-Route-Adressen, NAT).".to_string()),
                            )
                            .evidence([m.frame]),
                    );
                }
            }
        }
    }
}
