//! What a user sees when a template fails, in ansible-core 2.19's words (they grep them): task
//! names that do not render are shown with `<< error N - … >>` markers and the task still runs;
//! a task whose arguments or `when:` do not render fails with `Task failed: …`. Every expected
//! text below was printed by ansible-playbook 2.19.14 for the same playbook.

mod common;

use common::{play_with, tempdir};

const INVENTORY: &str = "h1 ansible_connection=local\n";

const PLAYBOOK: &str = r#"- hosts: h1
  gather_facts: false
  tasks:
    - name: "name {{ nope }} here"
      debug: msg=x
    - name: "a {{ x1 }} b {{ 'ok' }} c {{ x2 | upper }} d"
      debug: msg=x
    - name: "loop {{ item }}"
      debug: msg={{ item }}
      loop: [1]
    - name: "filter {{ 'a' | nofilter }}"
      debug: msg=x
    - name: undefined in msg
      debug:
        msg: "{{ nope }}"
      ignore_errors: true
    - name: undefined in module arg
      file:
        path: "/tmp/{{ nope }}"
        state: directory
      ignore_errors: true
    - name: undefined in when
      debug: msg=x
      when: nope == 1
      ignore_errors: true
    - name: syntax error
      debug:
        msg: "{{ 1 + }}"
      ignore_errors: true
"#;

#[test]
fn names_that_do_not_render_show_error_markers_and_the_task_runs() {
    let dir = tempdir();
    let out = play_with(dir.path(), INVENTORY, PLAYBOOK, &[]);
    assert_eq!(out.code, 0, "{}", out.show());
    let banners = out.task_banners();
    assert_eq!(
        banners[..4],
        [
            "name << error 1 - 'nope' is undefined >> here",
            "a << error 1 - 'x1' is undefined >> b ok c << error 2 - 'x2' is undefined >> d",
            "loop << error 1 - 'item' is undefined >>",
            "<< error 1 - Syntax error in template: No filter named 'nofilter'. >>",
        ],
        "{}",
        out.show()
    );
    let output = format!("{}{}", out.stdout, out.stderr);
    assert!(
        output
            .contains("[WARNING]: Encountered 2 template errors.\nerror 1 - 'x1' is undefined\nerror 2 - 'x2' is undefined\nOrigin: "),
        "{}",
        out.show()
    );
    // The tasks ran: four ok, the four failures ignored.
    assert_eq!(out.count("h1", "ok"), 8, "{}", out.show());
    assert_eq!(out.count("h1", "ignored"), 4, "{}", out.show());
}

#[test]
fn task_errors_start_with_ansibles_words() {
    let dir = tempdir();
    let out = play_with(dir.path(), INVENTORY, PLAYBOOK, &[]);
    for expected in [
        "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': 'nope' is undefined",
        "Task failed: Finalization of task args for 'ansible.builtin.file' failed: Error while resolving value for 'path': 'nope' is undefined",
        "Task failed: Error while evaluating conditional: 'nope' is undefined",
        "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': Syntax error in template: ",
    ] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with("fatal: [h1]: FAILED! => ") && l.contains(expected)),
            "{expected}\n{}",
            out.show()
        );
    }
}
