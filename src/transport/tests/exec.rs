//! Running commands: output, exit status, stdin, concurrency within the channel cap.

use super::*;

/// A command without input reads /dev/null rather than waiting for an EOF message: each message
/// to a connection takes a slot in russh's handle queue, whose second 32-slot block (17.7 KB)
/// would stay allocated for the connection's life (see `without_input`).
#[tokio::test]
async fn commands_without_input_send_no_eof_and_read_nothing() {
    let (server, _client, conn) = trusted_connection().await;
    for _ in 0..16 {
        let out = exec(&conn, "cat; echo done", None).await.expect("exec");
        assert_eq!((out.rc, out.stdout.as_slice()), (0, &b"done\n"[..]));
    }
    assert_eq!(server.state.eofs.load(Ordering::SeqCst), 0);
    let out = exec(&conn, "cat", Some(b"in")).await.expect("exec");
    assert_eq!(out.stdout, b"in");
    assert_eq!(server.state.eofs.load(Ordering::SeqCst), 1);
    conn.close().await;
}

#[tokio::test]
async fn exec_returns_stdout_stderr_and_exit_status() {
    let (_server, _client, conn) = trusted_connection().await;
    let out = exec(&conn, "echo out; echo err >&2; exit 7", None)
        .await
        .expect("exec");
    assert_eq!(
        (out.rc, out.stdout.as_slice(), out.stderr.as_slice()),
        (7, &b"out\n"[..], &b"err\n"[..])
    );
    let out = exec(&conn, "true", None).await.expect("exec");
    assert_eq!(out, ExecOutput::default());
    conn.close().await;
}

#[tokio::test]
async fn stdin_is_streamed_whole_even_when_echoed_back() {
    let (_server, _client, conn) = trusted_connection().await;
    // 4 MiB: more than both directions' 2 MiB windows, so writing input before reading output
    // would deadlock.
    let input: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 253) as u8).collect();
    let out = exec(&conn, "cat", Some(&input)).await.expect("exec");
    assert_eq!(out.rc, 0);
    assert!(out.stdout == input, "stdout is the input, intact");
    let out = exec(&conn, "wc -c", Some(&input[..1024 * 1024]))
        .await
        .expect("exec");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1048576");
    // A command that never reads its input still finishes.
    let out = exec(&conn, "echo done", Some(&input)).await.expect("exec");
    assert_eq!((out.rc, out.stdout.as_slice()), (0, &b"done\n"[..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_execs_share_one_connection_within_the_channel_cap() {
    let (server, _client, conn) = trusted_connection().await;
    // Spawned tasks on a multi-threaded runtime: `exec` futures are Send and the connection is
    // shared by reference count only, as the engine's per-host workers use it.
    let conn = Arc::new(conn);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let conn = conn.clone();
            tokio::spawn(
                async move { (i, exec(&conn, &format!("sleep 0.1; echo {i}"), None).await) },
            )
        })
        .collect();
    for task in tasks {
        let (i, result) = task.await.expect("task");
        let out = result.expect("every exec succeeds");
        assert_eq!((out.rc, out.stdout), (0, format!("{i}\n").into_bytes()));
    }
    let peak = server.state.peak.load(Ordering::SeqCst);
    assert!(
        (2..=CHANNELS_PER_HOST).contains(&peak),
        "ran concurrently but never more than {CHANNELS_PER_HOST} channels at once: {peak}"
    );
    assert_eq!(server.state.refused_channels.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_channel_closed_without_exit_status_gives_rc_minus_one() {
    let (_server, _client, conn) = trusted_connection().await;
    let out = exec(&conn, "!close", None).await.expect("not an error");
    assert_eq!(out.rc, -1);
    // The connection is still usable.
    assert_eq!(exec(&conn, "true", None).await.expect("exec").rc, 0);
}

/// Round trips on one connection; the in-process server forks a real `sh` per command, like sshd.
/// Run with `--nocapture` to see the numbers.
#[tokio::test]
async fn timing_sequential_and_concurrent_execs() {
    let (_server, _client, conn) = trusted_connection().await;
    let started = Instant::now();
    for _ in 0..50 {
        assert_eq!(exec(&conn, "true", None).await.expect("exec").rc, 0);
    }
    let sequential = started.elapsed();
    let started = Instant::now();
    let all = futures::future::join_all((0..20).map(|_| exec(&conn, "true", None))).await;
    let concurrent = started.elapsed();
    assert!(all.iter().all(|r| r.as_ref().is_ok_and(|o| o.rc == 0)));
    eprintln!(
        "in-process server: 50 sequential exec(\"true\") {sequential:?} ({:?} each); 20 concurrent {concurrent:?}",
        sequential / 50
    );
}
