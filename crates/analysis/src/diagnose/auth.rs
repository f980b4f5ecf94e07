//! Rule 6: authentication. A 401/407 never answered with credentials (none configured), a
//! retry challenged again or answered 403 (wrong password or user name), a challenge loop,
//! and a stale nonce.

use super::{txt, Ctx, Finding, Severity};
use voipscope_sip::status::Lang;
use voipscope_sip::Method;
use voipscope_sip::{Call, CallState, Registration, RegistrationState};

/// Challenges beyond which the exchange is a loop, not a retry.
pub const LOOP_CHALLENGES: u32 = 3;

fn texts(
    lang: Lang,
    what: &str,
    attempts: u32,
    challenges: u32,
    final_status: Option<u16>,
) -> Option<(&'static str, String, String, String)> {
    let fin = final_status.unwrap_or(0);
    if challenges >= LOOP_CHALLENGES && matches!(fin, 401 | 407) {
        return Some((
            "auth-challenge-loop",
            txt!(lang, format!("{what}: challenged {challenges} times in a row"), format!("{what}: {challenges}-mal hintereinander zur Anmeldung aufgefordert")),
            txt!(lang, format!("Every {what} with credentials was challenged again ({attempts} attempts). The credentials are refused each time: wrong password, wrong user or realm, or a nonce the device keeps reusing."), format!("Jedes {what} mit Zugangsdaten wurde erneut zurückgewiesen ({attempts} Versuche). Die Zugangsdaten werden jedes Mal abgelehnt: falsches Passwort, falscher Benutzer oder Realm, oder eine wiederverwendete Nonce.")),
            txt!(lang, "Check user name, authentication user and password on the device against the provider's data.".to_string(), "Benutzername, Authentifizierungsname und Passwort am Gerät mit den Daten des Providers vergleichen.".to_string()),
        ));
    }
    if challenges >= 1 && attempts <= 1 && matches!(fin, 401 | 407) {
        return Some((
            "auth-not-answered",
            txt!(lang, format!("{what} challenged ({fin}) and never sent again with credentials"), format!("{what} zur Anmeldung aufgefordert ({fin}) und nie mit Zugangsdaten wiederholt")),
            txt!(lang, format!("The server asked for credentials with {fin}; the device gave up instead of answering the challenge. It has no credentials for this realm, or the user/realm does not match."), format!("Der Server verlangte mit {fin} Zugangsdaten; das Gerät gab auf, statt zu antworten. Es hat keine Zugangsdaten für diesen Realm, oder Benutzer/Realm passen nicht.")),
            txt!(lang, "Configure the account's authentication user and password on the device (and the realm if it asks for one).".to_string(), "Authentifizierungsnamen und Passwort des Kontos am Gerät eintragen (und den Realm, falls verlangt).".to_string()),
        ));
    }
    if challenges >= 1 && attempts >= 2 && matches!(fin, 401 | 403 | 407) {
        return Some((
            "auth-rejected",
            txt!(lang, format!("{what} with credentials rejected ({fin})"), format!("{what} mit Zugangsdaten abgelehnt ({fin})")),
            txt!(lang, format!("The device answered the challenge and the server still said {fin}: the password or user name is wrong, the account is locked, or the device is not allowed from this address."), format!("Das Gerät beantwortete die Aufforderung und der Server sagte trotzdem {fin}: Passwort oder Benutzername sind falsch, das Konto ist gesperrt oder das Gerät ist von dieser Adresse aus nicht zugelassen.")),
            txt!(lang, "Check the password and the authentication user; look at the server's log for this Call-ID (locked accounts, IP restrictions).".to_string(), "Passwort und Authentifizierungsnamen prüfen; im Log des Servers zu dieser Call-ID nachsehen (Sperren, IP-Beschränkungen).".to_string()),
        ));
    }
    None
}

pub fn call(c: &Call, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    {
        if c.state != CallState::Rejected {
            return;
        }
        if let Some((id, title, explanation, suggestion)) = texts(
            lang,
            "INVITE",
            c.invite_attempts,
            c.auth_challenges,
            c.final_status,
        ) {
            let frames: Vec<u64> = c
                .messages
                .iter()
                .filter(|m| {
                    matches!(m.status, Some(401 | 403 | 407)) || m.method == Some(Method::Invite)
                })
                .map(|m| m.frame)
                .collect();
            out.push(
                Finding::new(id, Severity::Error)
                    .call(c)
                    .text(title, explanation, suggestion)
                    .evidence(frames),
            );
        }
    }
}

pub fn registration(r: &Registration, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    {
        let frames: Vec<u64> = r
            .messages
            .iter()
            .filter(|m| {
                matches!(m.status, Some(401 | 403 | 407)) || m.method == Some(Method::Register)
            })
            .map(|m| m.frame)
            .collect();
        if r.state == RegistrationState::RegisterFailed {
            if let Some((id, title, explanation, suggestion)) =
                texts(lang, "REGISTER", r.attempts, r.challenges, r.final_status)
            {
                let f = Finding::new(id, Severity::Error)
                    .registration(r)
                    .text(format!("{}: {title}", r.aor), explanation, suggestion)
                    .evidence(frames.clone());
                out.push(f);
            }
        }
        if r.stale_nonce {
            let f = Finding::new("auth-stale-nonce", Severity::Info)
                .registration(r)
                .text(
                    txt!(lang, format!("{}: the server said the nonce was stale", r.aor), format!("{}: der Server meldete eine veraltete Nonce", r.aor)),
                    txt!(lang, "A challenge carried stale=TRUE: the credentials were right but computed with an expired nonce. The device should simply retry with the new one.".to_string(), "Eine Aufforderung trug stale=TRUE: die Zugangsdaten stimmten, waren aber mit einer abgelaufenen Nonce berechnet. Das Gerät sollte mit der neuen einfach wiederholen.".to_string()),
                    txt!(lang, "Nothing to fix unless the device fails to retry.".to_string(), "Nichts zu tun, solange das Gerät erneut sendet.".to_string()),
                )
                .evidence(frames);
            out.push(f);
        }
    }
}
