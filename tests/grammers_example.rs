//! `examples/grammers_client.rs` runs (issue 13, point 6): a
//! `grammers_client::Client` on a session stored in SQLite and PostgreSQL
//! gets as far as its first network call. The stored home DC points at a
//! closed port on 127.0.0.1, so that call fails with a connection error
//! without any traffic leaving the machine, and the example reports it as
//! offline.

#[path = "../examples/grammers_client.rs"]
#[allow(dead_code)]
mod example;
mod orm_support;
mod purge_support;

use example::Outcome;
use grammers_client::InvocationError;
use mtgo_storage::conformance::unique_session_name;
use mtgo_storage::grammers::GrammersSession;
use mtgo_storage::grammers::grammers_session::Session as _;
use mtgo_storage::grammers::grammers_session::types::DcOption;
use mtgo_storage::{Adapter, OrmAdapter};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap().port()
}

/// Stores home DC 2 at `127.0.0.1:port` in the session of `store`.
async fn point_home_dc_at_loopback(store: OrmAdapter, port: u16) -> DcOption {
    let session = GrammersSession::open(store).await.unwrap();
    let option = DcOption {
        id: 2,
        ipv4: SocketAddrV4::new(Ipv4Addr::LOCALHOST, port),
        ipv6: SocketAddrV6::new(Ipv6Addr::LOCALHOST, port, 0, 0),
        auth_key: None,
    };
    session.set_home_dc_id(2).await.unwrap();
    session.set_dc_option(&option).await.unwrap();
    option
}

/// Runs the example on `url` and checks it stopped at the connection, with
/// the stored session read (its address used) and left as it was.
async fn example_runs_offline(url: &str, name: &str) {
    let store = OrmAdapter::open(url).await.unwrap().with_session(name);
    let option = point_home_dc_at_loopback(store.clone(), closed_port()).await;
    match example::run(url, name, 0).await.unwrap() {
        Outcome::Offline(InvocationError::Io(e)) => {
            assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused, "{e}");
        }
        other => panic!("the example reached a server: {other:?}"),
    }
    let session = GrammersSession::open(store).await.unwrap();
    assert_eq!(session.home_dc_id().unwrap(), 2);
    assert_eq!(session.dc_option(2).unwrap(), Some(option));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_grammers_example_runs_on_sqlite() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let url = format!("sqlite://{}", dir.path().join("example.db").display());
    example_runs_offline(&url, "grammers").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_grammers_example_runs_on_postgres() {
    let name = unique_session_name("grammers-example");
    let Some(store) = orm_support::postgres(name.clone()).await else {
        return;
    };
    let _cleanup = purge_support::OnDrop::new(orm_support::purge_prefix_later(
        orm_support::postgres_url(),
        name.clone(),
    ));
    example_runs_offline(&orm_support::postgres_url(), store.session_name()).await;
}
