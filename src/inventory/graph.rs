//! The group graph, computed once per inventory in one pass over groups, edges and memberships:
//! parents, children, each group's depth (longest path from `all`, which orders variable
//! precedence). A host's groups and a group's hosts are then walked on demand, each group once,
//! never once per path: a DAG of multi-parent groups has exponentially many paths.

use super::{Inventory, InventoryError};
use std::collections::{HashSet, VecDeque};

#[derive(Debug, Default, Clone)]
pub struct Index {
    parents: Vec<Vec<usize>>,
    children: Vec<Vec<usize>>,
    /// Each group's place in variable precedence (depth, then `ansible_group_priority`, then name).
    rank: Vec<usize>,
    /// Per host (inventory order): the groups that list it.
    host_direct: Vec<Vec<usize>>,
    /// Per group: the hosts it lists itself.
    group_direct: Vec<Vec<usize>>,
    all: Option<usize>,
}

impl Index {
    /// One pass over groups and edges; memberships through ancestry are walked when asked for, so
    /// a host's cost is its own ancestry, never every path or every host of the inventory.
    pub fn build(inv: &Inventory) -> Result<Index, InventoryError> {
        let children = child_indices(inv);
        let order = topological_order(inv, &children)?;
        let depth = depths(&order, &children);
        let rank = precedence_ranks(inv, &depth);
        let parents = parent_indices(&children);
        let mut host_direct = vec![Vec::new(); inv.hosts.len()];
        let mut group_direct = vec![Vec::new(); inv.groups.len()];
        for (g, group) in inv.groups.values().enumerate() {
            for host in &group.hosts {
                if let Some(h) = inv.hosts.get_index_of(host.as_str()) {
                    host_direct[h].push(g);
                    group_direct[g].push(h);
                }
            }
        }
        Ok(Index {
            parents,
            children,
            rank,
            host_direct,
            group_direct,
            all: inv.groups.get_index_of("all"),
        })
    }

    /// The host's groups other than `all`, ancestors included, in precedence order.
    pub fn host_groups(&self, host: usize) -> Vec<usize> {
        let start = self.host_direct.get(host).map_or(&[][..], Vec::as_slice);
        let mut found = reachable(start, &self.parents);
        found.retain(|&g| Some(g) != self.all);
        found.sort_by_key(|&g| self.rank[g]);
        found
    }

    /// The group's hosts, its descendants' included, in inventory order (`all`: every host).
    pub fn group_hosts(&self, group: usize) -> Vec<usize> {
        if Some(group) == self.all {
            return (0..self.host_direct.len()).collect();
        }
        let mut hosts: Vec<usize> = reachable(&[group], &self.children)
            .into_iter()
            .flat_map(|g| self.group_direct[g].iter().copied())
            .collect();
        hosts.sort_unstable();
        hosts.dedup();
        hosts
    }
}

/// Every group reachable from `start` along `edges`, each once (an explicit stack: chains of
/// thousands of groups must not overflow the call stack).
fn reachable(start: &[usize], edges: &[Vec<usize>]) -> Vec<usize> {
    let mut seen: HashSet<usize> = HashSet::new();
    let mut stack: Vec<usize> = start.to_vec();
    let mut found = Vec::new();
    while let Some(g) = stack.pop() {
        if seen.insert(g) {
            found.push(g);
            stack.extend(edges[g].iter().copied());
        }
    }
    found
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
    let priority: Vec<i64> = inv.groups.values().map(|g| g.priority).collect();
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
