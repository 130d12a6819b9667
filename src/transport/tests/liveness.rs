//! Connections that die, are refused or go silent: errors, never hangs.

use super::*;

#[tokio::test]
async fn a_dropped_connection_is_an_error_not_a_hang() {
    let (_server, _client, conn) = trusted_connection().await;
    let slow = exec(&conn, "sleep 5", None);
    let crash = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        exec(&conn, "!crash", None).await
    };
    let (slow, crash) = tokio::join!(slow, crash);
    for result in [slow, crash] {
        assert!(
            matches!(result, Err(TransportError::Disconnected { .. })),
            "{result:?}"
        );
    }
    let later = exec(&conn, "true", None).await;
    let Err(err) = later else {
        panic!("exec on a dead connection succeeded")
    };
    assert!(
        matches!(err, TransportError::Disconnected { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("was lost"), "{err}");
}

#[tokio::test]
async fn refused_and_silent_ports_are_unreachable_with_reasons() {
    let client = Client::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let free = listener.local_addr().expect("addr").port();
    drop(listener);
    let mut spec = ConnectionSpec::new("ghost", "127.0.0.1");
    spec.port = free;
    spec.known_hosts = vec![client.known_hosts()];
    let err = connect(&spec).await.err().expect("refused");
    assert!(err.to_string().contains("connection refused"), "{err}");

    // Accepts TCP but never speaks SSH: the connect timeout covers the handshake.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    spec.port = silent.local_addr().expect("addr").port();
    spec.connect_timeout = Duration::from_millis(300);
    let hold = tokio::spawn(async move {
        let held = silent.accept().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(held);
    });
    let started = Instant::now();
    let err = connect(&spec).await.err().expect("times out");
    assert!(started.elapsed() < Duration::from_secs(3));
    let message = err.to_string();
    assert!(
        message.contains("timed out after 0.3 s during the SSH handshake"),
        "{message}"
    );
    hold.abort();
}

/// Forwards TCP between a client and `target` until `frozen` is set; then it stops passing
/// bytes either way while keeping both sockets open — a host that went silent (SIGSTOP,
/// a dead link without a reset).
async fn freezable_proxy(
    target: SocketAddr,
    frozen: Arc<std::sync::atomic::AtomicBool>,
) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let Ok(outbound) = tokio::net::TcpStream::connect(target).await else {
                continue;
            };
            let frozen = frozen.clone();
            tokio::spawn(async move {
                let (a_read, a_write) = inbound.into_split();
                let (b_read, b_write) = outbound.into_split();
                tokio::join!(
                    pipe(a_read, b_write, frozen.clone()),
                    pipe(b_read, a_write, frozen)
                );
            });
        }
    });
    addr
}

/// Copies `from` to `to` until either closes; once `frozen`, holds what it read and stops.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<std::sync::atomic::AtomicBool>,
) {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if frozen.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn a_silent_host_is_given_up_after_the_configured_keepalives() {
    let client = Client::new();
    let server = serve(ed25519(7), vec![client.public()]).await;
    let frozen = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let proxy = freezable_proxy(server.addr, frozen.clone()).await;
    let mut spec = client.spec(&server, HostKeyChecking::Strict);
    spec.port = proxy.port();
    client.trust_port(proxy.port(), &server.host_key);
    // ServerAliveInterval 0.2 s, ServerAliveCountMax 2: given up ~0.6 s after the last word.
    spec.keepalive_interval = Some(Duration::from_millis(200));
    spec.keepalive_max = 2;
    let conn = Connection::Ssh(connect(&spec).await.expect("connects through the proxy"));
    assert_eq!(conn.exec("true", None).await.expect("exec").rc, 0);
    frozen.store(true, Ordering::SeqCst);
    let started = Instant::now();
    let result = exec(&conn, "sleep 30", None).await;
    let waited = started.elapsed();
    assert!(
        matches!(result, Err(TransportError::Disconnected { .. })),
        "{result:?}"
    );
    assert!(
        waited < Duration::from_secs(3),
        "gave up after {waited:?}, not within ~0.6 s"
    );
}
