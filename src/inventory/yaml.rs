//! Ansible's YAML inventory: `all: {hosts: {...}, vars: {...}, children: {group: {...}}}`. Host keys
//! are host patterns as in INI (`web[01:20]`, `db:2222`); errors name the line of the key at fault.

use super::{Inventory, InventoryError, Vars, parse_error, range};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

/// A group's body; anything but these three keys is refused (Ansible skips it with a warning).
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct GroupBody {
    #[serde(default)]
    hosts: Option<Entries<Option<Vars>>>,
    #[serde(default)]
    vars: Option<Vars>,
    #[serde(default)]
    children: Option<Entries<Option<GroupBody>>>,
}

/// A mapping read in order, with where each key stands (a plain map would lose the lines).
struct Entries<V>(Vec<(Spanned<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<V>, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value = map.next_value::<V>()?;
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

pub fn parse(inv: &mut Inventory, text: &str, file: &Path) -> Result<(), InventoryError> {
    let doc: Option<Entries<Option<GroupBody>>> = crate::yaml::from_str(text, file)?;
    // Children are read with an explicit stack: nesting depth is the file's, not the call stack's.
    let mut pending: Vec<(String, GroupBody)> = Vec::new();
    for (name, body) in doc.map(|d| d.0).unwrap_or_default() {
        inv.group_mut(&name.value);
        pending.push((name.value, body.unwrap_or_default()));
    }
    pending.reverse();
    while let Some((name, body)) = pending.pop() {
        let children = read_group(inv, &name, body, file)?;
        pending.extend(children.into_iter().rev());
    }
    Ok(())
}

/// Adds a group's vars and hosts; returns its children, to be read after it.
fn read_group(
    inv: &mut Inventory,
    name: &str,
    body: GroupBody,
    file: &Path,
) -> Result<Vec<(String, GroupBody)>, InventoryError> {
    inv.group_mut(name);
    if let Some(vars) = body.vars {
        inv.group_mut(name).vars.extend(vars);
    }
    for (pattern, vars) in body.hosts.map(|h| h.0).unwrap_or_default() {
        let line = pattern.referenced.line() as usize;
        let (names, port) =
            range::expand_host_pattern(&pattern.value).map_err(|e| parse_error(file, line, e))?;
        let mut vars = vars.unwrap_or_default();
        if let Some(port) = port {
            vars.entry("ansible_port").or_insert(Value::from(port));
        }
        for host in names {
            inv.add_host(&host, vars.clone());
            if name != "all" {
                inv.add_to_group(name, &host);
            }
        }
    }
    let mut children = Vec::new();
    for (child, child_body) in body.children.map(|c| c.0).unwrap_or_default() {
        inv.add_child(name, &child.value);
        children.push((child.value, child_body.unwrap_or_default()));
    }
    Ok(children)
}
