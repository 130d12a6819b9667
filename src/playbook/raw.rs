//! The playbook as YAML gives it, before any checking: every key and value with the line it is on,
//! read in one pass (a task list is a list of spanned mappings, not a JSON value).

use crate::yaml::Spanned;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// A YAML mapping whose keys keep their own line (an error about `block:` points at `block:`, not
/// at the list below it). A repeated key keeps its last value, as PyYAML does.
#[derive(Debug, Clone, Default)]
pub struct RawMap {
    entries: Vec<(Spanned<String>, Spanned<Value>)>,
    /// `block:`, `rescue:`, `always:` read as task lists, each task with its own line.
    lists: Vec<(Spanned<String>, Vec<RawTask>)>,
}

/// The keys whose value is a list of tasks inside a task (a block).
pub const BLOCK_LISTS: [&str; 3] = ["block", "rescue", "always"];

impl RawMap {
    pub fn from_entries(entries: Vec<(Spanned<String>, Spanned<Value>)>) -> Self {
        let mut map = RawMap::default();
        for (key, value) in entries {
            map.insert(key, value);
        }
        map
    }

    fn insert(&mut self, key: Spanned<String>, value: Spanned<Value>) {
        self.entries.retain(|(k, _)| k.value != key.value);
        self.entries.push((key, value));
    }

    pub fn get(&self, key: &str) -> Option<&Spanned<Value>> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| v)
    }

    pub fn value(&self, key: &str) -> Option<&Value> {
        self.get(key).map(|v| &v.value)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(Spanned<String>, Spanned<Value>)> {
        self.entries.iter()
    }

    /// A block's task list (`block`, `rescue`, `always`), when the task has it.
    pub fn tasks(&self, key: &str) -> Option<&[RawTask]> {
        self.lists
            .iter()
            .rev()
            .find(|(k, _)| k.value == key)
            .map(|(_, tasks)| tasks.as_slice())
    }

    /// The key of a block's task list, for messages and spans.
    pub fn list_key(&self, key: &str) -> Option<&Spanned<String>> {
        self.lists
            .iter()
            .rev()
            .find(|(k, _)| k.value == key)
            .map(|(k, _)| k)
    }

    pub fn is_block(&self) -> bool {
        self.lists.iter().any(|(k, _)| k.value == "block")
    }
}

impl<'de> Deserialize<'de> for RawMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EntriesVisitor)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = RawMap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        let mut lists = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            if BLOCK_LISTS.contains(&key.value.as_str()) {
                let tasks: Option<Vec<RawTask>> = map.next_value()?;
                lists.push((key, tasks.unwrap_or_default()));
            } else {
                entries.push((key, map.next_value::<Spanned<Value>>()?));
            }
        }
        let mut raw = RawMap::from_entries(entries);
        raw.lists = lists;
        Ok(raw)
    }
}

/// A task (or handler) as written.
pub type RawTask = Spanned<RawMap>;

/// The four task lists of a play.
pub const TASK_LISTS: [&str; 4] = ["pre_tasks", "tasks", "post_tasks", "handlers"];

/// A play as written: its keywords, and its task lists read as spanned tasks.
#[derive(Debug, Default)]
pub struct RawPlay {
    pub keywords: RawMap,
    /// `(key, tasks)` for `pre_tasks`, `tasks`, `post_tasks`, `handlers`, as present.
    pub lists: Vec<(Spanned<String>, Vec<RawTask>)>,
    /// `roles:` entries (a name or a mapping), each with its own line.
    pub roles: Vec<Spanned<Value>>,
}

impl RawPlay {
    pub fn tasks(&self, list: &str) -> &[RawTask] {
        self.lists
            .iter()
            .rev()
            .find(|(k, _)| k.value == list)
            .map(|(_, tasks)| tasks.as_slice())
            .unwrap_or_default()
    }

    pub fn roles(&self) -> &[Spanned<Value>] {
        &self.roles
    }
}

impl<'de> Deserialize<'de> for RawPlay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(PlayVisitor)
    }
}

struct PlayVisitor;

impl<'de> Visitor<'de> for PlayVisitor {
    type Value = RawPlay;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a play (a mapping with `hosts:` and `tasks:`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawPlay, A::Error> {
        let mut keywords = Vec::new();
        let mut lists = Vec::new();
        let mut roles = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            if TASK_LISTS.contains(&key.value.as_str()) {
                let tasks: Option<Vec<RawTask>> = map.next_value()?;
                lists.push((key, tasks.unwrap_or_default()));
            } else if key.value == "roles" {
                let entries: Option<Vec<Spanned<Value>>> = map.next_value()?;
                roles = entries.unwrap_or_default();
            } else {
                keywords.push((key, map.next_value::<Spanned<Value>>()?));
            }
        }
        Ok(RawPlay {
            keywords: RawMap::from_entries(keywords),
            lists,
            roles,
        })
    }
}
