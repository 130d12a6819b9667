//! `hostvars`: every inventory host's variables, as another host's templates see them —
//! `hostvars['web2'].ansible_facts.hostname`, `hostvars[x]['registered'].stdout`.
//!
//! Lazy, as Ansible's: nothing is merged, resolved or converted until a template names a host, and
//! then only that host's variables, once per change of its facts. The engine publishes a host's
//! facts and registered results between tasks (a cheap replacement of one entry); no task's
//! variables ever hold a copy of other hosts' variables, so the controller's cost per host-task
//! does not grow with the fleet.
//!
//! What a host shows, as ansible-core 2.19 shows it: inventory variables, its magic variables
//! (`inventory_hostname`, `group_names`, …), facts, registered results and `set_fact`s, extra
//! vars — not play or task `vars` (those belong to a play, not to the host).

use super::Templar;
use super::Vars;
use minijinja::Value as JinjaValue;
use minijinja::value::{Enumerator, Object};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

/// The run's hosts as `hostvars` shows them; shared by every play's templates.
#[derive(Default)]
pub struct HostvarsStore {
    /// Inventory order, as `hostvars.keys()` lists them (`add_host` appends).
    names: RwLock<Vec<String>>,
    hosts: RwLock<HashMap<String, Arc<HostEntry>>>,
}

/// One host's variables as last published; resolved and converted on first use.
struct HostEntry {
    /// Inventory and magic variables: set once per run.
    base: Arc<Vars>,
    /// Facts, registered results, `set_fact`s: replaced whenever they change.
    facts: Arc<Vars>,
    view: OnceLock<JinjaValue>,
}

impl HostvarsStore {
    /// `base`: each inventory host with its inventory and magic variables, in inventory order.
    pub fn new(base: Vec<(String, Vars)>) -> Arc<HostvarsStore> {
        let names = base.iter().map(|(name, _)| name.clone()).collect();
        let hosts = base
            .into_iter()
            .map(|(name, vars)| {
                let entry = HostEntry {
                    base: Arc::new(vars),
                    facts: Arc::default(),
                    view: OnceLock::new(),
                };
                (name, Arc::new(entry))
            })
            .collect();
        Arc::new(HostvarsStore {
            names: RwLock::new(names),
            hosts: RwLock::new(hosts),
        })
    }

    /// Records `host`'s facts and registered results as they are now; its view is rebuilt on
    /// next use. A host outside the inventory (none today) is ignored.
    pub fn publish(&self, host: &str, facts: &Vars) {
        let Ok(mut hosts) = self.hosts.write() else {
            return;
        };
        let Some(entry) = hosts.get_mut(host) else {
            return;
        };
        *entry = Arc::new(HostEntry {
            base: Arc::clone(&entry.base),
            facts: Arc::new(facts.clone()),
            view: OnceLock::new(),
        });
    }

    /// Replaces `host`'s inventory and magic variables (its inventory changed: `add_host`,
    /// `group_by`), adding the host when it is new; its facts stay.
    pub fn set_base(&self, host: &str, base: Vars) {
        let (Ok(mut names), Ok(mut hosts)) = (self.names.write(), self.hosts.write()) else {
            return;
        };
        let facts = match hosts.get(host) {
            Some(entry) => Arc::clone(&entry.facts),
            None => {
                names.push(host.to_string());
                Arc::default()
            }
        };
        let entry = HostEntry {
            base: Arc::new(base),
            facts,
            view: OnceLock::new(),
        };
        hosts.insert(host.to_string(), Arc::new(entry));
    }

    fn names(&self) -> Vec<String> {
        self.names.read().map(|n| n.clone()).unwrap_or_default()
    }

    fn entry(&self, host: &str) -> Option<Arc<HostEntry>> {
        self.hosts.read().ok()?.get(host).cloned()
    }
}

/// The `hostvars` template global of one play: the run's store, with the variables every host
/// shows above its own (run-wide magic variables, extra vars) and the templates (without `hostvars` itself) that resolve a host's templated variables.
pub struct Hostvars {
    store: Arc<HostvarsStore>,
    above: Arc<Vars>,
    templar: Arc<Templar>,
}

impl Hostvars {
    /// `above`: variables every host shows, over its own (`groups`, `ansible_version`, extra vars).
    pub fn new(store: Arc<HostvarsStore>, above: Arc<Vars>, templar: Arc<Templar>) -> Self {
        Hostvars {
            store,
            above,
            templar,
        }
    }

    /// The host's variables as a template value: merged by precedence and resolved in the
    /// host's own scope (`x: "{{ inventory_hostname }}"` is the named host's name).
    fn view_of(&self, entry: &HostEntry) -> JinjaValue {
        entry
            .view
            .get_or_init(|| {
                let mut vars = (*entry.base).clone();
                vars.extend(entry.facts.iter().map(|(k, v)| (k.clone(), v.clone())));
                vars.extend(self.above.iter().map(|(k, v)| (k.clone(), v.clone())));
                self.templar.resolve_vars(&mut vars);
                self.templar.context(&vars)
            })
            .clone()
    }
}

impl fmt::Debug for Hostvars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hostvars")
            .field("hosts", &self.store.names().len())
            .finish()
    }
}

impl Object for Hostvars {
    fn get_value(self: &Arc<Self>, key: &JinjaValue) -> Option<JinjaValue> {
        let entry = self.store.entry(key.as_str()?)?;
        Some(self.view_of(&entry))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let names: Vec<JinjaValue> = self
            .store
            .names()
            .iter()
            .map(|n| JinjaValue::from(n.as_str()))
            .collect();
        Enumerator::Values(names)
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.store.names().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn vars(value: Value) -> Vars {
        match value {
            Value::Object(map) => map,
            _ => Vars::new(),
        }
    }

    fn setup() -> (Arc<HostvarsStore>, Templar) {
        let base = |name: &str| {
            vars(json!({
                "inventory_hostname": name,
                "x": "{{ inventory_hostname }}-x",
            }))
        };
        let store = HostvarsStore::new(vec![("h1".into(), base("h1")), ("h2".into(), base("h2"))]);
        let resolver = Arc::new(Templar::new());
        let extra = Arc::new(vars(json!({"e": "extra"})));
        let hostvars = Hostvars::new(Arc::clone(&store), extra, resolver);
        let templar = Templar::new().with_global_object("hostvars", hostvars);
        (store, templar)
    }

    #[test]
    fn another_hosts_variables_are_resolved_in_its_own_scope() {
        let (store, templar) = setup();
        store.publish("h2", &vars(json!({"out": {"stdout": "hi"}})));
        let me = vars(json!({"inventory_hostname": "h1"}));
        let seen = templar
            .render_str(
                "{{ hostvars['h2'].x }} {{ hostvars.h2.out.stdout }} {{ hostvars['h1']['x'] }} {{ hostvars.h2.e }}",
                &me,
            )
            .expect("renders");
        assert_eq!(seen, json!("h2-x hi h1-x extra"));
        let keys = templar
            .render_str("{{ hostvars.keys() | list }} {{ hostvars | length }}", &me)
            .expect("renders");
        assert_eq!(keys, json!("['h1', 'h2'] 2"));
    }

    #[test]
    fn a_new_publication_replaces_the_old_view() {
        let (store, templar) = setup();
        let me = Vars::new();
        store.publish("h2", &vars(json!({"n": 1})));
        let first = templar.render_str("{{ hostvars.h2.n }}", &me);
        store.publish("h2", &vars(json!({"n": 2})));
        let second = templar.render_str("{{ hostvars.h2.n }}", &me);
        assert_eq!((first.ok(), second.ok()), (Some(json!(1)), Some(json!(2))));
    }

    #[test]
    fn an_unknown_host_is_undefined() {
        let (_, templar) = setup();
        let me = Vars::new();
        let seen = templar
            .render_str("{{ hostvars['nope'] | default('UNDEF') }}", &me)
            .expect("renders");
        assert_eq!(seen, json!("UNDEF"));
        assert!(templar.render_str("{{ hostvars['nope'].x }}", &me).is_err());
    }
}
