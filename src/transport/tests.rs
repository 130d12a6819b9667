//! The SSH transport against an in-process russh server that runs each exec request with the real
//! `/bin/sh` (stdin, stdout, stderr and exit status piped through the channel), so the client's
//! behaviour is checked end to end without sshd: host keys, authentication, stdin streaming,
//! concurrency, and connections that die.

mod auth;
mod exec;
mod host_keys;
mod liveness;
mod pooled;

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
