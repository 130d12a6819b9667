//! A task list as written: tasks and `block`s (with `rescue` and `always`). Imports and roles are
//! already expanded into blocks when a playbook is loaded; the runner walks this tree per host
//! (`crate::exec::iterator`).

use std::sync::Arc;

/// A task list as written: tasks and blocks.
pub enum Node<T> {
    Task(Arc<T>),
    Block(Arc<Block<T>>),
}

impl<T> Clone for Node<T> {
    fn clone(&self) -> Self {
        match self {
            Node::Task(t) => Node::Task(t.clone()),
            Node::Block(b) => Node::Block(b.clone()),
        }
    }
}

/// `block:` with its `rescue:` and `always:` sections. Keywords set on the block are already part of
/// each task inside (inherited at load time); here is only the control flow.
pub struct Block<T> {
    pub block: Vec<Node<T>>,
    pub rescue: Vec<Node<T>>,
    pub always: Vec<Node<T>>,
}

impl<T: std::fmt::Debug> std::fmt::Debug for Node<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Task(t) => t.fmt(f),
            Node::Block(b) => f
                .debug_struct("Block")
                .field("block", &b.block)
                .field("rescue", &b.rescue)
                .field("always", &b.always)
                .finish(),
        }
    }
}

impl<T> Node<T> {
    /// Every task under this node, in the order written (block, rescue, always).
    pub fn tasks(&self) -> Box<dyn Iterator<Item = &T> + '_> {
        match self {
            Node::Task(t) => Box::new(std::iter::once(t.as_ref())),
            Node::Block(b) => Box::new(
                b.block
                    .iter()
                    .chain(&b.rescue)
                    .chain(&b.always)
                    .flat_map(Node::tasks),
            ),
        }
    }
}

/// Keeps the tasks `keep` accepts; blocks left with no task are dropped.
pub fn retain<T>(nodes: Vec<Node<T>>, keep: &dyn Fn(&T) -> bool) -> Vec<Node<T>> {
    nodes
        .into_iter()
        .filter_map(|node| match node {
            Node::Task(t) => keep(&t).then_some(Node::Task(t)),
            Node::Block(b) => {
                let block = Arc::try_unwrap(b).unwrap_or_else(|shared| Block {
                    block: shared.block.clone(),
                    rescue: shared.rescue.clone(),
                    always: shared.always.clone(),
                });
                let block = Block {
                    block: retain(block.block, keep),
                    rescue: retain(block.rescue, keep),
                    always: retain(block.always, keep),
                };
                let empty =
                    block.block.is_empty() && block.rescue.is_empty() && block.always.is_empty();
                (!empty).then(|| Node::Block(Arc::new(block)))
            }
        })
        .collect()
}

/// The same tree with every task replaced by `f(task)` (blocks keep their shape).
pub fn map_tasks<T>(nodes: &[Node<T>], f: &dyn Fn(&Arc<T>) -> Arc<T>) -> Vec<Node<T>> {
    nodes
        .iter()
        .map(|node| match node {
            Node::Task(t) => Node::Task(f(t)),
            Node::Block(b) => Node::Block(Arc::new(Block {
                block: map_tasks(&b.block, f),
                rescue: map_tasks(&b.rescue, f),
                always: map_tasks(&b.always, f),
            })),
        })
        .collect()
}
