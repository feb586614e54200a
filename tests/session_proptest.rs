//! Property tests: every session-string format round-trips what it carries,
//! `decode_any` recognises what each encoder writes, and no input makes a
//! decoder panic.

use mtgo_storage::session_string::{SessionFormat, decode, decode_any, encode};
use mtgo_storage::{AuthKey, Session};
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

fn key() -> impl Strategy<Value = AuthKey> {
    prop::collection::vec(any::<u8>(), 256).prop_map(AuthKey::new)
}

/// IPv4, IPv6, or a host name. The one IPv6 shape left out is a first group
/// of 14 (`e::/16`, unassigned): a Telethon string with it is also a valid
/// GramJS string with a 14-byte address, and is read as GramJS reads it.
fn address(host_names: bool) -> BoxedStrategy<String> {
    let v4 = any::<u32>().prop_map(|n| Ipv4Addr::from(n).to_string());
    let v6 = (
        any::<u16>().prop_filter("e::/16", |g| *g != 14),
        any::<[u16; 7]>(),
    )
        .prop_map(|(first, rest)| {
            Ipv6Addr::new(
                first, rest[0], rest[1], rest[2], rest[3], rest[4], rest[5], rest[6],
            )
            .to_string()
        });
    if host_names {
        prop_oneof![v4, v6, "[a-z][a-z0-9-]{2,40}\\.[a-z]{2,6}"].boxed()
    } else {
        prop_oneof![v4, v6].boxed()
    }
}

/// A server port: never 0, which a [`Session`] uses for "no port" and every
/// decoder refuses.
fn port() -> std::ops::RangeInclusive<u16> {
    1..=u16::MAX
}

fn known_dc() -> impl Strategy<Value = i32> {
    prop_oneof![1..=5i32, Just(203)]
}

/// A session of the formats that keep the DC but not its address (Pyrogram,
/// MTKruto): decoding fills the address from the DC table.
fn with_table_address(
    ((k, test_mode, is_bot), dc, api_id, user_id): ((AuthKey, bool, bool), i32, i32, i64),
) -> Session {
    let mut s = Session {
        dc,
        api_id,
        test_mode,
        user_id,
        is_bot,
        auth_key: Some(k),
        ..Session::default()
    };
    if let Some(a) = mtgo_storage::session_string::dc_table::lookup(dc, test_mode) {
        s.addr = a.ipv4.into();
        s.port = a.port;
    }
    s
}

/// A session holding exactly the fields `format` carries.
fn session_for(format: SessionFormat) -> BoxedStrategy<Session> {
    let base = (key(), any::<bool>(), any::<bool>());
    match format {
        SessionFormat::Telethon => (key(), any::<u8>(), address(false), port())
            .prop_filter("telethon drops all-zero keys", |(k, ..)| {
                k.as_bytes().iter().any(|&b| b != 0)
            })
            .prop_map(|(k, dc, addr, port)| Session {
                dc: dc.into(),
                addr,
                port,
                auth_key: Some(k),
                ..Session::default()
            })
            .boxed(),
        SessionFormat::GramJs => (key(), any::<u8>(), address(true), 1..=32767u16)
            .prop_map(|(k, dc, addr, port)| Session {
                dc: dc.into(),
                addr,
                port,
                auth_key: Some(k),
                ..Session::default()
            })
            .boxed(),
        SessionFormat::Pyrogram => (base, known_dc(), 1..=i32::MAX, 1..=i64::MAX)
            .prop_map(with_table_address)
            .boxed(),
        SessionFormat::MtKruto => (base, known_dc(), any::<i32>(), any::<i64>())
            .prop_filter("MTKruto needs api_id and user_id", |(_, _, a, u)| {
                *a != 0 && *u != 0
            })
            .prop_map(with_table_address)
            .boxed(),
        SessionFormat::Mtcute => (base, any::<u8>(), address(true), port(), any::<i64>())
            .prop_map(
                |((k, test_mode, is_bot), dc, addr, port, user_id)| Session {
                    dc: dc.into(),
                    addr,
                    port,
                    test_mode,
                    user_id,
                    is_bot: is_bot && user_id != 0,
                    auth_key: Some(k),
                    ..Session::default()
                },
            )
            .boxed(),
        SessionFormat::Gogram => (key(), 0..=i32::MAX, address(true), port(), any::<i32>())
            .prop_map(|(k, dc, addr, port, api_id)| Session {
                dc,
                addr,
                port,
                api_id,
                auth_key: Some(k),
                ..Session::default()
            })
            .boxed(),
        SessionFormat::Gotgproto => (key(), 0..=i32::MAX, address(true), port(), any::<bool>())
            .prop_map(|(k, dc, addr, port, test_mode)| Session {
                dc,
                addr,
                port,
                test_mode,
                auth_key: Some(k),
                ..Session::default()
            })
            .boxed(),
        other => unreachable!("no strategy for {other}"),
    }
}

fn any_format_session() -> impl Strategy<Value = (SessionFormat, Session)> {
    prop::sample::select(SessionFormat::ALL.to_vec())
        .prop_flat_map(|f| session_for(f).prop_map(move |s| (f, s)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// encode then decode gives the session back, and decode_any names the
    /// format.
    #[test]
    fn every_format_round_trips((format, session) in any_format_session()) {
        let s = encode(&session, format).unwrap();
        prop_assert_eq!(&decode(&s, format).unwrap(), &session);
        let (detected, back) = decode_any(&s).unwrap();
        prop_assert_eq!(detected, format);
        prop_assert_eq!(&back, &session);
        // White space around it changes nothing.
        prop_assert_eq!(decode_any(&format!(" \n{s}\t ")).unwrap(), (format, session));
    }

    /// Any text: an error or a session, never a panic.
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,600}") {
        let _ = decode_any(&s);
        for f in SessionFormat::ALL {
            let _ = decode(&s, f);
        }
    }

    /// Valid strings with one character changed, inserted or removed.
    #[test]
    fn mutated_strings_never_panic(
        (format, session) in any_format_session(),
        pos in any::<prop::sample::Index>(),
        c in prop::sample::select(b"AZaz09-_+/=1{} :".to_vec()),
        op in 0..3u8,
    ) {
        let mut s = encode(&session, format).unwrap().into_bytes();
        let i = pos.index(s.len());
        match op {
            0 => s[i] = c,
            1 => s.insert(i, c),
            _ => { s.remove(i); }
        }
        let s = String::from_utf8(s).unwrap();
        let _ = decode_any(&s);
        for f in SessionFormat::ALL {
            let _ = decode(&s, f);
        }
    }

    /// Arbitrary bytes in each format's base64 alphabet.
    #[test]
    fn arbitrary_base64_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400), prefix in prop::sample::select(vec!["", "1", "1BvE", "1BvX"])) {
        use base64::Engine;
        for s in [
            format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes)),
            format!("{prefix}{}", base64::engine::general_purpose::STANDARD.encode(&bytes)),
        ] {
            let _ = decode_any(&s);
            for f in SessionFormat::ALL {
                let _ = decode(&s, f);
            }
        }
    }
}
