use super::file::wildcard_match;
use super::*;
use std::path::Path;

const GOOD: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDnwVzFl8TF5z89gEVrb2oE0Y9Yi+2UcJatwwTEyPj9O";
const OTHER: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFS6scMP+Xhlb1jorzf1AI0y7IUxmWbIGcP/6Ww9KT1t";
const ECDSA: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBF1jC/W5t2MiiQ7Vx2giHUOAoQpxKz/vT/gf7opLac9w7szQvpKX2NRwr5YIkR02Ei3U7qNwgQgaIwQlwDbaqdk=";

fn key(text: &str) -> PublicKey {
    PublicKey::from_openssh(text).expect("test key")
}

struct Fixture {
    _dir: tempfile::TempDir,
    file: PathBuf,
}

fn known_hosts(text: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("known_hosts");
    std::fs::write(&file, text).expect("write known_hosts");
    Fixture { _dir: dir, file }
}

fn check(f: &Fixture, host: &str, port: u16, k: &str, p: HostKeyChecking) -> KnownHostsDecision {
    check_host_key(host, port, &key(k), std::slice::from_ref(&f.file), &[], p)
}

#[test]
fn trusts_recorded_keys_plain_and_with_port() {
    let f = known_hosts(&format!(
        "# comment\n\nweb1,10.0.0.5 {GOOD}\n[10.0.0.6]:2222\t{GOOD} c\n"
    ));
    let trusted = |line| KnownHostsDecision::Trusted {
        file: f.file.clone(),
        line,
    };
    assert_eq!(
        check(&f, "10.0.0.5", 22, GOOD, HostKeyChecking::Strict),
        trusted(3)
    );
    assert_eq!(
        check(&f, "WEB1", 22, GOOD, HostKeyChecking::Strict),
        trusted(3)
    );
    assert_eq!(
        check(&f, "10.0.0.6", 2222, GOOD, HostKeyChecking::Strict),
        trusted(4)
    );
    // The port is part of the name: the same address on 22 is another host.
    assert_eq!(
        check(&f, "10.0.0.6", 22, GOOD, HostKeyChecking::Strict),
        KnownHostsDecision::Unknown { others: vec![] }
    );
}

#[test]
fn hashed_entries_match() {
    // From russh's test vectors (`ssh-keygen -H` for "example.com"), and made here with
    // `ssh-keygen -H` for "[127.0.0.1]:2222".
    let f = known_hosts(
        "|1|O33ESRMWPVkMYIwJ1Uw+n877jTo=|nuuC5vEqXlEZ/8BXQR7m619W6Ak= ssh-ed25519 \
         AAAAC3NzaC1lZDI1NTE5AAAAILIG2T/B0l0gaqj3puu510tu9N1OkQ4znY3LYuEm5zCF\n",
    );
    let k = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILIG2T/B0l0gaqj3puu510tu9N1OkQ4znY3LYuEm5zCF";
    assert!(check(&f, "example.com", 22, k, HostKeyChecking::Strict).accepted());
    assert!(!check(&f, "example.org", 22, k, HostKeyChecking::Strict).accepted());
    let f = known_hosts(&format!(
        "|1|TyESWgEy+4kWs1o2QZgATTNv4Sg=|CnH5mXcF/ad2HwTvTZ5znApIhwY= {GOOD}\n"
    ));
    assert!(check(&f, "127.0.0.1", 2222, GOOD, HostKeyChecking::Strict).accepted());
    assert!(!check(&f, "127.0.0.1", 22, GOOD, HostKeyChecking::Strict).accepted());
}

#[test]
fn wildcards_and_negation() {
    let f = known_hosts(&format!("*.prod.example,!db*.prod.example {GOOD}\n"));
    assert!(check(&f, "web1.prod.example", 22, GOOD, HostKeyChecking::Strict).accepted());
    assert!(!check(&f, "db1.prod.example", 22, GOOD, HostKeyChecking::Strict).accepted());
    assert!(wildcard_match("10.0.0.?", "10.0.0.7"));
    assert!(!wildcard_match("10.0.0.?", "10.0.0.17"));
    assert!(wildcard_match("*a*b", "xxaxxab"));
}

#[test]
fn a_different_key_of_the_same_type_is_a_mismatch_naming_file_and_line() {
    let f = known_hosts(&format!("other {OTHER}\nweb1 {GOOD}\n"));
    for policy in [HostKeyChecking::Strict, HostKeyChecking::AcceptNew] {
        assert_eq!(
            check(&f, "web1", 22, OTHER, policy),
            KnownHostsDecision::Mismatch {
                file: f.file.clone(),
                line: 2
            }
        );
    }
    // Accept-new must not have recorded anything.
    assert_eq!(
        std::fs::read_to_string(&f.file)
            .ok()
            .map(|t| t.lines().count()),
        Some(2)
    );
    assert_eq!(
        check(&f, "web1", 22, OTHER, HostKeyChecking::Off),
        KnownHostsDecision::Unchecked
    );
}

#[test]
fn any_matching_line_wins_over_a_stale_one() {
    let f = known_hosts(&format!("web1 {OTHER}\nweb1 {GOOD}\n"));
    assert_eq!(
        check(&f, "web1", 22, GOOD, HostKeyChecking::Strict),
        KnownHostsDecision::Trusted {
            file: f.file.clone(),
            line: 2
        }
    );
}

#[test]
fn other_key_types_are_not_a_mismatch_but_are_reported() {
    let f = known_hosts(&format!("web1 {ECDSA}\n"));
    assert_eq!(
        check(&f, "web1", 22, GOOD, HostKeyChecking::Strict),
        KnownHostsDecision::Unknown {
            others: vec![(f.file.clone(), 1, "ecdsa-sha2-nistp256".into())]
        }
    );
    assert_eq!(
        known_algorithms("web1", 22, std::slice::from_ref(&f.file)),
        vec![key(ECDSA).algorithm()]
    );
}

#[test]
fn revoked_keys_are_refused_even_if_also_trusted() {
    let f = known_hosts(&format!("web1 {GOOD}\n@revoked * {GOOD}\n"));
    assert_eq!(
        check(&f, "web1", 22, GOOD, HostKeyChecking::AcceptNew),
        KnownHostsDecision::Revoked {
            file: f.file.clone(),
            line: 2
        }
    );
}

#[test]
fn malformed_lines_and_cert_authorities_are_skipped() {
    let f = known_hosts(&format!(
        "web1 ssh-ed25519 not-base64!!\n@cert-authority web1 {OTHER}\nweb1\n{}\nweb1 {GOOD}\n",
        "x".repeat(10)
    ));
    assert!(check(&f, "web1", 22, GOOD, HostKeyChecking::Strict).accepted());
}

#[test]
fn unusable_files_refuse_the_key_under_strict_and_accept_new() {
    let dir = tempfile::tempdir().expect("tempdir");
    let as_dir = dir.path().join("known_hosts");
    std::fs::create_dir(&as_dir).expect("mkdir");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").expect("write");
    let under_file = blocker.join("known_hosts");
    for policy in [HostKeyChecking::Strict, HostKeyChecking::AcceptNew] {
        let decision = check_host_key(
            "web1",
            22,
            &key(GOOD),
            std::slice::from_ref(&as_dir),
            &[],
            policy,
        );
        assert!(
            matches!(&decision, KnownHostsDecision::Unreadable { file, .. } if *file == as_dir),
            "{policy:?}: {decision:?}"
        );
        assert!(!decision.accepted());
    }
    // A global file that cannot be read is refused too, not skipped.
    let decision = check_host_key(
        "web1",
        22,
        &key(GOOD),
        &[],
        std::slice::from_ref(&as_dir),
        HostKeyChecking::Strict,
    );
    assert!(!decision.accepted(), "{decision:?}");
    let decision = check_host_key(
        "web1",
        22,
        &key(GOOD),
        &[under_file],
        &[],
        HostKeyChecking::AcceptNew,
    );
    assert!(
        matches!(decision, KnownHostsDecision::NotRecorded { .. }) && !decision.accepted(),
        "{decision:?}"
    );
    let nowhere = check_host_key("web1", 22, &key(GOOD), &[], &[], HostKeyChecking::AcceptNew);
    assert!(!nowhere.accepted(), "{nowhere:?}");
    let off = check_host_key("web1", 22, &key(GOOD), &[as_dir], &[], HostKeyChecking::Off);
    assert_eq!(off, KnownHostsDecision::Unchecked);
}

#[test]
fn accept_new_records_unknown_hosts_in_the_first_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("new/.ssh/known_hosts");
    let files = vec![file.clone()];
    let decide = |host, port, p| check_host_key(host, port, &key(GOOD), &files, &[], p);
    assert_eq!(
        decide("web1", 22, HostKeyChecking::Strict),
        KnownHostsDecision::Unknown { others: vec![] }
    );
    assert!(!file.exists(), "strict mode never writes");
    assert_eq!(
        decide("web1", 22, HostKeyChecking::AcceptNew),
        KnownHostsDecision::Learned(file.clone())
    );
    assert_eq!(
        decide("web2", 2200, HostKeyChecking::AcceptNew),
        KnownHostsDecision::Learned(file.clone())
    );
    let text = std::fs::read_to_string(&file).expect("written");
    assert_eq!(text, format!("web1 {GOOD}\n[web2]:2200 {GOOD}\n"));
    assert!(matches!(
        decide("web2", 2200, HostKeyChecking::Strict),
        KnownHostsDecision::Trusted { line: 2, .. }
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .ok()
        };
        assert_eq!(mode(&file), Some(0o600));
        assert_eq!(file.parent().and_then(mode), Some(0o700));
    }
}

#[test]
fn accept_new_adds_a_newline_to_a_file_without_one() {
    let f = known_hosts(&format!("web1 {OTHER}"));
    let files = vec![f.file.clone()];
    let d = check_host_key(
        "web2",
        22,
        &key(GOOD),
        &files,
        &[],
        HostKeyChecking::AcceptNew,
    );
    assert_eq!(d, KnownHostsDecision::Learned(f.file.clone()));
    let text = std::fs::read_to_string(&f.file).expect("read");
    assert_eq!(text, format!("web1 {OTHER}\nweb2 {GOOD}\n"));
}

#[test]
fn read_only_files_are_consulted_but_never_written() {
    let global = known_hosts(&format!("web1 {GOOD}\n"));
    let dir = tempfile::tempdir().expect("tempdir");
    let user = vec![dir.path().join("known_hosts")];
    let also = vec![global.file.clone()];
    let d = check_host_key(
        "web1",
        22,
        &key(GOOD),
        &user,
        &also,
        HostKeyChecking::Strict,
    );
    assert!(matches!(d, KnownHostsDecision::Trusted { line: 1, .. }));
    let d = check_host_key(
        "web1",
        22,
        &key(OTHER),
        &user,
        &also,
        HostKeyChecking::AcceptNew,
    );
    assert!(matches!(d, KnownHostsDecision::Mismatch { line: 1, .. }));
    assert!(!user[0].exists());
}

#[test]
fn openssh_policy_words() {
    assert_eq!(
        HostKeyChecking::from_openssh("ask"),
        Some(HostKeyChecking::Strict)
    );
    assert_eq!(
        HostKeyChecking::from_openssh("Accept-New"),
        Some(HostKeyChecking::AcceptNew)
    );
    assert_eq!(
        HostKeyChecking::from_openssh("no"),
        Some(HostKeyChecking::Off)
    );
    assert_eq!(HostKeyChecking::from_openssh("maybe"), None);
}
