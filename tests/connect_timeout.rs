//! Opening a server that never answers fails within the connect timeout
//! the caller sets, with `Error::Backend`: a listener that accepts the TCP
//! connection and then says nothing (a hung server, a proxy without a
//! backend) stands in for it.

use mtgo_storage::Error;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(1);

/// A port whose listener accepts connections and never answers; the
/// listener lives as long as the returned value.
fn silent_server() -> (std::net::TcpListener, u16) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

fn assert_timely<T: std::fmt::Debug>(
    result: mtgo_storage::Result<T>,
    started: Instant,
    backend: &str,
) {
    let took = started.elapsed();
    match result {
        Err(Error::Backend { backend: b, .. }) => assert_eq!(b, backend),
        other => panic!("expected a backend error, got {other:?}"),
    }
    assert!(
        took < TIMEOUT + Duration::from_secs(2),
        "{backend}: open took {took:?} with a connect timeout of {TIMEOUT:?}"
    );
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_open_gives_up_at_the_connect_timeout() {
    let (_listener, port) = silent_server();
    let started = Instant::now();
    let result = mtgo_storage::orm::postgres::open_with_timeout(
        &format!("postgres://postgres@127.0.0.1:{port}/db"),
        TIMEOUT,
    )
    .await;
    assert_timely(result, started, "postgres");
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn mysql_open_gives_up_at_the_connect_timeout() {
    let (_listener, port) = silent_server();
    let started = Instant::now();
    let result = mtgo_storage::orm::mysql::open_with_timeout(
        &format!("mysql://root@127.0.0.1:{port}/db"),
        TIMEOUT,
    )
    .await;
    assert_timely(result, started, "mysql");
}
