//! `hostvars` on real hosts: one host reads another's gathered facts and registered results, as
//! ansible-playbook shows them — and a later play still sees what an earlier one registered.

mod common;

use common::{fleet, run, ssh, tempdir, write};

const PLAY: &str = r#"- hosts: host01,host02
  tasks:
    - name: Each host says who it is
      command: cat /etc/hostname
      register: me
      changed_when: false
    - name: Each host remembers a fact of its own
      set_fact:
        token: "token-{{ inventory_hostname }}"
    - name: host01 reads host02's facts and registered result
      copy:
        dest: /tmp/peer.txt
        content: |
          fact={{ hostvars['host02'].ansible_facts.hostname }}
          top={{ hostvars.host02.ansible_hostname }}
          registered={{ hostvars['host02']['me'].stdout }}
          set_fact={{ hostvars['host02'].token }}
          own={{ hostvars[inventory_hostname].me.stdout }}
          names={{ hostvars.keys() | select('in', ['host01', 'host02']) | sort | join(',') }}
      when: inventory_hostname == 'host01'

- hosts: host02
  gather_facts: false
  tasks:
    - name: A later play sees what the first registered
      copy:
        dest: /tmp/peer.txt
        content: "{{ hostvars['host01'].me.stdout }} {{ hostvars['host01'].ansible_facts.hostname }}\n"
"#;

#[test]
fn a_host_sees_another_hosts_facts_and_registered_vars() {
    let fleet = fleet();
    let dir = tempdir();
    let play = dir.path().join("hostvars.yml");
    write(&play, PLAY);
    let inventory = fleet.join("inventory.ini").display().to_string();
    let out = run(&["play", &play.display().to_string(), "-i", &inventory]);
    assert_eq!(out.code, 0, "{}", out.show());

    let host02 = ssh("host02", "cat /etc/hostname");
    let host01 = ssh("host01", "cat /etc/hostname");
    assert!(!host02.is_empty() && host01 != host02, "{host01} {host02}");
    let expected = format!(
        "fact={host02}\ntop={host02}\nregistered={host02}\nset_fact=token-host02\nown={host01}\nnames=host01,host02"
    );
    assert_eq!(ssh("host01", "cat /tmp/peer.txt"), expected);
    assert_eq!(
        ssh("host02", "cat /tmp/peer.txt"),
        format!("{host01} {host01}")
    );
}
