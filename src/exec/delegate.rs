//! Where a task runs when it is not the host itself: `delegate_to` (another inventory host, reached
//! with ITS connection variables, or `localhost` on the controller), `local_action`, and
//! `connection: local`. The task still runs for the original host: its variables,
//! `inventory_hostname`, register and facts stay that host's (unless `delegate_facts`).

use super::connect::{Remote, connection_spec_as};
use super::host::{HostState, Link};
use super::{RunContext, RunOptions, connection_spec};
use crate::inventory::Inventory;
use crate::playbook::Task;
use crate::template::{Templar, Vars};
use crate::transport::pool::Pool;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Names that mean the controller when the inventory does not define them (Ansible's implicit
/// localhost).
pub const LOCAL_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The variables of a host that is not in the inventory: `all`'s group variables, and for
/// localhost the local connection (as Ansible's implicit localhost).
pub fn implicit_host_vars(inventory: &Inventory, name: &str) -> Map<String, Value> {
    let mut vars = inventory.host_vars(name);
    if LOCAL_NAMES.contains(&name) {
        vars.entry("ansible_connection")
            .or_insert_with(|| Value::from("local"));
    }
    vars
}

/// Where one host runs one task: through another link, and how the result line names it.
pub struct Redirect {
    pub link: Arc<Link>,
    /// `delegate_to`'s host, shown as `[web1 -> db1]`; `None` for `connection: local`.
    pub shown_as: Option<String>,
    /// `delegate_facts`: facts the task sets go to the delegated host.
    pub facts_to: Option<String>,
}

/// Links to delegation targets, opened once and shared by every host delegating there.
pub struct Delegates {
    links: HashMap<String, Arc<Link>>,
    pool: Arc<Pool>,
}

impl Delegates {
    pub fn new(pool: Arc<Pool>) -> Self {
        Delegates {
            links: HashMap::new(),
            pool,
        }
    }

    fn link(
        &mut self,
        target: &str,
        inventory: &Inventory,
        options: &RunOptions,
        templar: &Templar,
    ) -> Arc<Link> {
        if let Some(link) = self.links.get(target) {
            return link.clone();
        }
        let vars = implicit_host_vars(inventory, target);
        let spec = connection_spec(target, &vars, options, templar);
        let link = Arc::new(Link::new(spec, &self.pool));
        self.links.insert(target.to_string(), link.clone());
        link
    }

    /// The controller itself, for `connection: local` (one link for every host).
    fn local(&mut self, options: &RunOptions, templar: &Templar) -> Arc<Link> {
        const KEY: &str = "\u{0}local";
        if let Some(link) = self.links.get(KEY) {
            return link.clone();
        }
        let mut vars = Map::new();
        vars.insert("ansible_connection".into(), Value::from("local"));
        let spec = connection_spec("localhost", &vars, options, templar);
        let link = Arc::new(Link::new(spec, &self.pool));
        self.links.insert(KEY.to_string(), link.clone());
        link
    }

    /// Where `task` runs for `host`; `None`: on the host, as usual. An error fails the task.
    pub fn redirect(
        &mut self,
        ctx: &RunContext<'_>,
        host: &mut HostState,
        task: &Task,
    ) -> Result<Option<Redirect>, String> {
        let flow = &task.flow;
        if flow.delegate_to.is_none()
            && flow.connection.is_none()
            && flow.remote_user.is_none()
            && flow.port.is_none()
        {
            return Ok(None);
        }
        let vars = super::worker::task_vars(ctx, host, task);
        if let Some(target) = &flow.delegate_to {
            let target = render_text(ctx.templar, target, &vars, "delegate_to")?;
            if target.is_empty() || target == host.name {
                return Ok(None);
            }
            let facts_to = match &flow.delegate_facts {
                Some(v) => truthy(ctx.templar, v, &vars, "delegate_facts")?,
                None => false,
            };
            let link = self.link(&target, ctx.inventory, ctx.options, ctx.templar);
            return Ok(Some(Redirect {
                link,
                facts_to: facts_to.then(|| target.clone()),
                shown_as: Some(target),
            }));
        }
        let connection = flow
            .connection
            .as_ref()
            .map(|c| render_text(ctx.templar, c, &vars, "connection"))
            .transpose()?
            .unwrap_or_default();
        match connection.as_str() {
            "local" => Ok(Some(Redirect {
                link: self.local(ctx.options, ctx.templar),
                shown_as: None,
                facts_to: None,
            })),
            "ssh" | "smart" | "paramiko" | "" => self.as_remote(ctx, host, task, &vars),
            other => Err(format!(
                "connection `{other}` is not supported yet (drover has ssh and local)"
            )),
        }
    }

    /// The host reached as the task's `remote_user`/`port` say, when they change how it is reached:
    /// one shared link per host, user and port.
    fn as_remote(
        &mut self,
        ctx: &RunContext<'_>,
        host: &HostState,
        task: &Task,
        vars: &Vars,
    ) -> Result<Option<Redirect>, String> {
        let remote = remote_keywords(ctx.templar, task, vars)?;
        if remote == Remote::default() {
            return Ok(None);
        }
        let spec = connection_spec_as(
            &host.name,
            &host.inventory_vars,
            ctx.options,
            ctx.templar,
            &remote,
        );
        let own = &host.link.spec;
        if spec.user == own.user && spec.port == own.port {
            return Ok(None);
        }
        let key = format!(
            "{}\u{0}{}\u{0}{}",
            host.name,
            spec.user.as_deref().unwrap_or_default(),
            spec.port
        );
        let link = self
            .links
            .entry(key)
            .or_insert_with(|| Arc::new(Link::new(spec, &self.pool)))
            .clone();
        Ok(Some(Redirect {
            link,
            shown_as: None,
            facts_to: None,
        }))
    }

    /// Closes every delegation link (end of the run).
    pub async fn close(&self) {
        for link in self.links.values() {
            link.close().await;
        }
    }
}

/// `remote_user` and `port` as the task (or its block or play) sets them, rendered.
fn remote_keywords(templar: &Templar, task: &Task, vars: &Vars) -> Result<Remote, String> {
    let flow = &task.flow;
    let user = flow
        .remote_user
        .as_ref()
        .map(|v| render_text(templar, v, vars, "remote_user"))
        .transpose()?
        .filter(|u| !u.is_empty());
    let port = flow
        .port
        .as_ref()
        .map(|v| render_text(templar, v, vars, "port"))
        .transpose()?
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<u16>()
                .map_err(|_| format!("port: `{p}` is not a valid port number"))
        })
        .transpose()?;
    Ok(Remote { user, port })
}

fn render_text(
    templar: &Templar,
    value: &Value,
    vars: &Vars,
    what: &str,
) -> Result<String, String> {
    match templar.render_value(value, vars) {
        Ok(Value::String(s)) => Ok(s.trim().to_string()),
        Ok(Value::Null) => Ok(String::new()),
        Ok(other) => Ok(other.to_string()),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// A keyword that is a boolean or a template of one.
pub fn truthy(templar: &Templar, value: &Value, vars: &Vars, what: &str) -> Result<bool, String> {
    let rendered = templar
        .render_value(value, vars)
        .map_err(|e| format!("{what}: {e}"))?;
    if rendered.is_null() {
        return Ok(false);
    }
    drover_modules::de::bool_from_value(&rendered)
        .ok_or_else(|| format!("{what}: {rendered} is not a valid boolean"))
}
