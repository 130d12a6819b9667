//! Changes a playbook makes to the inventory while it runs (`add_host`, `group_by`): hosts and
//! groups added in memory, seen by later tasks and plays exactly like those read from files.

use super::{Inventory, InventoryError, Vars};

impl Inventory {
    /// `add_host`: `name` (added if new, after every known host) joins `groups` (created as
    /// children of `all` when unknown), its `vars` merged over its host variables.
    pub fn add_runtime_host(
        &mut self,
        name: &str,
        groups: &[String],
        vars: Vars,
    ) -> Result<(), InventoryError> {
        self.add_host(name, vars);
        for group in groups {
            self.add_to_group(group, name);
        }
        self.finish()
    }

    /// `group_by`: `host` joins `group`, which becomes a child of each of `parents` (created as
    /// children of `all` when unknown).
    pub fn add_runtime_group(
        &mut self,
        host: &str,
        group: &str,
        parents: &[String],
    ) -> Result<(), InventoryError> {
        for parent in parents {
            self.add_child(parent, group);
        }
        self.add_to_group(group, host);
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn web() -> Inventory {
        Inventory::from_ini_str("[web]\nw1\nw2 x=1\n", Path::new("hosts.ini")).expect("inventory")
    }

    #[test]
    fn an_added_host_is_in_its_new_groups_and_all() {
        let mut inv = web();
        let mut vars = Vars::new();
        vars.insert("foo".into(), "bar".into());
        inv.add_runtime_host("new1", &["dyn".into(), "web".into()], vars)
            .expect("added");
        assert_eq!(inv.select("dyn").expect("dyn"), ["new1"]);
        assert_eq!(inv.select("web").expect("web"), ["w1", "w2", "new1"]);
        assert_eq!(inv.select("all").expect("all"), ["w1", "w2", "new1"]);
        assert_eq!(inv.host_vars("new1")["foo"], "bar");
        assert_eq!(inv.group_names("new1"), ["dyn", "web"]);
        assert!(inv.select("ungrouped").expect("ungrouped").is_empty());
    }

    #[test]
    fn a_known_host_keeps_its_vars_and_gains_new_ones() {
        let mut inv = web();
        let mut vars = Vars::new();
        vars.insert("y".into(), 2.into());
        inv.add_runtime_host("w2", &[], vars).expect("added");
        assert_eq!(inv.host_vars("w2")["x"], 1);
        assert_eq!(inv.host_vars("w2")["y"], 2);
        assert_eq!(inv.host_names().len(), 2);
    }

    #[test]
    fn group_by_nests_the_group_under_its_parents() {
        let mut inv = web();
        inv.add_runtime_group("w1", "os_debian", &["os".into()])
            .expect("grouped");
        assert_eq!(inv.select("os").expect("os"), ["w1"]);
        assert_eq!(inv.select("os_debian").expect("key"), ["w1"]);
        assert_eq!(inv.group_names("w1"), ["os", "os_debian", "web"]);
        inv.add_runtime_group("w2", "os_debian", &["all".into()])
            .expect("grouped");
        assert_eq!(inv.select("os").expect("os"), ["w1", "w2"]);
    }
}
