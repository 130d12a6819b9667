//! The connection pool over the in-process server.

use super::*;
use crate::transport::pool::{Limits, Pool, PooledLink};

async fn setup(max_open: usize, max_handshakes: usize) -> (TestServer, Client, Arc<Pool>) {
    let client = Client::new();
    let server = serve(ed25519(7), vec![client.public()]).await;
    client.trust(&server, &server.host_key);
    let pool = Pool::new(Limits {
        max_open,
        max_handshakes,
    });
    (server, client, pool)
}

/// One "task" on a host: held for its duration, two commands with a pause between.
async fn task(link: &PooledLink, spec: &ConnectionSpec) -> Result<(), TransportError> {
    let _held = link.hold();
    for _ in 0..2 {
        let conn = link.connection(spec).await?;
        let out = conn.exec("sleep 0.02; echo ok", None).await?;
        assert_eq!(out.stdout, b"ok\n");
        drop(conn);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_hosts_than_slots_all_run_within_the_bound() {
    let (server, client, pool) = setup(3, 2).await;
    let spec = client.spec(&server, HostKeyChecking::Strict);
    let links: Vec<PooledLink> = (0..8).map(|_| PooledLink::new(&pool)).collect();
    for round in 0..2 {
        let all = futures::future::join_all(links.iter().map(|l| task(l, &spec)));
        let results = tokio::time::timeout(Duration::from_secs(30), all)
            .await
            .unwrap_or_else(|_| panic!("round {round} hung: the pool deadlocked"));
        for result in results {
            result.unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
    }
    let peak = server.state.peak_connections.load(Ordering::SeqCst);
    assert!(peak <= 3, "{peak} connections open at once, the bound is 3");
    let handshakes = server.state.peak_handshaking.load(Ordering::SeqCst);
    assert!(
        handshakes <= 2,
        "{handshakes} handshakes at once, the bound is 2"
    );
    // Held hosts are never evicted mid-task: one connection per host per round at most.
    for link in &links {
        assert!((1..=2).contains(&link.opens()), "{}", link.opens());
    }
    assert!(pool.opened() > 8, "hosts beyond the bound reconnected");
    assert!(pool.open() <= 3);
    for link in &links {
        link.close().await;
    }
    assert_eq!(pool.open(), 0, "closing frees every slot");
}

#[tokio::test]
async fn the_most_recently_used_idle_host_gives_up_its_slot() {
    let (server, client, pool) = setup(2, 2).await;
    let spec = client.spec(&server, HostKeyChecking::Strict);
    let [a, b, c] = [(); 3].map(|()| PooledLink::new(&pool));
    task(&a, &spec).await.expect("a");
    task(&b, &spec).await.expect("b");
    // Linear strategy: `a` ran task N first, so it runs N+1 first: keep it, evict `b`.
    task(&c, &spec).await.expect("c");
    assert!(a.is_open() && !b.is_open() && c.is_open());
    // A host in use keeps its connection even when it is the most recent.
    let held = a.hold();
    task(&a, &spec).await.expect("a again");
    task(&b, &spec).await.expect("b reconnects");
    assert!(a.is_open() && b.is_open() && !c.is_open());
    assert_eq!((a.opens(), b.opens(), c.opens()), (1, 2, 1));
    drop(held);
}

#[tokio::test]
async fn a_failed_connect_gives_its_slot_back() {
    let (server, client, pool) = setup(1, 1).await;
    let good = client.spec(&server, HostKeyChecking::Strict);
    let mut bad = good.clone();
    bad.known_hosts = vec![client.dir.path().join("empty_known_hosts")];
    let link = PooledLink::new(&pool);
    assert!(link.connection(&bad).await.is_err());
    assert_eq!(pool.open(), 0);
    let other = PooledLink::new(&pool);
    task(&other, &good).await.expect("the slot is free");
}
