//! `async`/`poll: 0` on real hosts: the job runs detached from the SSH session — it outlives the
//! run that started it — with its status file under `~/.ansible_async/JID` on the target, and a
//! later run's `async_status` reads what that file says (as ansible-core's `async` target checks
//! with a job started in an earlier play).

mod common;

use common::{fleet, ssh};

fn play_on_fleet(text: &str) -> common::Outcome {
    common::play_on(&fleet(), text, &[])
}

#[test]
fn a_job_outlives_the_run_that_started_it() {
    let stamp = "/tmp/drover-async-stamp";
    ssh("host04", &format!("rm -f {stamp}"));
    let started = std::time::Instant::now();
    let out = play_on_fleet(&format!(
        r#"- hosts: host04
  gather_facts: false
  tasks:
    - shell: "sleep 3; hostname > {stamp}"
      async: 60
      poll: 0
      register: job
    - debug:
        msg: "JID={{{{ job.ansible_job_id }}}}"
"#
    ));
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        started.elapsed().as_secs() < 3,
        "the run waited for the job"
    );
    let jid = out
        .stdout
        .split("JID=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no job id\n{}", out.show()))
        .to_string();
    let status = ssh("host04", &format!("cat ~/.ansible_async/{jid}"));
    assert!(status.contains("\"finished\": 0"), "{status}");
    assert_eq!(ssh("host04", &format!("cat {stamp} 2>/dev/null")), "");
    // drover has exited; the job goes on and finishes on its own.
    std::thread::sleep(std::time::Duration::from_secs(5));
    assert_eq!(ssh("host04", &format!("cat {stamp}")), "host04");
    let status = ssh("host04", &format!("cat ~/.ansible_async/{jid}"));
    assert!(
        status.contains("\"finished\": 1") && status.contains("\"rc\": 0"),
        "{status}"
    );

    // A later run knows nothing of the job but what its status file says.
    let out = play_on_fleet(&format!(
        r#"- hosts: host04
  gather_facts: false
  tasks:
    - async_status: jid={jid}
      register: st
    - assert:
        that: [st.finished, st.rc == 0, st.ansible_job_id == '{jid}']
    - async_status: jid={jid} mode=cleanup
"#
    ));
    assert_eq!(out.code, 0, "{}", out.show());
    assert_eq!(
        ssh("host04", &format!("ls ~/.ansible_async/ | grep -c {jid}")),
        "0"
    );
}

#[test]
fn jobs_on_several_hosts_are_polled_until_finished() {
    let out = play_on_fleet(
        r#"- hosts: host01,host02,host03
  gather_facts: false
  tasks:
    - command: "sh -c 'sleep {{ inventory_hostname[-1] }}; cat /etc/hostname'"
      async: 60
      poll: 0
      register: job
    - async_status: jid={{ job.ansible_job_id }}
      register: st
      until: st.finished
      retries: 20
      delay: 1
    - assert:
        that: st.stdout == inventory_hostname
"#,
    );
    assert_eq!(out.code, 0, "{}", out.show());
    for host in ["host01", "host02", "host03"] {
        assert_eq!(out.count(host, "failed"), 0, "{}", out.show());
        assert_eq!(out.count(host, "ok"), 3, "{}", out.show());
        assert_eq!(out.count(host, "changed"), 2, "{}", out.show());
    }
}
