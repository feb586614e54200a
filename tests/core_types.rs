//! Domain types: JSON names as in the Go spec, and auth keys kept out of Debug.

use mtgo_storage::{AuthKey, DcAuth, Peer, PeerType, Session};

fn key() -> AuthKey {
    AuthKey::new((0..=255u8).collect::<Vec<u8>>())
}

#[test]
fn debug_shows_auth_key_length_never_bytes() {
    let session = Session {
        auth_key: Some(key()),
        api_hash: "0123456789abcdef".into(),
        ..Session::default()
    };
    let dc = DcAuth {
        dc_id: 2,
        auth_key: key(),
        ..DcAuth::default()
    };
    for text in [
        format!("{:?}", key()),
        format!("{session:?}"),
        format!("{session:#?}"),
        format!("{dc:?}"),
    ] {
        assert!(text.contains("256 bytes"), "{text}");
        // Neither the bytes as numbers nor as hex leak.
        assert!(!text.contains("0, 1, 2, 3"), "{text}");
        assert!(!text.contains("000102"), "{text}");
        assert!(
            !text.contains("0123456789abcdef"),
            "api hash leaked: {text}"
        );
    }
}

#[test]
fn json_field_names_follow_the_spec() {
    let session = Session {
        dc: 2,
        auth_key: Some(AuthKey::new(vec![1, 2, 3])),
        ..Session::default()
    };
    let json = serde_json::to_value(&session).unwrap();
    for field in [
        "dc",
        "api_id",
        "api_hash",
        "test_mode",
        "auth_key",
        "state",
        "user_id",
        "is_bot",
        "first_name",
        "last_name",
        "username",
        "date",
        "addr",
        "port",
    ] {
        assert!(json.get(field).is_some(), "missing {field} in {json}");
    }
    assert_eq!(json["auth_key"], "AQID", "bytes are base64 as in Go");
    let back: Session = serde_json::from_value(json).unwrap();
    assert_eq!(back, session);

    let mut peer = Peer::new(1, PeerType::Channel, -2);
    peer.usernames = vec!["a".into(), "b".into()];
    let json = serde_json::to_value(&peer).unwrap();
    assert_eq!(json["type"], 2);
    assert_eq!(json["access_hash"], -2);
    assert_eq!(json["usernames"], serde_json::json!(["a", "b"]));
    let back: Peer = serde_json::from_value(json).unwrap();
    assert_eq!(back, peer);
}

#[test]
fn peer_type_numbers_and_display() {
    assert_eq!(
        [
            PeerType::User.as_i32(),
            PeerType::Chat.as_i32(),
            PeerType::Channel.as_i32()
        ],
        [0, 1, 2]
    );
    assert_eq!(PeerType::Channel.to_string(), "channel");
    assert_eq!(PeerType::try_from(1).unwrap(), PeerType::Chat);
    assert!(PeerType::try_from(3).is_err());
    assert!(serde_json::from_str::<PeerType>("7").is_err());
}
