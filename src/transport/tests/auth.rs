//! Authentication: keys tried and skipped, RSA hashes, passwords.

use super::*;

#[tokio::test]
async fn auth_failure_lists_every_key_tried_and_skipped() {
    let client = Client::new();
    let server = serve(ed25519(7), vec![ed25519(2).public_key().clone()]).await;
    client.trust(&server, &server.host_key);
    let mut spec = client.spec(&server, HostKeyChecking::Strict);
    let encrypted = client.write_key(
        "encrypted_key",
        include_str!("../testdata/encrypted_ed25519_key"),
    );
    spec.identity_files.push(encrypted.clone());
    spec.identity_files
        .push(client.dir.path().join("missing_key"));
    let err = connect(&spec).await.err().expect("refused");
    let TransportError::AuthFailed { user, tried, .. } = &err else {
        panic!("expected AuthFailed, got {err:?}");
    };
    assert_eq!(user, "tester");
    assert_eq!(tried.len(), 3, "{tried:?}");
    assert!(tried[0].ends_with("id_ed25519"), "{tried:?}");
    assert!(tried[1].contains("passphrase-protected"), "{tried:?}");
    assert!(tried[2].contains("no such file"), "{tried:?}");
    assert!(
        err.to_string()
            .starts_with("authentication failed for tester@127.0.0.1")
    );
}

#[tokio::test]
async fn too_many_failed_keys_is_reported_as_such() {
    let client = Client::new();
    let server = serve_with(ed25519(7), vec![ed25519(50).public_key().clone()], 2).await;
    client.trust(&server, &server.host_key);
    let mut spec = client.spec(&server, HostKeyChecking::Strict);
    for seed in 20..24 {
        let text = ed25519(seed).to_openssh(LineEnding::LF).expect("encode");
        spec.identity_files
            .push(client.write_key(&format!("key{seed}"), &text));
    }
    let err = connect(&spec).await.err().expect("refused");
    let TransportError::AuthFailed { tried, .. } = &err else {
        panic!("expected AuthFailed, got {err:?}");
    };
    assert!(
        tried.last().is_some_and(|t| t.contains("MaxAuthTries")),
        "{tried:?}"
    );
}

#[tokio::test]
async fn rsa_keys_sign_with_the_best_hash_the_server_offers() {
    let client = Client::new();
    let rsa_text = include_str!("../testdata/rsa_key");
    let rsa = PrivateKey::from_openssh(rsa_text).expect("rsa test key");
    let server = serve(ed25519(7), vec![rsa.public_key().clone()]).await;
    client.trust(&server, &server.host_key);
    let mut spec = client.spec(&server, HostKeyChecking::Strict);
    spec.identity_files = vec![client.write_key("id_rsa", rsa_text)];
    let conn = Connection::Ssh(connect(&spec).await.expect("rsa login"));
    assert_eq!(conn.exec("true", None).await.expect("exec").rc, 0);
    let algorithms = server
        .state
        .algorithms
        .lock()
        .map(|a| a.clone())
        .unwrap_or_default();
    assert_eq!(algorithms, vec!["rsa-sha2-512".to_string()]);
}

#[tokio::test]
async fn passwords_log_in_by_password_or_keyboard_interactive() {
    let cases: [&[MethodKind]; 2] = [&[MethodKind::Password], &[MethodKind::KeyboardInteractive]];
    for methods in cases {
        let client = Client::new();
        let server = serve_password(ed25519(7), "pa55 word", methods).await;
        client.trust(&server, &server.host_key);
        let mut spec = client.spec(&server, HostKeyChecking::Strict);
        spec.password = Some(Secret::new("pa55 word"));
        let conn = Connection::Ssh(
            connect(&spec)
                .await
                .unwrap_or_else(|e| panic!("{methods:?}: {e}")),
        );
        assert_eq!(
            conn.exec("echo hi", None).await.expect("exec").stdout,
            b"hi\n"
        );
        // The key was offered first (refused); the password went once, to the server only.
        let seen = server
            .state
            .passwords_seen
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        assert_eq!(seen, vec!["pa55 word".to_string()], "{methods:?}");
        conn.close().await;

        spec.password = Some(Secret::new("wrong"));
        let err = connect(&spec).await.err().expect("wrong password refused");
        let message = err.to_string();
        assert!(message.contains("ansible_password"), "{message}");
        assert!(
            !message.contains("wrong"),
            "the password never appears: {message}"
        );
    }
}

#[tokio::test]
async fn a_password_only_server_says_to_set_ansible_password() {
    let client = Client::new();
    let server = serve_password(ed25519(7), "x", &[MethodKind::Password]).await;
    client.trust(&server, &server.host_key);
    let err = connect(&client.spec(&server, HostKeyChecking::Strict))
        .await
        .err()
        .expect("refused without a password");
    assert!(err.to_string().contains("set ansible_password"), "{err}");
}
