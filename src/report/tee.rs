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

    fn recap(&mut self, summary: &RunSummary) {
        self.reporters.iter_mut().for_each(|r| r.recap(summary));
    }
}
