//! Diagnosis: findings that say in plain words why a call failed or how it went wrong, each
//! with the frames that show it and what to check. Each rule is a module of its own that reads
//! the finished analysis (calls, registrations, streams, capture counters) and never the
//! packets; the findings are sorted most important first.

pub mod auth;
pub mod capture;
pub mod codec;
pub mod media;
pub mod nat;
pub mod one_call;
pub mod register_source;
pub mod response;
pub mod sdp;
pub mod timeout;
pub mod visibility;

use std::net::IpAddr;

use serde::Serialize;

use crate::sip::status::Lang;
use crate::sip::Call;
use crate::Analysis;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The call or registration failed, or will.
    Error,
    /// It worked, but something is wrong (one-way audio, loss, NAT).
    Warning,
    /// Context worth knowing (encrypted media, hold, a normal cancel).
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The rule that found it, e.g. `nat-private-address`.
    pub id: &'static str,
    pub severity: Severity,
    pub call_id: Option<String>,
    pub call_number: Option<usize>,
    /// 1-based stream number, for media findings.
    pub stream: Option<usize>,
    pub title: String,
    pub explanation: String,
    /// Frame numbers that show it.
    pub evidence: Vec<u64>,
    pub suggestion: String,
}

impl Finding {
    pub(crate) fn new(id: &'static str, severity: Severity) -> Finding {
        Finding {
            id,
            severity,
            call_id: None,
            call_number: None,
            stream: None,
            title: String::new(),
            explanation: String::new(),
            evidence: Vec::new(),
            suggestion: String::new(),
        }
    }

    pub(crate) fn call(mut self, c: &Call) -> Finding {
        self.call_id = Some(c.call_id.clone());
        self.call_number = Some(c.number);
        self
    }

    /// Ties the finding to a stream: `index` into `Analysis::streams`, shown 1-based.
    pub(crate) fn stream(mut self, index: usize) -> Self {
        self.stream = Some(index + 1);
        self
    }

    /// Ties the finding to a stream and to the call the stream belongs to, if any.
    pub(crate) fn stream_and_its_call(self, a: &crate::Analysis, index: usize) -> Self {
        let call = a
            .streams
            .get(index)
            .and_then(|s| s.call_number)
            .and_then(|n| a.call_by_number(n));
        let f = self.stream(index);
        match call {
            Some(c) => f.call(c),
            None => f,
        }
    }

    pub(crate) fn text(mut self, title: String, explanation: String, suggestion: String) -> Self {
        self.title = title;
        self.explanation = explanation;
        self.suggestion = suggestion;
        self
    }

    pub(crate) fn evidence(mut self, frames: impl IntoIterator<Item = u64>) -> Self {
        self.evidence.extend(frames);
        self.evidence.sort_unstable();
        self.evidence.dedup();
        self
    }
}

/// Picks the text of the output language.
macro_rules! txt {
    ($lang:expr, $en:expr, $de:expr) => {
        match $lang {
            $crate::sip::status::Lang::En => $en,
            $crate::sip::status::Lang::De => $de,
        }
    };
}
pub(crate) use txt;

/// An address a device can only have on its own network: RFC 1918, shared address space
/// (RFC 6598, carrier-grade NAT), link-local, IPv6 unique-local and link-local.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private() || v4.is_link_local() || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments()[0];
            (s & 0xfe00) == 0xfc00 || (s & 0xffc0) == 0xfe80
        }
    }
}

/// The host of `host`, `host:port`, `[v6]:port`, or a SIP URI (`sip:user@host:port;params`).
pub fn host_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_start_matches('<').trim_end_matches('>');
    let s = s
        .strip_prefix("sips:")
        .or_else(|| s.strip_prefix("sip:"))
        .unwrap_or(s);
    let s = s.rsplit_once('@').map_or(s, |(_, h)| h);
    let s = s.split([';', '?', '>']).next().unwrap_or(s);
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    s.rsplit_once(':').and_then(|(h, _)| h.parse().ok())
}

/// Every rule over the analysis, most important first.
pub fn diagnose(a: &Analysis, lang: Lang) -> Vec<Finding> {
    use rayon::prelude::*;
    type Rule = fn(&Analysis, Lang, &mut Vec<Finding>);
    const RULES: [Rule; 11] = [
        response::run,
        nat::run,
        register_source::run,
        one_call::run,
        codec::run,
        auth::run,
        timeout::run,
        media::run,
        visibility::run,
        capture::run,
        sdp::run,
    ];
    // the rules read the analysis only, so they run at once; their findings are joined in
    // rule order and then sorted (stably), as one after the other would leave them
    let mut out: Vec<Finding> = RULES
        .par_iter()
        .map(|rule| {
            let mut found = Vec::new();
            rule(a, lang, &mut found);
            found
        })
        .collect::<Vec<_>>()
        .concat();
    out.sort_by(|x, y| {
        (
            x.severity,
            x.call_number.unwrap_or(usize::MAX),
            x.id,
            x.stream,
        )
            .cmp(&(
                y.severity,
                y.call_number.unwrap_or(usize::MAX),
                y.id,
                y.stream,
            ))
    });
    out
}

/// Frames of the call's messages with this label prefix (`INVITE`, `486`), repeats included.
pub(crate) fn frames_of(c: &Call, label: &str) -> Vec<u64> {
    c.messages
        .iter()
        .filter(|m| m.label == label || m.label.starts_with(&format!("{label} ")))
        .map(|m| m.frame)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses() {
        for a in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.178.20",
            "100.64.1.1",
            "169.254.3.4",
            "fd00::1",
            "fe80::1",
        ] {
            assert!(is_private(a.parse().unwrap()), "{a}");
        }
        for a in ["203.0.113.7", "100.128.0.1", "8.8.8.8", "2001:db8::1"] {
            assert!(!is_private(a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(host_ip("192.168.1.20:5060"), "192.168.1.20".parse().ok());
        assert_eq!(
            host_ip("sip:alice@192.168.1.20:5060;transport=udp"),
            "192.168.1.20".parse().ok()
        );
        assert_eq!(
            host_ip("<sip:alice@[fd00::5]:5060>"),
            "fd00::5".parse().ok()
        );
        assert_eq!(host_ip("10.0.0.1"), "10.0.0.1".parse().ok());
        assert_eq!(host_ip("sip:alice@example.com"), None);
    }
}
