//! The `inventory_hostnames` lookup: the hosts a pattern (`group01:!test03`, `t?s?03`,
//! `a:&b`) selects, matched as a play's `hosts:` is, against the play's `groups`.

use super::lookups::LookupContext;
use crate::inventory::Inventory;
use serde_json::{Map, Value as Json};
use std::path::Path;

pub fn inventory_hostnames(
    terms: &[Json],
    _: &Map<String, Json>,
    ctx: &LookupContext,
) -> Result<Vec<Json>, String> {
    let groups = match (ctx.var)("groups") {
        Some(Json::Object(groups)) => groups,
        _ => Map::new(),
    };
    let inventory = inventory_of(&groups)?;
    let pattern: Vec<String> = terms
        .iter()
        .map(|t| match t {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let hosts = inventory
        .select(&pattern.join(","))
        .map_err(|e| e.to_string())?;
    Ok(hosts.into_iter().map(Json::from).collect())
}

/// The play's inventory, rebuilt from `groups` (hosts in `all`'s order, each group's members).
fn inventory_of(groups: &Map<String, Json>) -> Result<Inventory, String> {
    let names = |group: &str| -> Map<String, Json> {
        groups
            .get(group)
            .and_then(Json::as_array)
            .map(|hosts| {
                hosts
                    .iter()
                    .filter_map(Json::as_str)
                    .map(|h| (h.to_string(), Json::Null))
                    .collect()
            })
            .unwrap_or_default()
    };
    let children: Map<String, Json> = groups
        .keys()
        .filter(|g| !["all", "ungrouped"].contains(&g.as_str()))
        .map(|g| (g.clone(), serde_json::json!({ "hosts": names(g) })))
        .collect();
    let text = serde_json::json!({ "all": { "hosts": names("all"), "children": children } });
    Inventory::from_yaml_str(&text.to_string(), Path::new("<groups>")).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use crate::template::Templar;
    use serde_json::json;

    /// ansible-core's lookup_inventory_hostnames target asserts these.
    #[test]
    fn inventory_hostnames_selects_with_host_patterns() {
        let vars = json!({"groups": {
            "all": ["n1", "test01", "test05", "test03", "test02", "test04", "test200"],
            "ungrouped": ["n1"],
            "group01": ["test01", "test05", "test03", "test02", "test04"],
            "group02": ["test03", "test04", "test200"],
        }});
        let vars = vars.as_object().cloned().unwrap_or_default();
        let q = |pattern: &str| {
            Templar::new()
                .eval(&format!("query('inventory_hostnames', '{pattern}')"), &vars)
                .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        };
        assert_eq!(q("group01:&group02"), json!(["test03", "test04"]));
        assert_eq!(q("group01:!test03").as_array().map(Vec::len), Some(4));
        assert_eq!(q("n1"), json!(["n1"]));
        assert_eq!(q("doesnotexist"), json!([]));
        assert_eq!(q("all").as_array().map(Vec::len), Some(7));
        assert_eq!(q("t?s?03"), json!(["test03"]));
    }
}
