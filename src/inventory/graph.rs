//! The group graph, computed once per inventory: each group's depth (longest path from `all`, which
//! orders variable precedence), each host's groups with their ancestors, each group's hosts with its
//! descendants'. Everything is one pass over hosts and group edges (plus the output itself), never a
//! walk per path: a DAG of multi-parent groups has exponentially many paths.

use super::{Inventory, InventoryError};
use std::collections::VecDeque;

#[derive(Debug, Default)]
pub struct Index {
    /// Per host (inventory order): its groups other than `all`, ancestors included, in precedence
    /// order (depth, then `ansible_group_priority`, then name).
    host_groups: Vec<Vec<usize>>,
    /// Per group: its hosts, descendants' included, in inventory order (empty for `all`, whose
    /// hosts are every host).
    group_hosts: Vec<Vec<usize>>,
    all_hosts: Vec<usize>,
    all: Option<usize>,
}

impl Index {
    pub fn build(inv: &Inventory) -> Result<Index, InventoryError> {
        let children = child_indices(inv);
        let order = topological_order(inv, &children)?;
        let depth = depths(&order, &children);
        let rank = precedence_ranks(inv, &depth);
        let parents = parent_indices(&children);
        let all = inv.groups.get_index_of("all");
        let host_groups = host_ancestries(inv, &parents, &rank, all);
        let mut group_hosts = vec![Vec::new(); inv.groups.len()];
        for (host, groups) in host_groups.iter().enumerate() {
            for &g in groups {
                group_hosts[g].push(host);
            }
        }
        Ok(Index {
            host_groups,
            group_hosts,
            all_hosts: (0..inv.hosts.len()).collect(),
            all,
        })
    }

    pub fn host_groups(&self, host: usize) -> &[usize] {
        self.host_groups.get(host).map_or(&[], Vec::as_slice)
    }

    pub fn group_hosts(&self, group: usize) -> &[usize] {
        if Some(group) == self.all {
            return &self.all_hosts;
        }
        self.group_hosts.get(group).map_or(&[], Vec::as_slice)
    }
}

fn child_indices(inv: &Inventory) -> Vec<Vec<usize>> {
    inv.groups
        .values()
        .map(|g| {
            g.children
                .iter()
                .filter_map(|c| inv.groups.get_index_of(c.as_str()))
                .collect()
        })
        .collect()
}

fn parent_indices(children: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut parents = vec![Vec::new(); children.len()];
    for (parent, kids) in children.iter().enumerate() {
        for &child in kids {
            parents[child].push(parent);
        }
    }
    parents
}

/// Kahn's algorithm: parents before children. Groups left over sit on a cycle (or below one).
fn topological_order(
    inv: &Inventory,
    children: &[Vec<usize>],
) -> Result<Vec<usize>, InventoryError> {
    let mut pending_parents = vec![0usize; children.len()];
    for kids in children {
        for &child in kids {
            pending_parents[child] += 1;
        }
    }
    let mut ready: VecDeque<usize> = (0..children.len())
        .filter(|&g| pending_parents[g] == 0)
        .collect();
    let mut order = Vec::with_capacity(children.len());
    while let Some(g) = ready.pop_front() {
        order.push(g);
        for &child in &children[g] {
            pending_parents[child] -= 1;
            if pending_parents[child] == 0 {
                ready.push_back(child);
            }
        }
    }
    if order.len() < children.len() {
        return Err(cycle_error(inv, children, &pending_parents));
    }
    Ok(order)
}

/// Names one cycle among the groups Kahn's algorithm could not order. Every such group has a parent
/// that is also left over, so walking up from any of them must come back to a group already seen.
fn cycle_error(
    inv: &Inventory,
    children: &[Vec<usize>],
    pending_parents: &[usize],
) -> InventoryError {
    let left = |g: usize| pending_parents[g] > 0;
    let parents = parent_indices(children);
    let mut path: Vec<usize> = Vec::new();
    let mut current = (0..children.len()).find(|&g| left(g));
    while let Some(g) = current {
        if let Some(start) = path.iter().position(|&p| p == g) {
            // `path` goes from child to parent; a cycle reads best from container to contained.
            let mut cycle: Vec<&str> = path[start..].iter().map(|&p| group_name(inv, p)).collect();
            cycle.push(group_name(inv, g));
            cycle.reverse();
            return InventoryError::Other(format!(
                "group cycle: {} (a group cannot contain itself, directly or through its children)",
                cycle.join(" -> ")
            ));
        }
        path.push(g);
        current = parents[g].iter().copied().find(|&p| left(p));
    }
    InventoryError::Other("group cycle among the inventory's groups".into())
}

fn group_name(inv: &Inventory, g: usize) -> &str {
    inv.groups
        .get_index(g)
        .map_or("?", |(name, _)| name.as_str())
}

/// Ansible's group depth: the longest path from a root (`all` is 0, its children 1, ...).
fn depths(order: &[usize], children: &[Vec<usize>]) -> Vec<usize> {
    let mut depth = vec![0usize; children.len()];
    for &g in order {
        for &child in &children[g] {
            depth[child] = depth[child].max(depth[g] + 1);
        }
    }
    depth
}

/// Each group's place in variable precedence: sorted by depth, then priority, then name.
fn precedence_ranks(inv: &Inventory, depth: &[usize]) -> Vec<usize> {
    let priority: Vec<i64> = inv
        .groups
        .values()
        .map(|g| group_priority(&g.vars))
        .collect();
    let mut sorted: Vec<usize> = (0..depth.len()).collect();
    sorted.sort_by(|&a, &b| {
        (depth[a], priority[a], group_name(inv, a)).cmp(&(
            depth[b],
            priority[b],
            group_name(inv, b),
        ))
    });
    let mut rank = vec![0usize; depth.len()];
    for (place, &g) in sorted.iter().enumerate() {
        rank[g] = place;
    }
    rank
}

fn group_priority(vars: &super::Vars) -> i64 {
    vars.get("ansible_group_priority")
        .and_then(|p| {
            p.as_i64()
                .or_else(|| p.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .unwrap_or(1)
}

/// Every host's groups with their ancestors, walking up once per host with a shared visit stamp, so
/// the cost is the ancestor edges of the host's groups, whatever the number of paths.
fn host_ancestries(
    inv: &Inventory,
    parents: &[Vec<usize>],
    rank: &[usize],
    all: Option<usize>,
) -> Vec<Vec<usize>> {
    let mut direct: Vec<Vec<usize>> = vec![Vec::new(); inv.hosts.len()];
    for (g, group) in inv.groups.values().enumerate() {
        for host in &group.hosts {
            if let Some(h) = inv.hosts.get_index_of(host.as_str()) {
                direct[h].push(g);
            }
        }
    }
    let mut seen_by = vec![usize::MAX; parents.len()];
    let mut stack = Vec::new();
    direct
        .into_iter()
        .enumerate()
        .map(|(host, groups)| {
            let mut found = Vec::new();
            stack.extend(groups);
            while let Some(g) = stack.pop() {
                if seen_by[g] == host {
                    continue;
                }
                seen_by[g] = host;
                if Some(g) != all {
                    found.push(g);
                }
                stack.extend(parents[g].iter().copied());
            }
            found.sort_by_key(|&g| rank[g]);
            found
        })
        .collect()
}
