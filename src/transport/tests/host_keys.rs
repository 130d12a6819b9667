//! Host keys against known_hosts: mismatch, unknown, accept-new, unreadable files.

use super::*;

#[tokio::test]
async fn host_key_mismatch_names_the_file_and_line() {
    let client = Client::new();
    let server = serve(ed25519(7), vec![client.public()]).await;
    // Line 1 is another host; line 2 records a different key for this one.
    client.trust(&server, ed25519(8).public_key());
    let err = connect(&client.spec(&server, HostKeyChecking::AcceptNew))
        .await
        .err()
        .expect("refused");
    let file = client.known_hosts().display().to_string();
    match &err {
        TransportError::HostKeyMismatch {
            file: f, line: 2, ..
        } if *f == file => {}
        other => panic!("expected a mismatch at {file}:2, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains(&format!("{file}:2")), "{message}");
    assert!(message.contains("ssh-keygen -f"), "{message}");
    assert!(message.contains("--host-key-checking off"), "{message}");
    // With checking off, the same host is reachable.
    let spec = client.spec(&server, HostKeyChecking::Off);
    let conn = Connection::Ssh(connect(&spec).await.expect("checking off"));
    assert_eq!(conn.exec("true", None).await.expect("exec").rc, 0);
}

#[tokio::test]
async fn unknown_host_is_refused_in_strict_mode() {
    let client = Client::new();
    let server = serve(ed25519(7), vec![client.public()]).await;
    let err = connect(&client.spec(&server, HostKeyChecking::Strict))
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(err, TransportError::HostKeyUnknown { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("accept-new") && message.contains("SHA256:"),
        "{message}"
    );
    assert!(!client.known_hosts().exists(), "strict mode writes nothing");
}

#[tokio::test]
async fn accept_new_records_the_key_and_strict_then_trusts_it() {
    let client = Client::new();
    let server = serve(ed25519(7), vec![client.public()]).await;
    let conn = connect(&client.spec(&server, HostKeyChecking::AcceptNew))
        .await
        .expect("accept-new connects");
    assert!(
        conn.notes()
            .iter()
            .any(|n| n.starts_with("Permanently added")),
        "{:?}",
        conn.notes()
    );
    let recorded = std::fs::read_to_string(client.known_hosts()).expect("known_hosts written");
    let expected = format!(
        "[127.0.0.1]:{} {}\n",
        server.addr.port(),
        server.host_key.to_openssh().expect("encode")
    );
    assert_eq!(recorded, expected);
    conn.close().await;
    let conn = connect(&client.spec(&server, HostKeyChecking::Strict))
        .await
        .expect("now known");
    assert!(conn.notes().is_empty());
}

/// What connecting under `policy` with `known_hosts` as the known_hosts file gives.
async fn connect_with_known_hosts(
    known_hosts: PathBuf,
    policy: HostKeyChecking,
) -> Result<SshConnection, TransportError> {
    let client = Client::new();
    let server = serve(ed25519(7), vec![client.public()]).await;
    let mut spec = client.spec(&server, policy);
    spec.known_hosts = vec![known_hosts];
    connect(&spec).await
}

#[tokio::test]
async fn a_known_hosts_that_cannot_be_read_is_an_error_never_trust() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A directory where the file should be: reading it fails with EISDIR.
    let known_hosts = dir.path().join("known_hosts");
    std::fs::create_dir(&known_hosts).expect("mkdir");
    for policy in [HostKeyChecking::Strict, HostKeyChecking::AcceptNew] {
        let err = connect_with_known_hosts(known_hosts.clone(), policy)
            .await
            .err()
            .unwrap_or_else(|| panic!("{policy:?}: connected with an unreadable known_hosts"));
        assert!(
            matches!(err, TransportError::KnownHostsUnusable { .. }),
            "{policy:?}: {err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains(&known_hosts.display().to_string())
                && message.contains("cannot be read"),
            "{message}"
        );
    }
    // Checking off reads nothing, so it still connects.
    let conn = connect_with_known_hosts(known_hosts, HostKeyChecking::Off).await;
    assert!(conn.is_ok(), "{:?}", conn.err());
}

#[tokio::test]
async fn accept_new_refuses_a_key_it_cannot_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Its directory is a regular file: the key cannot be written (even as root).
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "").expect("write");
    let known_hosts = blocker.join("known_hosts");
    let err = connect_with_known_hosts(known_hosts.clone(), HostKeyChecking::AcceptNew)
        .await
        .err()
        .expect("a key that cannot be recorded is not trusted");
    let message = err.to_string();
    assert!(
        matches!(err, TransportError::KnownHostsUnusable { .. })
            && message.contains("could not be recorded")
            && message.contains(&known_hosts.display().to_string()),
        "{message}"
    );
}
