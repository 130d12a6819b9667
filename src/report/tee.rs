//! A fan-out reporter: every event goes to each of several reporters, in order. It lets the file
//! reports (`--junit`, `--report`) ride along with whatever `--output` prints.

use super::Reporter;
use crate::exec::{RunSummary, TaskResult};
use crate::playbook::{Play, Task};

pub struct TeeReporter<'a> {
    reporters: Vec<&'a mut dyn Reporter>,
}

impl<'a> TeeReporter<'a> {
    pub fn new(reporters: Vec<&'a mut dyn Reporter>) -> Self {
        TeeReporter { reporters }
    }
}

impl Reporter for TeeReporter<'_> {
    fn play_start(&mut self, play: &Play) {
        self.reporters.iter_mut().for_each(|r| r.play_start(play));
    }

    fn task_start(&mut self, task: &Task, handler: bool) {
        self.reporters
            .iter_mut()
            .for_each(|r| r.task_start(task, handler));
    }

    fn task_hosts(&mut self, hosts: &[&str], at_once: usize) {
        self.reporters
            .iter_mut()
            .for_each(|r| r.task_hosts(hosts, at_once));
    }

    fn host_result(&mut self, host: &str, task: Option<&Task>, result: &TaskResult) {
        self.reporters
            .iter_mut()
            .for_each(|r| r.host_result(host, task, result));
    }

    fn no_hosts_left(&mut self) {
        self.reporters.iter_mut().for_each(|r| r.no_hosts_left());
    }

    fn warning(&mut self, msg: &str) {
        self.reporters.iter_mut().for_each(|r| r.warning(msg));
    }

    fn included(&mut self, file: &std::path::Path, hosts: &[String], item: Option<&str>) {
        self.reporters
            .iter_mut()
            .for_each(|r| r.included(file, hosts, item));
    }

    fn recap(&mut self, summary: &RunSummary) {
        self.reporters.iter_mut().for_each(|r| r.recap(summary));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::Status;

    /// Writes down the events it gets.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Reporter for Log {
        fn play_start(&mut self, play: &Play) {
            self.0.push(format!("play {}", play.name));
        }
        fn task_start(&mut self, task: &Task, handler: bool) {
            self.0
                .push(format!("task {} {handler}", task.display_name()));
        }
        fn host_result(&mut self, host: &str, _: Option<&Task>, result: &TaskResult) {
            self.0.push(format!("{host} {}", result.status.as_str()));
        }
        fn no_hosts_left(&mut self) {
            self.0.push("none left".into());
        }
        fn included(&mut self, file: &std::path::Path, hosts: &[String], _: Option<&str>) {
            self.0
                .push(format!("included {} {}", file.display(), hosts.join(",")));
        }
        fn warning(&mut self, msg: &str) {
            self.0.push(format!("warning {msg}"));
        }
        fn recap(&mut self, _: &RunSummary) {
            self.0.push("recap".into());
        }
    }

    #[test]
    fn every_reporter_gets_every_event_in_order() {
        let task = crate::playbook::adhoc_task("ping", serde_json::Value::Null)
            .unwrap_or_else(|e| panic!("{e}"));
        let play = Play {
            name: "p".into(),
            hosts: "all".into(),
            vars: Default::default(),
            vars_files: Vec::new(),
            prompts: Vec::new(),
            gather_facts: None,
            tags: Vec::new(),
            tags_error: None,
            sections: Vec::new(),
            handlers: Vec::new(),
            flow: Default::default(),
            roles: Default::default(),
            origin: Default::default(),
        };
        let (mut first, mut second) = (Log::default(), Log::default());
        let mut tee = TeeReporter::new(vec![&mut first, &mut second]);
        tee.play_start(&play);
        tee.task_start(&task, true);
        let ok = TaskResult::new(Status::Ok, Default::default(), "ping");
        tee.host_result("web1", Some(&task), &ok);
        tee.included(std::path::Path::new("more.yml"), &["web1".into()], None);
        tee.warning("careful");
        tee.no_hosts_left();
        tee.recap(&RunSummary::default());
        let expected = [
            "play p",
            "task ping true",
            "web1 ok",
            "included more.yml web1",
            "warning careful",
            "none left",
            "recap",
        ];
        assert_eq!(first.0, expected);
        assert_eq!(second.0, expected);
    }
}
