//! The variables a play has before any host: Ansible's `VariableManager.get_vars(play=play)`,
//! which renders a play's templated `tags:` before `--tags`/`--skip-tags` select.

use super::{RunOptions, magic, worker};
use crate::playbook::Play;
use crate::template::{Templar, Vars};
use serde_json::Value;
use std::path::Path;

/// The play's variables without a host's: run-wide magic variables, its roles' defaults, `vars`,
/// the `vars_files` whose names hold no template (the others need a host's variables), its roles'
/// `vars/` and the extra vars, each resolved. A vars file that cannot be read is left out here:
/// running the play reports it.
pub fn play_level_vars(play: &Play, options: &RunOptions, playbook_dir: &Path) -> Vars {
    let mut vars = play.roles.defaults.clone();
    vars.extend(magic::run_globals(options));
    vars.insert(
        "playbook_dir".into(),
        Value::from(magic::absolute(playbook_dir).display().to_string()),
    );
    vars.insert("ansible_check_mode".into(), Value::Bool(options.check));
    vars.insert("ansible_diff_mode".into(), Value::Bool(options.diff));
    vars.insert("omit".into(), Value::from(worker::OMIT));
    vars.extend(play.roles.magic_vars());
    vars.extend(play.vars.clone());
    for file in play.vars_files.iter().filter(|f| !f.contains("{{")) {
        let path = playbook_dir.join(file);
        let loaded: Option<Option<Value>> = crate::yaml::from_file(&path).ok();
        if let Ok(file_vars) = super::vars_file_mapping(loaded.flatten(), &path) {
            vars.extend(file_vars);
        }
    }
    vars.extend(play.roles.vars.clone());
    vars.extend(options.extra_vars.clone());
    Templar::new().resolve_vars(&mut vars);
    vars
}

/// The play with its templated `hosts:` and `name:` rendered with the play-level variables
/// (`hosts: "{{ target }}"` with `-e target=web`), as Ansible's `post_validate` renders them when
/// the play starts; `None` when neither holds a template.
pub fn with_rendered_header(
    play: &Play,
    options: &RunOptions,
    playbook_dir: &Path,
) -> Result<Option<Play>, String> {
    if !play.hosts.contains("{{") && !play.name.contains("{{") {
        return Ok(None);
    }
    let vars = play_level_vars(play, options, playbook_dir);
    let templar = Templar::new();
    let render = |field: &str, text: &str| match templar.render_str(text, &vars) {
        Ok(Value::String(s)) => Ok(s),
        Ok(Value::Array(items)) => Ok(items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(",")),
        Ok(other) => Ok(other.to_string()),
        Err(e) => Err(format!("play {field} `{text}`: {e}")),
    };
    let mut rendered = play.clone();
    rendered.hosts = render("hosts", &play.hosts)?;
    rendered.name = render("name", &play.name)?;
    Ok(Some(rendered))
}
