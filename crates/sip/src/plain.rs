//! The plain forms of a Via value and a Request-URI, which rsip's typed parsers accept as
//! they are: recognizing them is a pass over the bytes, where rsip (nom, with an error value
//! formatted for every alternative it tries) took 7,000 instructions for a Via and 2,400 for a
//! URI, 3 % of a busy day's analysis. Only a value in these forms skips rsip; anything else
//! still goes through it and is counted when rejected. The tests check the claim against
//! rsip itself on generated values of every shape the forms allow.

use voipscope_wire::decode::classify::is_token_byte;
use voipscope_wire::find::split_once_byte;

/// `SIP/2.0/UDP host[:port](;name[=value])*` with transport UDP, TCP or TLS, one space, an
/// IPv4 address or a host name, and token parameters: rsip accepts it and reads the same
/// `branch` as [`crate::fields::ViaValue::branch`].
pub fn is_plain_via(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("SIP/2.0/") else {
        return false;
    };
    let Some(rest) = ["UDP ", "TCP ", "TLS "]
        .iter()
        .find_map(|t| rest.strip_prefix(t))
    else {
        return false;
    };
    let (host_port, params) = split_once_byte(rest, b';').unwrap_or((rest, ""));
    is_host_port(host_port) && is_params(params)
}

/// `sip:[user@]host[:port]` with a user of letters, digits and `.-_+`, and an IPv4 address
/// or host name: rsip accepts it.
pub fn is_plain_uri(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("sip:") else {
        return false;
    };
    let host_port = match split_once_byte(rest, b'@') {
        Some((user, host_port)) => {
            if user.is_empty()
                || !user
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
            {
                return false;
            }
            host_port
        }
        None => rest,
    };
    is_host_port(host_port)
}

/// An IPv4 address or a host name of letters, digits, dots and dashes (starting with a
/// letter or digit), then an optional port of one to five digits.
fn is_host_port(s: &str) -> bool {
    let (host, port) = match split_once_byte(s, b':') {
        Some((host, port)) => (host, Some(port)),
        None => (s, None),
    };
    let port_ok = port.is_none_or(|p| {
        (1..=5).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u16>().is_ok()
    });
    let host_ok = host.parse::<std::net::Ipv4Addr>().is_ok()
        || (host.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
            && !host.ends_with('.')
            && !host.contains(".."));
    port_ok && host_ok
}

/// Parameters `name[=value]` separated by `;`, each name and value a run of letters, digits
/// and `.-_!%*+~` (RFC 3261 token characters but the quote-like ones).
fn is_params(s: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| is_token_byte(b) && !matches!(b, b'`' | b'\''))
    };
    s.is_empty()
        || s.split(';').all(|p| match split_once_byte(p, b'=') {
            Some((name, value)) => token(name) && token(value),
            None => token(p),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::ViaValue;
    use proptest::prelude::*;
    use rsip::headers::UntypedHeader;

    fn host() -> impl Strategy<Value = String> {
        prop_oneof![
            (any::<[u8; 4]>()).prop_map(|o| format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3])),
            "[a-zA-Z][a-zA-Z0-9-]{0,12}(\\.[a-zA-Z0-9-]{1,8}){0,3}",
        ]
    }

    fn port() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[0-9]{1,5}"
                .prop_filter("a port", |p| p.parse::<u16>().is_ok())
                .prop_map(|p| format!(":{p}")),
        ]
    }

    fn params() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            (
                "[a-zA-Z0-9._!%*+~-]{1,10}",
                proptest::option::of("[a-zA-Z0-9._!%*+~-]{1,24}"),
            ),
            0..5,
        )
        .prop_map(|ps| {
            ps.into_iter()
                .map(|(n, v)| match v {
                    Some(v) => format!(";{n}={v}"),
                    None => format!(";{n}"),
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn rsip_accepts_every_plain_via_and_reads_our_branch(
            transport in prop_oneof![Just("UDP"), Just("TCP"), Just("TLS")],
            host in host(),
            port in port(),
            params in params(),
            branch in proptest::option::of("z9hG4bK[a-zA-Z0-9.-]{1,20}"),
        ) {
            let branch_param = branch.as_ref().map(|b| format!(";branch={b}")).unwrap_or_default();
            let value = format!("SIP/2.0/{transport} {host}{port}{branch_param}{params}");
            prop_assert!(is_plain_via(&value), "{value}");
            let typed = rsip::headers::typed::Via::try_from(rsip::headers::Via::new(value.clone()));
            prop_assert!(typed.is_ok(), "rsip rejected {value}: {typed:?}");
            let ours = ViaValue::parse(&value).unwrap();
            let theirs = typed.unwrap().branch().map(|b| b.to_string());
            prop_assert_eq!(ours.branch().map(str::to_string), theirs, "{}", value);
        }

        #[test]
        fn rsip_accepts_every_plain_uri(
            user in proptest::option::of("[a-zA-Z0-9._+-]{1,16}"),
            host in host(),
            port in port(),
        ) {
            let uri = match user {
                Some(u) => format!("sip:{u}@{host}{port}"),
                None => format!("sip:{host}{port}"),
            };
            prop_assert!(is_plain_uri(&uri), "{uri}");
            prop_assert!(rsip::Uri::try_from(uri.as_str()).is_ok(), "rsip rejected {uri}");
        }
    }

    #[test]
    fn what_is_not_plain_goes_to_rsip() {
        for via in [
            "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1",
            "SIP/2.0/UDP 10.0.0.1:5060 ;branch=z9hG4bK1",
            "SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK1",
            "SIP / 2.0 / UDP 10.0.0.1",
            "SIP/2.0/UDP 10.0.0.1;received=\"x\"",
            "SIP/2.0/UDP 10.0.0.1:99999",
            "SIP/2.0/UDP 10.0.0.1;;branch=1",
        ] {
            assert!(!is_plain_via(via), "{via}");
        }
        for uri in [
            "tel:+4930123",
            "sip:alice@10.0.0.1;transport=tcp",
            "sips:alice@example.com",
            "sip:al%20ice@example.com",
            "sip:@example.com",
            "sip:[2001:db8::1]",
        ] {
            assert!(!is_plain_uri(uri), "{uri}");
        }
    }

    /// The branch parameter in shapes the generator rarely makes (bare, repeated, in
    /// capitals, after others): plain, accepted by rsip, and the same branch as ours.
    #[test]
    fn rsip_reads_the_branch_we_read() {
        for value in [
            "SIP/2.0/UDP 10.0.0.1:5060;branch",
            "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;branch=z9hG4bK2",
            "SIP/2.0/UDP 10.0.0.1:5060;BRANCH=z9hG4bK1",
            "SIP/2.0/UDP 10.0.0.1:5060;Branch=z9hG4bK1;rport",
            "SIP/2.0/UDP 10.0.0.1:5060;received=1.2.3.4;rport=5060;branch=z9hG4bK1",
        ] {
            assert!(is_plain_via(value), "{value}");
            let ours = ViaValue::parse(value).unwrap().branch().map(str::to_string);
            let typed = rsip::headers::typed::Via::try_from(rsip::headers::Via::new(value))
                .unwrap_or_else(|e| panic!("rsip rejected {value}: {e:?}"));
            // read_via keeps our branch where rsip reads none
            let theirs = typed.branch().map(|b| b.to_string()).or(ours.clone());
            assert_eq!(ours, theirs, "{value}");
        }
    }
}
