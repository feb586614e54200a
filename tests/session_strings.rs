//! Session strings against reference vectors, in both directions:
//! tests/data/session_strings.json (Telethon 1.45.0, Pyrogram 2.0.106 and
//! 1.4.16, GramJS 2.26.22) and tests/data/js_vectors.json (mtcute 0.29.7,
//! MTKruto's older form via @mtcute/convert), plus hand-built gogram,
//! gotgproto and current MTKruto strings following their source; format
//! detection and errors.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use mtgo_storage::session_string::{
    self, SessionFormat, decode, decode_any, encode, gramjs, pyrogram, telethon,
};
use mtgo_storage::{AuthKey, Error, Session};
use serde_json::Value;

fn data(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn key_of(v: &Value) -> AuthKey {
    AuthKey::new(hex::decode(v.as_str().unwrap()).unwrap())
}

fn key_a() -> AuthKey {
    AuthKey::new((0..=255u8).collect::<Vec<u8>>())
}

fn i64_of(v: &Value) -> i64 {
    v.as_i64().unwrap()
}

/// Every vector of session_strings.json: our encoder writes the library's
/// exact string, and our decoder reads the library's inputs back.
#[test]
fn python_and_gramjs_vectors_in_both_directions() {
    let json = data("session_strings.json");
    let mut checked = 0;
    for v in json["vectors"].as_array().unwrap() {
        let format = v["format"].as_str().unwrap();
        let inputs = &v["inputs"];
        let string = v["string"].as_str().unwrap();
        let mut session = Session {
            dc: i64_of(&inputs["dc_id"]) as i32,
            ..Session::default()
        };
        if !inputs["auth_key"].is_null() {
            session.auth_key = Some(key_of(&inputs["auth_key"]["hex"]));
        }
        let (expect_format, decoded) = if format.starts_with("telethon") {
            session.addr = inputs["server_address"].as_str().unwrap().into();
            session.port = i64_of(&inputs["port"]) as u16;
            if format == "telethon-empty" {
                assert_eq!(string, "");
                match encode(&session, SessionFormat::Telethon) {
                    Err(Error::MissingField {
                        format: "telethon",
                        field: "auth_key",
                    }) => {}
                    other => panic!("expected MissingField, got {other:?}"),
                }
                checked += 1;
                continue;
            }
            assert_eq!(encode(&session, SessionFormat::Telethon).unwrap(), string);
            (SessionFormat::Telethon, telethon::decode(string).unwrap())
        } else if format.starts_with("pyrogram") {
            session.test_mode = inputs["test_mode"].as_bool().unwrap();
            session.user_id = i64_of(&inputs["user_id"]);
            session.is_bot = inputs["is_bot"].as_bool().unwrap();
            let layout = if format.starts_with("pyrogram-v2") {
                session.api_id = i64_of(&inputs["api_id"]) as i32;
                pyrogram::Layout::Current
            } else if format.starts_with("pyrogram-old-32") {
                pyrogram::Layout::Old32
            } else {
                assert!(format.starts_with("pyrogram-old-64"), "{format}");
                pyrogram::Layout::Old64
            };
            assert_eq!(
                pyrogram::encode_layout(&session, layout).unwrap(),
                string,
                "{format}"
            );
            if layout == pyrogram::Layout::Current && session.api_id != 0 {
                assert_eq!(encode(&session, SessionFormat::Pyrogram).unwrap(), string);
            } else if layout == pyrogram::Layout::Current {
                // Pyrogram exports api_id 0; our checked encoder calls it missing.
                assert!(matches!(
                    encode(&session, SessionFormat::Pyrogram),
                    Err(Error::MissingField {
                        format: "pyrogram",
                        field: "api_id"
                    })
                ));
            }
            let (got_layout, decoded) = pyrogram::decode_with_layout(string).unwrap();
            assert_eq!(got_layout, layout, "{format}");
            // Pyrogram strings carry no address: it comes from the DC table,
            // except for test DC 4, which is in no table.
            let expected = session_string::dc_table::lookup(session.dc, session.test_mode);
            assert_eq!(
                (decoded.addr.as_str(), decoded.port),
                expected.map_or(("", 0), |a| (a.ipv4, a.port)),
                "{format}"
            );
            session.addr = decoded.addr.clone();
            session.port = decoded.port;
            (SessionFormat::Pyrogram, decoded)
        } else {
            assert_eq!(format, "gramjs-string-v1");
            session.addr = inputs["server_address"].as_str().unwrap().into();
            session.port = i64_of(&inputs["port"]) as u16;
            assert_eq!(encode(&session, SessionFormat::GramJs).unwrap(), string);
            (SessionFormat::GramJs, gramjs::decode(string).unwrap())
        };
        assert_eq!(decoded, session, "{format}: {string}");
        assert_eq!(decode(string, expect_format).unwrap(), session, "{format}");
        let (detected, via_any) = decode_any(string).unwrap();
        assert_eq!(detected, expect_format, "{format}: {string}");
        assert_eq!(via_any, session, "{format}");
        checked += 1;
    }
    assert_eq!(checked, 19, "every vector of session_strings.json");
}

/// mtcute 0.29.7 strings (writeStringSession) both ways, and MTKruto's
/// two-field auth strings (as @mtcute/convert writes them) decoded.
#[test]
fn mtcute_and_mtkruto_js_vectors() {
    let json = data("js_vectors.json");
    let mut mtcute = 0;
    let mut mtkruto = 0;
    for v in json["vectors"].as_array().unwrap() {
        let inputs = &v["inputs"];
        let string = v["string"].as_str().unwrap();
        let key = key_of(&inputs["key_hex"]);
        if v["library"] == "mtcute" {
            let main = &inputs["main"];
            let mut session = Session {
                dc: i64_of(&main["id"]) as i32,
                addr: main["ipAddress"].as_str().unwrap().into(),
                port: i64_of(&main["port"]) as u16,
                test_mode: main["testMode"].as_bool().unwrap_or(false),
                auth_key: Some(key),
                ..Session::default()
            };
            if !inputs["self"].is_null() {
                session.user_id = i64_of(&inputs["self"]["userId"]);
                session.is_bot = inputs["self"]["isBot"].as_bool().unwrap();
            }
            if inputs["media"].is_null() {
                assert_eq!(encode(&session, SessionFormat::Mtcute).unwrap(), string);
            }
            assert_eq!(decode(string, SessionFormat::Mtcute).unwrap(), session);
            assert_eq!(
                decode_any(string).unwrap(),
                (SessionFormat::Mtcute, session)
            );
            mtcute += 1;
        } else {
            let dc = i64_of(&inputs["dc"]) as i32;
            let test_mode = inputs["test_mode"].as_bool().unwrap();
            let back = decode(string, SessionFormat::MtKruto).unwrap();
            assert_eq!(
                (back.dc, back.test_mode, back.auth_key.as_ref()),
                (dc, test_mode, Some(&key))
            );
            let table = session_string::dc_table::lookup(dc, test_mode).unwrap();
            assert_eq!((back.addr.as_str(), back.port), (table.ipv4, table.port));
            assert_eq!(decode_any(string).unwrap().0, SessionFormat::MtKruto);
            mtkruto += 1;
        }
    }
    assert_eq!((mtcute, mtkruto), (6, 3));
}

/// The current MTKruto layout, built by hand from MTKruto's
/// `exportAuthString`: string("2") · bytes(key) · api_id i32 LE · is_bot u8 ·
/// user_id i64 LE, zero-run-length encoded, base64url.
#[test]
fn mtkruto_current_layout() {
    let mut raw = vec![1, b'2', 0, 0, 254, 0, 1, 0];
    raw.extend((0..=255u8).collect::<Vec<u8>>());
    raw.extend(12345i32.to_le_bytes());
    raw.push(1);
    raw.extend(7_000_000_000i64.to_le_bytes());
    // zero runs: "2" padding (2), key length 00 01 00, key byte 0, api id's
    // two high bytes, user id's three high bytes.
    let mut rle = Vec::new();
    let mut zeros = 0u8;
    for b in raw {
        if b == 0 {
            zeros += 1;
        } else {
            if zeros > 0 {
                rle.extend([0, zeros]);
                zeros = 0;
            }
            rle.push(b);
        }
    }
    if zeros > 0 {
        rle.extend([0, zeros]);
    }
    let expected = URL_SAFE_NO_PAD.encode(&rle);
    let session = Session {
        dc: 2,
        api_id: 12345,
        user_id: 7_000_000_000,
        is_bot: true,
        auth_key: Some(key_a()),
        addr: "149.154.167.51".into(),
        port: 443,
        ..Session::default()
    };
    assert_eq!(encode(&session, SessionFormat::MtKruto).unwrap(), expected);
    assert_eq!(decode(&expected, SessionFormat::MtKruto).unwrap(), session);
    assert_eq!(decode_any(&expected).unwrap().0, SessionFormat::MtKruto);
}

fn sha1_tail(key: &[u8]) -> Vec<u8> {
    // The auth key id of key A, computed with Python's hashlib:
    // hashlib.sha1(bytes(range(256))).digest()[12:20]
    assert_eq!(key, key_a().as_bytes());
    hex::decode("32d1586ea457dfc8").unwrap()
}

/// gogram's current layout, built by hand from gogram's `StringSession`:
/// "1BvE" + base64url(JSON with Go's field order and std-base64 bytes).
#[test]
fn gogram_layout() {
    let key = key_a();
    let json = format!(
        r#"{{"key":"{}","hash":"{}","dc_id":2,"ip_addr":"149.154.167.51:443","app_id":12345}}"#,
        STANDARD.encode(key.as_bytes()),
        STANDARD.encode(sha1_tail(key.as_bytes()))
    );
    let expected = format!("1BvE{}", URL_SAFE_NO_PAD.encode(&json));
    let session = Session {
        dc: 2,
        api_id: 12345,
        auth_key: Some(key.clone()),
        addr: "149.154.167.51".into(),
        port: 443,
        ..Session::default()
    };
    assert_eq!(encode(&session, SessionFormat::Gogram).unwrap(), expected);
    assert_eq!(
        decode_any(&expected).unwrap(),
        (SessionFormat::Gogram, session.clone())
    );

    // Legacy: key :_: hash :_: ip :_: dc :_: app id, and the older "::".
    for sep in [":_:", "::"] {
        let mut raw = key.as_bytes().to_vec();
        raw.extend(sep.as_bytes());
        raw.extend(sha1_tail(key.as_bytes()));
        raw.extend(format!("{sep}149.154.167.51:443{sep}2{sep}12345").as_bytes());
        let legacy = format!("1BvX{}", URL_SAFE_NO_PAD.encode(raw));
        assert_eq!(
            decode_any(&legacy).unwrap(),
            (SessionFormat::Gogram, session.clone())
        );
    }

    // A hash that does not belong to the key is rejected.
    let bad = json.replace(&STANDARD.encode(sha1_tail(key.as_bytes())), "AAAAAAAAAAA=");
    match decode(
        &format!("1BvE{}", URL_SAFE_NO_PAD.encode(bad)),
        SessionFormat::Gogram,
    ) {
        Err(Error::InvalidSessionString {
            format: "gogram",
            reason,
        }) => {
            assert!(reason.contains("hash"), "{reason}")
        }
        other => panic!("expected an invalid gogram string, got {other:?}"),
    }
}

/// gotgproto's layout, built by hand from gotgproto's
/// `EncodeSessionToString` (json.Encoder adds a newline) around gotd's
/// `session.Loader` JSON.
#[test]
fn gotgproto_layout() {
    let key = key_a();
    let gotd = format!(
        concat!(
            r#"{{"Version":1,"Data":{{"Config":{{"BlockedMode":false,"ForceTryIpv6":false,"Date":0,"#,
            r#""Expires":0,"TestMode":true,"ThisDC":0,"DCOptions":null,"DCTxtDomainName":"","#,
            r#""TmpSessions":0,"WebfileDCID":0}},"DC":2,"Addr":"[2001:67c:4e8:f002::e]:80","#,
            r#""AuthKey":"{}","AuthKeyID":"{}","Salt":0}}}}"#
        ),
        STANDARD.encode(key.as_bytes()),
        STANDARD.encode(sha1_tail(key.as_bytes()))
    );
    let outer = format!(
        "{{\"Version\":1,\"Data\":\"{}\"}}\n",
        STANDARD.encode(&gotd)
    );
    let expected = STANDARD.encode(outer);
    let session = Session {
        dc: 2,
        test_mode: true,
        auth_key: Some(key),
        addr: "2001:67c:4e8:f002::e".into(),
        port: 80,
        ..Session::default()
    };
    assert_eq!(
        encode(&session, SessionFormat::Gotgproto).unwrap(),
        expected
    );
    assert_eq!(
        decode_any(&expected).unwrap(),
        (SessionFormat::Gotgproto, session.clone())
    );
    // gotd's JSON alone, base64-encoded, is accepted too.
    assert_eq!(
        decode(&STANDARD.encode(&gotd), SessionFormat::Gotgproto).unwrap(),
        session
    );
}

fn vector_string(json: &Value, format: &str, library_version: &str) -> String {
    json["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| {
            v["format"].as_str().unwrap().starts_with(format) && v["version"] == library_version
        })
        .unwrap()["string"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A GramJS string and a Telethon IPv6 string have the same length (369);
/// the i16 after the DC id tells them apart, as in GramJS.
#[test]
fn gramjs_and_telethon_ipv6_are_told_apart() {
    let json = data("session_strings.json");
    let gram = vector_string(&json, "gramjs", "2.26.22");
    let tele6 = vector_string(&json, "telethon-ipv6", "1.45.0");
    assert_eq!(gram.len(), tele6.len());
    let (f, s) = decode_any(&gram).unwrap();
    assert_eq!(
        (f, s.addr.as_str()),
        (SessionFormat::GramJs, "149.154.167.51")
    );
    let (f, s) = decode_any(&tele6).unwrap();
    assert_eq!(
        (f, s.addr.as_str()),
        (SessionFormat::Telethon, "2001:67c:4e8:f002::a")
    );
    // GramJS itself reads Telethon strings; so does our GramJS decoder.
    assert_eq!(
        gramjs::decode(&tele6).unwrap(),
        telethon::decode(&tele6).unwrap()
    );
}

#[test]
fn whitespace_and_missing_padding_are_accepted() {
    let json = data("session_strings.json");
    for (format, version, expect) in [
        ("telethon-ipv4", "1.45.0", SessionFormat::Telethon),
        ("telethon-ipv6", "1.45.0", SessionFormat::Telethon),
        ("gramjs", "2.26.22", SessionFormat::GramJs),
        ("pyrogram-v2", "2.0.106", SessionFormat::Pyrogram),
    ] {
        let s = vector_string(&json, format, version);
        let want = decode_any(&s).unwrap();
        assert_eq!(want.0, expect);
        let unpadded = s.trim_end_matches('=');
        let padded = format!("{s}{}", "=".repeat((4 - (s.len() - 1) % 4) % 4));
        for variant in [
            format!("  {s}\n"),
            format!("\t{unpadded}\r\n"),
            unpadded.to_owned(),
        ] {
            assert_eq!(decode_any(&variant).unwrap(), want, "{format}: {variant:?}");
        }
        if format.starts_with("pyrogram") {
            // Pyrogram strings are 362 characters: two `=` make them whole.
            assert_eq!(decode_any(&format!("{s}==")).unwrap(), want);
        } else {
            let _ = padded;
        }
    }
}

/// A current-format Pyrogram string cut to an old format's length is not
/// read as an old string when its bytes do not fit the old layout: the flag
/// bytes, the DC id and the 32-bit user-id rule catch every 356-character
/// cut of the vectors and three of the four 351-character cuts. The fourth
/// (vector 7: a 351-character prefix whose would-be user id 0x03020100 is
/// small and whose flag bytes are 0) is a valid old string byte for byte;
/// nothing in the format tells the two apart, so it is accepted, as
/// Pyrogram accepts it.
#[test]
fn truncated_pyrogram_strings_are_rejected() {
    let json = data("session_strings.json");
    let mut rejected = 0;
    let mut accepted = Vec::new();
    for v in json["vectors"].as_array().unwrap() {
        if !v["format"].as_str().unwrap().starts_with("pyrogram-v2") {
            continue;
        }
        let s = v["string"].as_str().unwrap();
        for len in [356, 351] {
            let cut = &s[..len];
            match (decode(cut, SessionFormat::Pyrogram), decode_any(cut)) {
                (
                    Err(Error::InvalidSessionString {
                        format: "pyrogram", ..
                    }),
                    Err(Error::InvalidSessionString { .. }),
                ) => rejected += 1,
                (Ok(_), Ok((SessionFormat::Pyrogram, _))) => accepted.push(len),
                other => panic!("{cut}: {other:?}"),
            }
        }
        // Cut anywhere else: an error, never a panic.
        for len in (0..s.len()).filter(|l| *l != 351) {
            assert!(decode_any(&s[..len]).is_err(), "{len}");
        }
    }
    assert_eq!((rejected, accepted), (7, vec![351]));
}

#[test]
fn pyrogram_needs_api_id_and_user_id() {
    let mut session = Session {
        dc: 2,
        auth_key: Some(key_a()),
        ..Session::default()
    };
    for (format, first) in [
        (SessionFormat::Pyrogram, "api_id"),
        (SessionFormat::MtKruto, "api_id"),
    ] {
        match encode(&session, format) {
            Err(e @ Error::MissingField { .. }) => {
                let text = e.to_string();
                assert!(
                    text.contains(format.name()) && text.contains(first),
                    "{text}"
                );
            }
            other => panic!("expected MissingField {first}, got {other:?}"),
        }
    }
    session.api_id = 12345;
    for format in [SessionFormat::Pyrogram, SessionFormat::MtKruto] {
        match encode(&session, format) {
            Err(Error::MissingField {
                format: f,
                field: "user_id",
            }) => assert_eq!(f, format.name()),
            other => panic!("expected MissingField user_id, got {other:?}"),
        }
    }
    session.user_id = 1;
    for format in SessionFormat::ALL {
        encode(&session, format).unwrap();
    }
    session.auth_key = None;
    for format in SessionFormat::ALL {
        match encode(&session, format) {
            Err(Error::MissingField {
                field: "auth_key",
                format: f,
            }) => assert_eq!(f, format.name()),
            other => panic!("{format}: expected MissingField auth_key, got {other:?}"),
        }
    }
}

/// Formats with an address take it from the DC table when the session has
/// none; without a table entry it is a missing field.
#[test]
fn address_comes_from_the_dc_table_when_missing() {
    let mut session = Session {
        dc: 4,
        api_id: 1,
        user_id: 1,
        auth_key: Some(key_a()),
        ..Session::default()
    };
    let t = telethon::decode(&encode(&session, SessionFormat::Telethon).unwrap()).unwrap();
    assert_eq!((t.addr.as_str(), t.port), ("149.154.167.91", 443));
    session.test_mode = true;
    for format in [
        SessionFormat::Telethon,
        SessionFormat::GramJs,
        SessionFormat::Mtcute,
        SessionFormat::Gogram,
        SessionFormat::Gotgproto,
    ] {
        match encode(&session, format) {
            Err(Error::MissingField { field: "addr", .. }) => {}
            other => panic!("{format}: expected MissingField addr, got {other:?}"),
        }
    }
}

#[test]
fn bad_input_is_a_typed_error_naming_the_format() {
    let cases: &[(&str, &str)] = &[
        ("", "any"),
        ("   ", "any"),
        ("hello world", "any"),
        ("1", "gramjs"),
        ("1AAAA", "gramjs"),
        ("1!!!!", "gramjs"),
        ("1BvE", "gogram"),
        ("1BvEe30", "gogram"),
        ("1BvXAAAA", "gogram"),
        ("AAAA", "any"),
        ("e30", "any"),
    ];
    for (input, format) in cases {
        match decode_any(input) {
            Err(Error::InvalidSessionString { format: f, reason }) => {
                assert_eq!(&f, format, "{input:?}: {reason}");
                assert!(!reason.is_empty());
            }
            other => panic!("{input:?}: expected an invalid session string, got {other:?}"),
        }
    }
    for format in SessionFormat::ALL {
        match decode("%%%", format) {
            Err(Error::InvalidSessionString { format: f, .. }) => assert_eq!(f, format.name()),
            other => panic!("{format}: {other:?}"),
        }
    }
}

/// Errors never show key bytes: decode a valid string with one byte changed
/// at the end and check the message.
#[test]
fn errors_do_not_leak_the_key() {
    let key_hex = hex::encode(key_a().as_bytes());
    let session = Session {
        dc: 2,
        api_id: 5,
        user_id: 5,
        auth_key: Some(key_a()),
        ..Session::default()
    };
    for format in SessionFormat::ALL {
        let s = encode(&session, format).unwrap();
        let broken = format!("{s}AB");
        if let Err(e) = decode(&broken, format) {
            let text = format!("{e} {e:?}");
            assert!(!text.contains(&key_hex[..16]), "{format}: {text}");
            assert!(
                !text.contains("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"),
                "{format}: {text}"
            );
        }
    }
}

#[test]
fn format_names_round_trip() {
    for format in SessionFormat::ALL {
        assert_eq!(format.to_string().parse::<SessionFormat>().unwrap(), format);
        assert_eq!(
            format
                .name()
                .to_uppercase()
                .parse::<SessionFormat>()
                .unwrap(),
            format
        );
    }
    let names: Vec<String> = SessionFormat::ALL.iter().map(|f| f.to_string()).collect();
    assert_eq!(
        names,
        [
            "telethon",
            "pyrogram",
            "gramjs",
            "mtcute",
            "mtkruto",
            "gogram",
            "gotgproto"
        ]
    );
    assert!(matches!(
        "tdlib".parse::<SessionFormat>(),
        Err(Error::InvalidInput { .. })
    ));
}

/// Converting between every pair keeps what both formats carry; a target
/// that needs a field the source lacks names it.
#[test]
fn convert_between_every_pair() {
    let session = Session {
        dc: 2,
        api_id: 12345,
        user_id: 123456789,
        auth_key: Some(key_a()),
        addr: "149.154.167.51".into(),
        port: 443,
        ..Session::default()
    };
    let carries_user = |f: SessionFormat| {
        matches!(
            f,
            SessionFormat::Pyrogram | SessionFormat::Mtcute | SessionFormat::MtKruto
        )
    };
    let carries_api_id = |f: SessionFormat| {
        matches!(
            f,
            SessionFormat::Pyrogram | SessionFormat::MtKruto | SessionFormat::Gogram
        )
    };
    for from in SessionFormat::ALL {
        let s = encode(&session, from).unwrap();
        for to in SessionFormat::ALL {
            let needs = matches!(to, SessionFormat::Pyrogram | SessionFormat::MtKruto);
            let result = session_string::convert(&s, to);
            if needs && !carries_api_id(from) {
                assert!(
                    matches!(
                        result,
                        Err(Error::MissingField {
                            field: "api_id",
                            ..
                        })
                    ),
                    "{from} -> {to}: {result:?}"
                );
                continue;
            }
            if needs && !carries_user(from) {
                assert!(
                    matches!(
                        result,
                        Err(Error::MissingField {
                            field: "user_id",
                            ..
                        })
                    ),
                    "{from} -> {to}: {result:?}"
                );
                continue;
            }
            let (detected, back) = decode_any(&result.unwrap()).unwrap();
            assert_eq!(detected, to, "{from} -> {to}");
            assert_eq!(
                (
                    back.dc,
                    back.auth_key.as_ref(),
                    back.addr.as_str(),
                    back.port
                ),
                (2, session.auth_key.as_ref(), "149.154.167.51", 443),
                "{from} -> {to}"
            );
        }
    }
}

/// Found by the `decode_any` fuzz target: a Telethon IPv6 string with DC 0
/// and port 0. A session's port 0 means "no port" (encoders put the DC
/// table's port there), so it could not be encoded back as read; every
/// format with a port refuses port 0 when decoding.
#[test]
fn port_zero_is_refused_by_every_format_with_a_port() {
    const FUZZ: &str = "1AAAACA1BvXAz1AIBAvAAXAAAAAAAAACACEAACAAAACACAAAAAACAAACAA1BvXAAAIAA1BvX1AAIAA1BvXAACBvXAACAXA1AAIAA1BvXAACBACACAAAAAACAAACvt/CAA1BvXAAAIAA1BvX1AAIAA1BvXAACBvXCAIAAB1vE1BvX1AAIAA1BvXAAAAAAAAAAAACACEAACAAAACACAAAAAACAAACAA1BvXAAAIAA1BvX1AAIAA1BvXAACBvXAACAXA1AAIAA1AACAAACAA1BvXAAAIAA1BvX1AAIAA1BvXAACBvXAACAXA1AAIAA1BvXAACBACACAAAAAACAAACvt/CAA1BvXAAAIAA1BvX1AAICAC/CA";
    let refused = |result: Result<_, Error>, format: &str| match result {
        Err(Error::InvalidSessionString { format: f, reason }) => {
            assert_eq!(f, format);
            assert!(reason.contains("is 0"), "{format}: {reason}");
        }
        other => panic!("{format}: expected port 0 to be refused, got {other:?}"),
    };
    refused(decode(FUZZ, SessionFormat::Telethon), "telethon");
    match decode_any(FUZZ) {
        Err(Error::InvalidSessionString { .. }) => {}
        other => panic!("expected an invalid string, got {other:?}"),
    }

    // The same port, 0x1234, written by each encoder, then set to 0 in place.
    let session = Session {
        dc: 2,
        addr: "149.154.167.51".into(),
        port: 0x1234,
        api_id: 1,
        auth_key: Some(key_a()),
        ..Session::default()
    };
    let binary = |format: SessionFormat, prefix: &str, port: &[u8]| {
        let s = encode(&session, format).unwrap();
        let mut bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(
                s[prefix.len()..]
                    .replace('-', "+")
                    .replace('_', "/")
                    .trim_end_matches('='),
            )
            .unwrap();
        let at = bytes
            .windows(port.len())
            .position(|w| w == port)
            .expect("the port is in the payload");
        bytes[at..at + port.len()].fill(0);
        format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
    };
    refused(
        decode(
            &binary(SessionFormat::Telethon, "1", &[0x12, 0x34]),
            SessionFormat::Telethon,
        ),
        "telethon",
    );
    refused(
        decode(
            &binary(SessionFormat::GramJs, "1", &[0x12, 0x34]),
            SessionFormat::GramJs,
        ),
        "gramjs",
    );
    refused(
        decode(
            &binary(SessionFormat::Mtcute, "", &[0x34, 0x12, 0, 0]),
            SessionFormat::Mtcute,
        ),
        "mtcute",
    );
    let key = key_a();
    let gogram = format!(
        r#"{{"key":"{}","hash":"{}","dc_id":2,"ip_addr":"149.154.167.51:0","app_id":1}}"#,
        STANDARD.encode(key.as_bytes()),
        STANDARD.encode(sha1_tail(key.as_bytes()))
    );
    refused(
        decode(
            &format!("1BvE{}", URL_SAFE_NO_PAD.encode(gogram)),
            SessionFormat::Gogram,
        ),
        "gogram",
    );
    let gotd = format!(
        r#"{{"Version":1,"Data":{{"DC":2,"Addr":"149.154.167.51:0","AuthKey":"{}"}}}}"#,
        STANDARD.encode(key.as_bytes()),
    );
    refused(
        decode(&STANDARD.encode(gotd), SessionFormat::Gotgproto),
        "gotgproto",
    );
}
