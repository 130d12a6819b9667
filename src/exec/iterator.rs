//! Where each host is in a play's task tree: blocks with `rescue`/`always`, and task lists included
//! at run time (`include_tasks`, `include_role`) for that host alone.
//!
//! Every task has a [`Position`]: the path of indexes that leads to it (a block's sections add the
//! block's index and the section; included tasks extend the include's position). Positions compare
//! lexicographically, which is the order the play is written in. The linear strategy runs, each
//! round, the task with the lowest position among every host's next task, on the hosts whose next
//! task it is — so a host in a `rescue` waits while the others finish the block, as Ansible's
//! lockstep does.

pub use crate::playbook::tree::{Block, Node};
use std::sync::Arc;

/// The path to a task; the play's order is the lexicographic order of paths.
pub type Position = Vec<u32>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Block = 0,
    Rescue = 1,
    Always = 2,
}

enum Source<T> {
    List(Arc<Vec<Node<T>>>),
    Block(Arc<Block<T>>, Section),
}

impl<T> Source<T> {
    fn nodes(&self) -> &[Node<T>] {
        match self {
            Source::List(list) => list,
            Source::Block(block, Section::Block) => &block.block,
            Source::Block(block, Section::Rescue) => &block.rescue,
            Source::Block(block, Section::Always) => &block.always,
        }
    }
}

struct Frame<T> {
    source: Source<T>,
    next: usize,
    /// The position of this list; a node at index i is at `prefix + [i]`.
    prefix: Position,
    /// A failure this block did not rescue: the host fails once `always` has run.
    failure_pending: bool,
}

impl<T> Frame<T> {
    fn list(list: Arc<Vec<Node<T>>>, prefix: Position) -> Self {
        Frame {
            source: Source::List(list),
            next: 0,
            prefix,
            failure_pending: false,
        }
    }

    fn section_prefix(&self, section: Section) -> Position {
        let mut prefix = self.prefix.clone();
        prefix.truncate(prefix.len().saturating_sub(1));
        prefix.push(section as u32);
        prefix
    }

    /// Moves a block frame to another of its sections.
    fn enter(&mut self, section: Section) {
        if let Source::Block(block, _) = &self.source {
            let block = block.clone();
            self.prefix = self.section_prefix(section);
            self.source = Source::Block(block, section);
            self.next = 0;
        }
    }

    fn section(&self) -> Option<Section> {
        match &self.source {
            Source::Block(_, s) => Some(*s),
            Source::List(_) => None,
        }
    }

    fn has_rescue(&self) -> bool {
        matches!(&self.source, Source::Block(b, _) if !b.rescue.is_empty())
    }
}

/// What happened to a host's current task, as far as the control flow cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// ok, changed, skipped, or failed with `ignore_errors`.
    Done,
    /// Failed: the enclosing block's `rescue` runs, else its `always`, else the host fails.
    Failed,
}

/// What a failure led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// A `rescue` section starts: the failure is handled (Ansible counts it as rescued).
    Rescued,
    /// An `always` section runs first; the host fails after it.
    Deferred,
    /// The host has failed: nothing more runs for it in this play.
    HostFailed,
}

/// One host's place in a task tree.
pub struct Cursor<T> {
    frames: Vec<Frame<T>>,
    failed: bool,
    /// A failure an `always` held back was then taken by an enclosing `rescue` (see
    /// [`Cursor::take_late_rescue`]).
    late_rescue: bool,
}

impl<T> Cursor<T> {
    pub fn new(tasks: Arc<Vec<Node<T>>>) -> Self {
        Cursor {
            frames: vec![Frame::list(tasks, Vec::new())],
            failed: false,
            late_rescue: false,
        }
    }

    /// The host failed and left the tree (nothing rescued it).
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Whether a failure here will reach a `rescue` (possibly after inner `always` sections): Ansible
    /// shows `ansible_failed_task` to those `always` sections only then.
    pub fn rescue_ahead(&self) -> bool {
        self.frames
            .iter()
            .any(|f| f.section() == Some(Section::Block) && f.has_rescue())
    }

    /// Whether, since the last call, a failure held back by an inner `always` reached an outer
    /// `rescue` (Ansible counts it rescued, not failed, once that `always` has run).
    pub fn take_late_rescue(&mut self) -> bool {
        std::mem::take(&mut self.late_rescue)
    }

    /// The host's next task and where it is, descending into blocks; `None` when the host is through.
    /// Calling it again without [`Cursor::advance`] gives the same task.
    pub fn peek(&mut self) -> Option<(Position, Arc<T>)> {
        loop {
            let top = self.frames.last_mut()?;
            let Some(node) = top.source.nodes().get(top.next).cloned() else {
                self.finish_frame();
                continue;
            };
            let mut position = top.prefix.clone();
            position.push(top.next as u32);
            match node {
                Node::Task(task) => return Some((position, task)),
                Node::Block(block) => {
                    top.next += 1;
                    position.push(Section::Block as u32);
                    self.frames.push(Frame {
                        source: Source::Block(block, Section::Block),
                        next: 0,
                        prefix: position,
                        failure_pending: false,
                    });
                }
            }
        }
    }

    /// A frame ran out of tasks: a block moves on to `always`, a finished `always` hands a pending
    /// failure to the enclosing frame, a list simply ends.
    fn finish_frame(&mut self) {
        let Some(top) = self.frames.last_mut() else {
            return;
        };
        match top.section() {
            Some(Section::Block) | Some(Section::Rescue) => top.enter(Section::Always),
            Some(Section::Always) => {
                let pending = top.failure_pending;
                self.frames.pop();
                if pending && self.fail() == AfterFailure::Rescued {
                    self.late_rescue = true;
                }
            }
            None => {
                self.frames.pop();
            }
        }
    }

    /// Records what the task [`Cursor::peek`] gave did on this host.
    pub fn advance(&mut self, outcome: Outcome) -> Option<AfterFailure> {
        if let Some(top) = self.frames.last_mut() {
            top.next += 1;
        }
        match outcome {
            Outcome::Done => None,
            Outcome::Failed => Some(self.fail()),
        }
    }

    /// A failure at the current place: the innermost block that can handle it does.
    fn fail(&mut self) -> AfterFailure {
        loop {
            let Some(top) = self.frames.last_mut() else {
                self.failed = true;
                return AfterFailure::HostFailed;
            };
            match top.section() {
                Some(Section::Block) if top.has_rescue() => {
                    top.enter(Section::Rescue);
                    return AfterFailure::Rescued;
                }
                Some(Section::Block) | Some(Section::Rescue) => {
                    top.enter(Section::Always);
                    top.failure_pending = true;
                    return AfterFailure::Deferred;
                }
                Some(Section::Always) | None => {
                    self.frames.pop();
                }
            }
        }
    }

    /// A failure forced on this host from outside (`any_errors_fatal`, a failed `run_once`): handled
    /// at the host's current place as its own failure would be.
    pub fn force_failure(&mut self) -> AfterFailure {
        self.fail()
    }

    /// Runs `tasks` next for this host, as children of the task just advanced past (an include).
    /// `at` is the include's position.
    #[cfg(test)]
    pub fn include(&mut self, at: &[u32], tasks: Arc<Vec<Node<T>>>) {
        self.include_files(at, vec![(0, tasks)]);
    }

    /// Runs the task lists of several included files next, in order, as children of the include
    /// at `at`. Each comes with its index among every file that include brought in on any host: a
    /// file's tasks are at `at + [index, i]`, so hosts that included the same file (the same `Arc`)
    /// run its tasks together, and files run in that order — Ansible's linear strategy puts every
    /// included file's tasks, in the order the files were included, before the next task.
    pub fn include_files(&mut self, at: &[u32], files: Vec<(u32, Arc<Vec<Node<T>>>)>) {
        for (index, tasks) in files.into_iter().rev() {
            let mut prefix = at.to_vec();
            prefix.push(index);
            self.frames.push(Frame::list(tasks, prefix));
        }
    }

    /// `meta: clear_host_errors`: failures the `always` sections around hold back are forgotten,
    /// so the host goes on after them (a host already out of the tree stays out, as in Ansible).
    pub fn clear_errors(&mut self) {
        for frame in &mut self.frames {
            frame.failure_pending = false;
        }
    }

    /// Ends the play for this host (`meta: end_host`, `end_play`), without failing it.
    pub fn end(&mut self) {
        self.frames.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(name: &'static str) -> Node<&'static str> {
        Node::Task(Arc::new(name))
    }

    fn block(
        block: Vec<Node<&'static str>>,
        rescue: Vec<Node<&'static str>>,
        always: Vec<Node<&'static str>>,
    ) -> Node<&'static str> {
        Node::Block(Arc::new(Block {
            block,
            rescue,
            always,
        }))
    }

    /// Runs a cursor to the end; `fails` names the tasks that fail. Returns the tasks run, in order.
    fn walk(tree: Vec<Node<&'static str>>, fails: &[&str]) -> (Vec<&'static str>, bool) {
        let mut cursor = Cursor::new(Arc::new(tree));
        let mut ran = Vec::new();
        let mut last: Option<Position> = None;
        while let Some((position, name)) = cursor.peek() {
            assert!(
                last.as_ref().is_none_or(|l| *l < position),
                "positions go forward: {last:?} then {position:?}"
            );
            last = Some(position);
            ran.push(*name);
            let outcome = if fails.contains(&*name) {
                Outcome::Failed
            } else {
                Outcome::Done
            };
            cursor.advance(outcome);
        }
        (ran, cursor.failed())
    }

    #[test]
    fn flat_list_runs_in_order() {
        let (ran, failed) = walk(vec![task("a"), task("b")], &[]);
        assert_eq!(ran, ["a", "b"]);
        assert!(!failed);
    }

    #[test]
    fn block_without_failure_skips_rescue_runs_always() {
        let tree = vec![
            block(
                vec![task("b1"), task("b2")],
                vec![task("r")],
                vec![task("al")],
            ),
            task("after"),
        ];
        assert_eq!(walk(tree, &[]).0, ["b1", "b2", "al", "after"]);
    }

    #[test]
    fn failure_rescued_then_always_then_on() {
        let tree = vec![
            block(
                vec![task("b1"), task("b2")],
                vec![task("r")],
                vec![task("al")],
            ),
            task("after"),
        ];
        let (ran, failed) = walk(tree, &["b1"]);
        assert_eq!(ran, ["b1", "r", "al", "after"]);
        assert!(!failed);
    }

    #[test]
    fn failure_held_by_an_inner_always_is_rescued_by_the_outer_block() {
        let tree = vec![
            block(
                vec![block(vec![task("b1")], vec![], vec![task("al")])],
                vec![task("r")],
                vec![],
            ),
            task("after"),
        ];
        let mut cursor = Cursor::new(Arc::new(tree));
        let mut ran = Vec::new();
        let mut late = Vec::new();
        while let Some((_, name)) = cursor.peek() {
            if cursor.take_late_rescue() {
                late.push(*name);
            }
            ran.push(*name);
            let failed = *name == "b1";
            cursor.advance(if failed {
                Outcome::Failed
            } else {
                Outcome::Done
            });
        }
        assert_eq!(ran, ["b1", "al", "r", "after"]);
        assert_eq!(late, ["r"], "the rescue is reported once, as it starts");
        assert!(!cursor.failed());
    }

    #[test]
    fn failure_without_rescue_runs_always_then_fails() {
        let tree = vec![
            block(vec![task("b1"), task("b2")], vec![], vec![task("al")]),
            task("after"),
        ];
        let (ran, failed) = walk(tree, &["b1"]);
        assert_eq!(ran, ["b1", "al"]);
        assert!(failed);
    }

    #[test]
    fn cleared_errors_let_the_host_go_on_after_always() {
        let tree = vec![
            block(
                vec![block(vec![task("b1")], vec![], vec![])],
                vec![],
                vec![task("clear")],
            ),
            task("after"),
        ];
        let mut cursor = Cursor::new(Arc::new(tree));
        let mut ran = Vec::new();
        while let Some((_, name)) = cursor.peek() {
            ran.push(*name);
            if *name == "clear" {
                cursor.clear_errors();
            }
            let failed = *name == "b1";
            cursor.advance(if failed {
                Outcome::Failed
            } else {
                Outcome::Done
            });
        }
        assert_eq!(ran, ["b1", "clear", "after"]);
        assert!(!cursor.failed());
    }

    #[test]
    fn failure_in_rescue_runs_always_then_fails() {
        let tree = vec![
            block(
                vec![task("b1")],
                vec![task("r1"), task("r2")],
                vec![task("al")],
            ),
            task("after"),
        ];
        let (ran, failed) = walk(tree, &["b1", "r1"]);
        assert_eq!(ran, ["b1", "r1", "al"]);
        assert!(failed);
    }

    #[test]
    fn nested_block_failure_reaches_the_outer_rescue() {
        let inner = block(vec![task("i1"), task("i2")], vec![], vec![task("ia")]);
        let tree = vec![
            block(vec![inner, task("o2")], vec![task("or")], vec![task("oa")]),
            task("after"),
        ];
        let (ran, failed) = walk(tree, &["i1"]);
        assert_eq!(ran, ["i1", "ia", "or", "oa", "after"]);
        assert!(!failed);
    }

    #[test]
    fn failure_outside_blocks_fails_the_host() {
        let (ran, failed) = walk(vec![task("a"), task("b")], &["a"]);
        assert_eq!(ran, ["a"]);
        assert!(failed);
    }

    #[test]
    fn included_tasks_run_after_the_include_and_before_the_next() {
        let mut cursor = Cursor::new(Arc::new(vec![task("inc"), task("next")]));
        let (at, name) = cursor.peek().unwrap_or_else(|| panic!("a task"));
        assert_eq!(*name, "inc");
        cursor.advance(Outcome::Done);
        cursor.include(&at, Arc::new(vec![task("x"), task("y")]));
        let mut ran = Vec::new();
        let mut positions = Vec::new();
        while let Some((p, name)) = cursor.peek() {
            ran.push(*name);
            positions.push(p);
            cursor.advance(Outcome::Done);
        }
        assert_eq!(ran, ["x", "y", "next"]);
        assert!(positions.windows(2).all(|w| w[0] < w[1]));
        assert!(at < positions[0]);
    }

    #[test]
    fn a_failure_in_included_tasks_reaches_the_enclosing_block() {
        let tree = vec![block(
            vec![task("inc"), task("b2")],
            vec![task("r")],
            vec![],
        )];
        let mut cursor = Cursor::new(Arc::new(tree));
        let (at, _) = cursor.peek().unwrap_or_else(|| panic!("a task"));
        cursor.advance(Outcome::Done);
        cursor.include(&at, Arc::new(vec![task("x")]));
        let (_, x) = cursor.peek().unwrap_or_else(|| panic!("x"));
        assert_eq!(*x, "x");
        assert_eq!(cursor.advance(Outcome::Failed), Some(AfterFailure::Rescued));
        let (_, r) = cursor.peek().unwrap_or_else(|| panic!("r"));
        assert_eq!(*r, "r");
    }

    #[test]
    fn hosts_with_different_included_files_run_them_file_by_file() {
        // Host A includes file 0 (a1, a2), host B file 1 (b1): a1, a2 come before b1 (Ansible's
        // linear strategy), and both before the task after the include.
        let tree = Arc::new(vec![task("inc"), task("after")]);
        let (mut a, mut b) = (Cursor::new(tree.clone()), Cursor::new(tree));
        let (at, _) = a.peek().unwrap_or_else(|| panic!("inc"));
        b.peek();
        a.advance(Outcome::Done);
        b.advance(Outcome::Done);
        a.include_files(&at, vec![(0, Arc::new(vec![task("a1"), task("a2")]))]);
        b.include_files(&at, vec![(1, Arc::new(vec![task("b1")]))]);
        let mut order = Vec::new();
        loop {
            let mut next: Vec<(Position, &'static str, usize)> = Vec::new();
            for (i, c) in [&mut a, &mut b].into_iter().enumerate() {
                if let Some((p, t)) = c.peek() {
                    next.push((p, *t, i));
                }
            }
            let Some(first) = next.iter().min_by(|x, y| x.0.cmp(&y.0)).cloned() else {
                break;
            };
            order.push(first.1);
            for (p, _, i) in next {
                if p == first.0 {
                    [&mut a, &mut b][i].advance(Outcome::Done);
                }
            }
        }
        assert_eq!(order, ["a1", "a2", "b1", "after"]);
    }

    #[test]
    fn several_files_for_one_host_run_in_their_order() {
        let mut cursor = Cursor::new(Arc::new(vec![task("inc"), task("next")]));
        let (at, _) = cursor.peek().unwrap_or_else(|| panic!("inc"));
        cursor.advance(Outcome::Done);
        cursor.include_files(
            &at,
            vec![
                (0, Arc::new(vec![task("first")])),
                (2, Arc::new(vec![task("second")])),
            ],
        );
        let mut ran = Vec::new();
        while let Some((_, name)) = cursor.peek() {
            ran.push(*name);
            cursor.advance(Outcome::Done);
        }
        assert_eq!(ran, ["first", "second", "next"]);
    }

    #[test]
    fn lockstep_order_lets_a_rescuing_host_wait() {
        // Host A fails b1 and goes to rescue; host B goes on with b2. The lower position runs first.
        let tree = Arc::new(vec![block(
            vec![task("b1"), task("b2")],
            vec![task("r")],
            vec![task("al")],
        )]);
        let mut a = Cursor::new(tree.clone());
        let mut b = Cursor::new(tree);
        a.peek();
        b.peek();
        a.advance(Outcome::Failed);
        b.advance(Outcome::Done);
        let (pa, ta) = a.peek().unwrap_or_else(|| panic!("a"));
        let (pb, tb) = b.peek().unwrap_or_else(|| panic!("b"));
        assert_eq!((*ta, *tb), ("r", "b2"));
        assert!(pb < pa, "b2 runs before the rescue");
    }
}
