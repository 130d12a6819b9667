//! Runs one command on one host through drover's transport: a way to try the SSH layer by hand.
//!
//! ```sh
//! cargo run --example ssh_exec -- [-i KEY] [-p PORT] [-l USER] [--known-hosts FILE]
//!     [--host-key-checking strict|accept-new|off] [--timeout SECS] [--stdin] [--bench N]
//!     HOST COMMAND...
//! ```
//! `~/.ssh/config` applies as it does for drover (flags win). `--stdin` sends this program's stdin
//! to the command. `--bench N` runs the command N times one after another, then N at once, on the
//! same connection, and prints the timings. The exit code is the command's.

use drover::transport::{Connection, ConnectionSpec, ConnectionVars, HostKeyChecking};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: ssh_exec [-i KEY] [-p PORT] [-l USER] [--known-hosts FILE] \
                     [--host-key-checking strict|accept-new|off] [--timeout SECS] [--stdin] \
                     [--bench N] HOST COMMAND...";

struct Args {
    host: String,
    command: String,
    vars: ConnectionVars,
    stdin: bool,
    bench: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut vars = ConnectionVars::default();
    let (mut stdin, mut bench) = (false, None);
    let mut args = std::env::args().skip(1);
    let mut rest = Vec::new();
    while let Some(arg) = args.next() {
        if !rest.is_empty() {
            rest.push(arg);
            continue;
        }
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-i" => vars.identity_files.push(PathBuf::from(value("-i")?)),
            "-p" => vars.port = Some(value("-p")?.parse().map_err(|e| format!("-p: {e}"))?),
            "-l" => vars.user = Some(value("-l")?),
            "--known-hosts" => vars
                .known_hosts
                .push(PathBuf::from(value("--known-hosts")?)),
            "--host-key-checking" => {
                let v = value("--host-key-checking")?;
                vars.host_key_checking = Some(match v.as_str() {
                    "strict" => HostKeyChecking::Strict,
                    "accept-new" => HostKeyChecking::AcceptNew,
                    "off" => HostKeyChecking::Off,
                    other => return Err(format!("unknown host key checking mode {other:?}")),
                });
            }
            "--timeout" => {
                let secs: u64 = value("--timeout")?
                    .parse()
                    .map_err(|e| format!("--timeout: {e}"))?;
                vars.connect_timeout = Some(Duration::from_secs(secs));
            }
            "--stdin" => stdin = true,
            "--bench" => {
                bench = Some(
                    value("--bench")?
                        .parse()
                        .map_err(|e| format!("--bench: {e}"))?,
                )
            }
            "-h" | "--help" => return Err(USAGE.into()),
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}\n{USAGE}")),
            _ => rest.push(arg),
        }
    }
    if rest.len() < 2 {
        return Err(USAGE.into());
    }
    let host = rest.remove(0);
    Ok(Args {
        host,
        command: rest.join(" "),
        vars,
        stdin,
        bench,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let spec = ConnectionSpec::from_vars(&args.host, &args.vars);
    let input = if args.stdin {
        let mut buffer = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut buffer) {
            eprintln!("reading stdin: {e}");
            return ExitCode::from(2);
        }
        Some(buffer)
    } else {
        None
    };

    let started = Instant::now();
    let conn = match Connection::connect(&spec).await {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!("{}: {e}", spec.name);
            return ExitCode::from(255);
        }
    };
    eprintln!(
        "connected to {}:{} in {:?}",
        spec.address,
        spec.port,
        started.elapsed()
    );
    for note in conn.notes() {
        eprintln!("note: {note}");
    }

    if let Some(n) = args.bench {
        return bench(&conn, &args.command, n).await;
    }
    let started = Instant::now();
    let result = conn.exec(&args.command, input.as_deref()).await;
    let took = started.elapsed();
    conn.close().await;
    match result {
        Ok(out) => {
            let _ = std::io::stdout().write_all(&out.stdout);
            let _ = std::io::stderr().write_all(&out.stderr);
            eprintln!("rc={} in {took:?}", out.rc);
            ExitCode::from(u8::try_from(out.rc).unwrap_or(255))
        }
        Err(e) => {
            eprintln!("{}: {e}", spec.name);
            ExitCode::from(255)
        }
    }
}

async fn bench(conn: &Connection, command: &str, n: usize) -> ExitCode {
    let started = Instant::now();
    for _ in 0..n {
        if let Err(e) = conn.exec(command, None).await {
            eprintln!("{e}");
            return ExitCode::from(255);
        }
    }
    let sequential = started.elapsed();
    let started = Instant::now();
    let results = futures::future::join_all((0..n).map(|_| conn.exec(command, None))).await;
    let concurrent = started.elapsed();
    let failed = results.iter().filter(|r| r.is_err()).count();
    println!(
        "{n} sequential: {sequential:?} ({:?} each); {n} concurrent: {concurrent:?}; {failed} failed",
        sequential / u32::try_from(n.max(1)).unwrap_or(1)
    );
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        eprintln!("first failure: {e}");
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
