//! Rule 2: a device behind NAT that writes its LAN address into its SIP. A REGISTER or INVITE
//! whose Via sent-by, Contact or SDP `c=` holds a private, shared (100.64/10), unique-local or
//! link-local address other than the address the packet came from (captured beyond the NAT),
//! or sent to a public address (captured on the LAN side: a public peer cannot reach a private
//! address either): replies and media sent there never arrive. Tied to what follows: a
//! 403/488, or one-way audio.

use std::net::IpAddr;

use super::{is_private, txt, Ctx, Finding, Severity};
use crate::correlate::CallRecord;
use voipscope_sip::calls::Side;
use voipscope_sip::fields::host_ip;
use voipscope_sip::Method;
use voipscope_sip::Registration;

/// The advertised private addresses that differ from `source`: (where, address).
fn advertised(
    source: Option<IpAddr>,
    peer: Option<IpAddr>,
    via: Option<&str>,
    contact: Option<&str>,
    sdp: Option<&str>,
) -> Vec<(&'static str, IpAddr)> {
    let peer_public = peer.is_some_and(|p| !is_private(p) && !p.is_loopback());
    let mut out = Vec::new();
    for (place, value) in [("Via", via), ("Contact", contact), ("SDP c=", sdp)] {
        if let Some(ip) = value.and_then(host_ip) {
            if is_private(ip) && (Some(ip) != source || peer_public) {
                out.push((place, ip));
            }
        }
    }
    out
}

fn list(places: &[(&'static str, IpAddr)]) -> String {
    places
        .iter()
        .map(|(p, ip)| format!("{p} {ip}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn call(c: &CallRecord, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    {
        let source = Some(c.caller.ip());
        let sdp_addr = c
            .sdp
            .iter()
            .find(|e| e.by == Side::Caller)
            .and_then(|e| e.sdp.media.iter().find_map(|m| m.address.clone()));
        let places = advertised(
            source,
            Some(c.callee.ip()),
            c.caller_via.as_deref(),
            c.caller_contact.as_deref(),
            sdp_addr.as_deref(),
        );
        if places.is_empty() {
            return;
        }
        let invite = super::frames_of_method(c, Method::Invite)
            .into_iter()
            .next();
        let src = c.caller.ip().to_string();
        let (consequence, severity, more) = match c.final_status {
            Some(code @ (403 | 488 | 606)) => (
                txt!(
                    lang,
                    format!(" The call was then rejected with {code}: providers refuse requests whose addresses cannot be reached."),
                    format!(" Der Anruf wurde danach mit {code} abgelehnt: Provider weisen Anfragen mit unerreichbaren Adressen ab.")
                ),
                Severity::Error,
                super::frames_of_status(c, code),
            ),
            _ if c.media.one_way => (
                txt!(
                    lang,
                    " Audio then flowed in one direction only: the far end sends its media to the private address, which no router delivers.".to_string(),
                    " Danach floss Audio nur in eine Richtung: die Gegenseite schickt ihre Medien an die private Adresse, die kein Router zustellt.".to_string()
                ),
                Severity::Error,
                Vec::new(),
            ),
            _ => (String::new(), Severity::Warning, Vec::new()),
        };
        out.push(
            Finding::new("nat-private-address", severity)
                .call(c)
                .text(
                    txt!(
                        lang,
                        format!("The caller advertises its LAN address ({})", list(&places)),
                        format!("Der Anrufer gibt seine LAN-Adresse an ({})", list(&places))
                    ),
                    txt!(
                        lang,
                        format!(
                            "The INVITE went from {src} to {}, and names {} as where to reach the caller. That is a private address: the device sits behind NAT and writes its own network's address into its messages, which the far end cannot reach.{consequence}",
                            c.callee,
                            list(&places)
                        ),
                        format!(
                            "Das INVITE ging von {src} an {} und nennt {} als Adresse des Anrufers. Das ist eine private Adresse: das Gerät steht hinter NAT und schreibt die Adresse seines eigenen Netzes in seine Nachrichten, die die Gegenseite nicht erreichen kann.{consequence}",
                            c.callee,
                            list(&places)
                        )
                    ),
                    txt!(
                        lang,
                        "Turn on STUN or an outbound proxy on the device, disable the router's SIP ALG if it rewrites badly, or use an SBC or provider that sends back to the source address (rport, symmetric RTP).".to_string(),
                        "STUN oder einen Outbound-Proxy am Gerät einschalten, ein fehlerhaftes SIP-ALG im Router abschalten, oder einen SBC/Provider nutzen, der an die Absenderadresse zurücksendet (rport, symmetrisches RTP).".to_string()
                    ),
                )
                .evidence(invite.into_iter().chain(more)),
        );
    }
}

pub fn registration(r: &Registration, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    {
        let source = Some(r.source.ip());
        let places = advertised(
            source,
            Some(r.registrar.ip()),
            r.via.as_deref(),
            r.contact.as_deref(),
            None,
        );
        if places.is_empty() {
            return;
        }
        let first = r.messages.first().map(|m| m.frame);
        let rejected = r.final_status.is_some_and(|s| s == 403);
        let f = Finding::new(
            "nat-private-address",
            if rejected {
                Severity::Error
            } else {
                Severity::Warning
            },
        )
        .text(
            txt!(
                lang,
                format!("{} registers with its LAN address ({})", r.aor, list(&places)),
                format!("{} registriert sich mit seiner LAN-Adresse ({})", r.aor, list(&places))
            ),
            txt!(
                lang,
                format!(
                    "The REGISTER came from {}, but its binding points to {}. Calls to this account will be sent where they cannot arrive unless the registrar uses the source address.",
                    r.source,
                    list(&places)
                ),
                format!(
                    "Das REGISTER kam von {}, die Bindung zeigt aber auf {}. Anrufe an dieses Konto gehen dorthin, wo sie nicht ankommen, außer der Registrar nutzt die Absenderadresse.",
                    r.source,
                    list(&places)
                )
            ),
            txt!(
                lang,
                "Turn on STUN, an outbound proxy or NAT keep-alives on the device; check the router's SIP ALG.".to_string(),
                "STUN, einen Outbound-Proxy oder NAT-Keep-alives am Gerät einschalten; das SIP-ALG des Routers prüfen.".to_string()
            ),
        );
        out.push(f.registration(r).evidence(first));
    }
}
