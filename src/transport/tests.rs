//! The SSH transport against an in-process russh server that runs each exec request with the real
//! `/bin/sh` (stdin, stdout, stderr and exit status piped through the channel), so the client's
//! behaviour is checked end to end without sshd: host keys, authentication, stdin streaming,
//! concurrency, and connections that die.

use super::ssh::Sources;
use super::*;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::ssh_key::{LineEnding, PrivateKey, PublicKey};
use russh::server::{self, Auth, Msg, Session};
use russh::{Channel, ChannelId, ChannelMsg, MethodKind, MethodSet};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// OpenSSH's default `MaxSessions`: the test server refuses channels beyond it, as sshd does.
const MAX_SESSIONS: usize = 10;

fn ed25519(seed: u8) -> PrivateKey {
    PrivateKey::from(Ed25519Keypair::from_seed(&[seed; 32]))
}

#[derive(Default)]
struct State {
    authorized: Vec<PublicKey>,
    /// Channels open now, and the most at once.
    active: AtomicUsize,
    peak: AtomicUsize,
    refused_channels: AtomicUsize,
    /// Signature algorithms of accepted public key logins (`rsa-sha2-512`, …).
    algorithms: Mutex<Vec<String>>,
    /// Accepted by the `password` and `keyboard-interactive` methods, where offered.
    password: Option<String>,
    /// Passwords the server was sent, to prove which method carried them.
    passwords_seen: Mutex<Vec<String>>,
    /// Authenticated SSH connections open now, and the most at once.
    connections: AtomicUsize,
    peak_connections: AtomicUsize,
    /// Connections accepted and not yet authenticated now, and the most at once.
    handshaking: AtomicUsize,
    peak_handshaking: AtomicUsize,
    /// EOF messages received from clients, over all channels.
    eofs: AtomicUsize,
}

struct TestServer {
    addr: SocketAddr,
    host_key: PublicKey,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(host_key: PrivateKey, authorized: Vec<PublicKey>) -> TestServer {
    serve_with(host_key, authorized, 10).await
}

async fn serve_with(
    host_key: PrivateKey,
    authorized: Vec<PublicKey>,
    max_auth_attempts: usize,
) -> TestServer {
    let state = State {
        authorized,
        ..State::default()
    };
    serve_state(host_key, state, &[MethodKind::PublicKey], max_auth_attempts).await
}

/// A server that takes `password` with the given `methods` only (no keys).
async fn serve_password(
    host_key: PrivateKey,
    password: &str,
    methods: &[MethodKind],
) -> TestServer {
    let state = State {
        password: Some(password.to_string()),
        ..State::default()
    };
    serve_state(host_key, state, methods, 10).await
}

async fn serve_state(
    host_key: PrivateKey,
    state: State,
    methods: &[MethodKind],
    max_auth_attempts: usize,
) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let public = host_key.public_key().clone();
    let config = Arc::new(server::Config {
        keys: vec![host_key],
        methods: MethodSet::from(methods),
        auth_rejection_time: Duration::from_millis(5),
        auth_rejection_time_initial: Some(Duration::ZERO),
        max_auth_attempts,
        inactivity_timeout: None,
        nodelay: true,
        ..Default::default()
    });
    let state = Arc::new(state);
    let shared = state.clone();
    let task = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let now = shared.handshaking.fetch_add(1, Ordering::SeqCst) + 1;
            shared.peak_handshaking.fetch_max(now, Ordering::SeqCst);
            let handler = Handler {
                state: shared.clone(),
                authenticated: false,
            };
            let config = config.clone();
            // `Config::nodelay` is only applied by russh's own accept loop, not by run_stream.
            let _ = socket.set_nodelay(true);
            tokio::spawn(async move {
                if let Ok(session) = server::run_stream(config, socket, handler).await {
                    let _ = session.await;
                }
            });
        }
    });
    TestServer {
        addr,
        host_key: public,
        state,
        task,
    }
}

struct Handler {
    state: Arc<State>,
    authenticated: bool,
}

impl Drop for Handler {
    // russh drops the handler when the session ends, however it ends.
    fn drop(&mut self) {
        if self.authenticated {
            self.state.connections.fetch_sub(1, Ordering::SeqCst);
        } else {
            self.state.handshaking.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Handler {
    fn password_ok(&self, given: &str) -> bool {
        if let Ok(mut seen) = self.state.passwords_seen.lock() {
            seen.push(given.to_string());
        }
        self.state.password.as_deref() == Some(given)
    }

    /// Counted before the client hears of it: the client's handshake permit outlives this.
    fn accept(&mut self) -> Auth {
        self.authenticated = true;
        self.state.handshaking.fetch_sub(1, Ordering::SeqCst);
        let now = self.state.connections.fetch_add(1, Ordering::SeqCst) + 1;
        self.state.peak_connections.fetch_max(now, Ordering::SeqCst);
        Auth::Accept
    }
}

impl server::Handler for Handler {
    type Error = russh::Error;

    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let known = self
            .state
            .authorized
            .iter()
            .any(|k| k.key_data() == key.public_key.key_data());
        if !known {
            return Ok(Auth::reject());
        }
        if let Ok(mut seen) = self.state.algorithms.lock() {
            seen.push(key.algorithm.to_string());
        }
        Ok(self.accept())
    }

    async fn auth_password(&mut self, _user: &str, password: &str) -> Result<Auth, Self::Error> {
        Ok(if self.password_ok(password) {
            self.accept()
        } else {
            Auth::reject()
        })
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        _user: &str,
        _submethods: &str,
        response: Option<server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        let Some(mut response) = response else {
            // As PAM does: one hidden prompt.
            return Ok(Auth::Partial {
                name: "".into(),
                instructions: "".into(),
                prompts: vec![("Password: ".into(), false)].into(),
            });
        };
        let given = response
            .next()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        Ok(if self.password_ok(&given) {
            self.accept()
        } else {
            Auth::reject()
        })
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let now = self.state.active.fetch_add(1, Ordering::SeqCst) + 1;
        if now > MAX_SESSIONS {
            self.state.active.fetch_sub(1, Ordering::SeqCst);
            self.state.refused_channels.fetch_add(1, Ordering::SeqCst);
            reply
                .reject(russh::ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        }
        self.state.peak.fetch_max(now, Ordering::SeqCst);
        reply.accept().await;
        tokio::spawn(run_channel(channel, self.state.clone()));
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.state.eofs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        command: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Commands without input arrive as `exec </dev/null; COMMAND`.
        if command.ends_with(b"!crash") {
            // Ends the whole session abruptly: the TCP connection closes with no SSH goodbye.
            return Err(russh::Error::Disconnect);
        }
        session.channel_success(channel)
    }
}

/// Runs one exec request with `/bin/sh -c`, piping the channel to the process and back.
async fn run_channel(channel: Channel<Msg>, state: Arc<State>) {
    let (mut rx, tx) = channel.split();
    let command = loop {
        match rx.wait().await {
            Some(ChannelMsg::Exec { command, .. }) => {
                break String::from_utf8_lossy(&command).into_owned();
            }
            Some(_) => continue,
            None => {
                state.active.fetch_sub(1, Ordering::SeqCst);
                return;
            }
        }
    };
    if command.ends_with("!close") {
        // Close without an exit status, as a misbehaving server might.
        state.active.fetch_sub(1, Ordering::SeqCst);
        let _ = tx.eof().await;
        let _ = tx.close().await;
        return;
    }
    let Ok(mut child) = tokio::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A test that ends mid-command (the dropped-connection one) leaves no process behind.
        .kill_on_drop(true)
        .spawn()
    else {
        return;
    };
    let mut stdin = child.stdin.take();
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return;
    };
    let feed = async {
        while let Some(msg) = rx.wait().await {
            match msg {
                ChannelMsg::Data { data } => {
                    if let Some(pipe) = stdin.as_mut()
                        && pipe.write_all(&data).await.is_err()
                    {
                        // The command stopped reading: drop the rest, keep draining the channel.
                        stdin = None;
                    }
                }
                ChannelMsg::Eof => stdin = None,
                _ => {}
            }
        }
    };
    let mut out = tx.make_writer();
    let mut err = tx.make_writer_ext(Some(1));
    let copy_out = async {
        let _ = tokio::io::copy(&mut stdout, &mut out).await;
        let _ = out.flush().await;
    };
    let copy_err = async {
        let _ = tokio::io::copy(&mut stderr, &mut err).await;
        let _ = err.flush().await;
    };
    let work = async {
        tokio::join!(copy_out, copy_err);
        let status = child
            .wait()
            .await
            .ok()
            .and_then(|s| s.code())
            .unwrap_or(255);
        // Counted as closed before the client can see the close and open the next channel.
        state.active.fetch_sub(1, Ordering::SeqCst);
        let _ = tx.exit_status(u32::try_from(status).unwrap_or(255)).await;
        let _ = tx.eof().await;
        let _ = tx.close().await;
    };
    // `feed` ends when the channel does; the work decides when that is.
    tokio::select! {
        () = work => {}
        () = async { feed.await; std::future::pending::<()>().await } => {}
    }
}

/// A temp dir holding the client's key (authorised on the test server) and its known_hosts.
struct Client {
    dir: tempfile::TempDir,
    key: PrivateKey,
}

impl Client {
    fn new() -> Client {
        Client {
            dir: tempfile::tempdir().expect("tempdir"),
            key: ed25519(1),
        }
    }

    fn public(&self) -> PublicKey {
        self.key.public_key().clone()
    }

    fn write_key(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        path
    }

    fn key_file(&self) -> PathBuf {
        let text = self.key.to_openssh(LineEnding::LF).expect("encode key");
        self.write_key("id_ed25519", &text)
    }

    fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("ssh").join("known_hosts")
    }

    fn trust(&self, server: &TestServer, key: &PublicKey) {
        self.trust_port(server.addr.port(), key);
    }

    fn trust_port(&self, port: u16, key: &PublicKey) {
        let line = format!(
            "unrelated.example {}\n{} {}\n",
            ed25519(99).public_key().to_openssh().expect("encode"),
            known_hosts::host_pattern("127.0.0.1", port),
            key.to_openssh().expect("encode")
        );
        let file = self.known_hosts();
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(file, line).expect("write known_hosts");
    }

    fn spec(&self, server: &TestServer, policy: HostKeyChecking) -> ConnectionSpec {
        ConnectionSpec {
            port: server.addr.port(),
            user: Some("tester".into()),
            identity_files: vec![self.key_file()],
            host_key_checking: policy,
            known_hosts: vec![self.known_hosts()],
            connect_timeout: Duration::from_secs(10),
            ..ConnectionSpec::new("target", "127.0.0.1")
        }
    }
}

/// No agent, no ~/.ssh keys, no /etc/ssh/ssh_known_hosts: only what each test sets up.
fn isolated() -> Sources {
    Sources {
        agent: false,
        default_keys: Vec::new(),
        global_known_hosts: Vec::new(),
    }
}

async fn connect(spec: &ConnectionSpec) -> Result<SshConnection, TransportError> {
    // Every test is bounded: a hang is a failure, not a stuck test run.
    tokio::time::timeout(
        Duration::from_secs(30),
        SshConnection::connect_with(spec, &isolated()),
    )
    .await
    .unwrap_or_else(|_| panic!("connect hung"))
}

async fn trusted_connection() -> (TestServer, Client, Connection) {
    let client = Client::new();
    let server = serve(ed25519(7), vec![client.public()]).await;
    client.trust(&server, &server.host_key);
    let conn = connect(&client.spec(&server, HostKeyChecking::Strict))
        .await
        .expect("connects");
    (server, client, Connection::Ssh(conn))
}

async fn exec(
    conn: &Connection,
    command: &str,
    stdin: Option<&[u8]>,
) -> Result<ExecOutput, TransportError> {
    tokio::time::timeout(Duration::from_secs(30), conn.exec(command, stdin))
        .await
        .unwrap_or_else(|_| panic!("exec {command:?} hung"))
}

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

#[tokio::test]
async fn auth_failure_lists_every_key_tried_and_skipped() {
    let client = Client::new();
    let server = serve(ed25519(7), vec![ed25519(2).public_key().clone()]).await;
    client.trust(&server, &server.host_key);
    let mut spec = client.spec(&server, HostKeyChecking::Strict);
    let encrypted = client.write_key(
        "encrypted_key",
        include_str!("testdata/encrypted_ed25519_key"),
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
    let rsa_text = include_str!("testdata/rsa_key");
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
async fn a_channel_closed_without_exit_status_gives_rc_minus_one() {
    let (_server, _client, conn) = trusted_connection().await;
    let out = exec(&conn, "!close", None).await.expect("not an error");
    assert_eq!(out.rc, -1);
    // The connection is still usable.
    assert_eq!(exec(&conn, "true", None).await.expect("exec").rc, 0);
}

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

#[tokio::test]
async fn unsupported_settings_and_local_connections() {
    let mut spec = ConnectionSpec::new("h", "127.0.0.1");
    spec.unsupported = vec!["ProxyJump".into()];
    let Err(err) = Connection::connect(&spec).await else {
        panic!("ProxyJump must be refused")
    };
    assert!(err.to_string().contains("ProxyJump"), "{err}");
    spec.local = true;
    let conn = Connection::connect(&spec).await.expect("local");
    let out = conn.exec("cat; exit 4", Some(b"in")).await.expect("exec");
    assert_eq!((out.rc, out.stdout.as_slice()), (4, &b"in"[..]));
    conn.close().await;
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

#[test]
fn errors_stay_small() {
    // Every call returns Result<_, TransportError>: keep it cheap to move (clippy's
    // result_large_err threshold is 128 bytes).
    assert!(std::mem::size_of::<TransportError>() <= 128);
}

#[test]
fn spec_defaults_are_openssh_defaults() {
    let spec = ConnectionSpec::new("web1", "10.0.0.1");
    assert_eq!((spec.port, spec.user.as_deref()), (22, None));
    assert_eq!(spec.host_key_checking, HostKeyChecking::Strict);
    assert_eq!(spec.connect_timeout, Duration::from_secs(10));
    assert!(
        spec.known_hosts
            .iter()
            .all(|f| f.ends_with(Path::new(".ssh/known_hosts")))
    );
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

mod pooled {
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
}
