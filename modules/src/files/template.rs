//! `template`: render a Jinja2 file on the controller, then put it like `copy`.

use super::put::{self, Put, put_content};
use super::write::{Attrs, Validate};
use crate::doc::Written;
use crate::{Host, Module, ModuleError, Plan};
use serde::Deserialize;

pub struct Template;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string")]
    pub src: String,
    #[serde(deserialize_with = "crate::de::string")]
    pub dest: String,
    #[serde(default)]
    pub mode: Option<crate::de::Mode>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub group: Option<String>,
    #[serde(default, deserialize_with = "crate::de::boolean")]
    pub backup: bool,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub validate: Option<String>,
    #[serde(default = "crate::de::yes", deserialize_with = "crate::de::boolean")]
    pub force: bool,
}

#[async_trait::async_trait]
impl Module for Template {
    type Params = Params;
    const NAME: &'static str = "template";
    const DOC: Written = Written {
        description: "Renders a Jinja2 template on the controller, then writes it exactly as `copy` does.",
        example: "- name: Web server configuration\n  template:\n    src: nginx.conf.j2\n    dest: /etc/nginx/nginx.conf\n    mode: \"0644\"\n  notify: reload nginx\n",
        args: &[
            (
                "src",
                "",
                "The template, looked up in `templates/` next to the playbook, then next to it.",
            ),
            ("dest", "", "Where the rendered file goes."),
            put::MODE_ARG,
            put::OWNER_ARG,
            put::GROUP_ARG,
            put::BACKUP_ARG,
            put::VALIDATE_ARG,
            put::FORCE_ARG,
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        Validate::from_param(p.validate.as_deref()).map(drop)
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let rendered = host.render_template(&p.src)?;
        let name = p
            .src
            .rsplit('/')
            .next()
            .map(|n| n.strip_suffix(".j2").unwrap_or(n));
        put_content(
            host,
            &p.dest,
            rendered.into_bytes(),
            &Put {
                attrs: &Attrs::new(p.mode, p.owner, p.group),
                backup: p.backup,
                force: p.force,
                validate: Validate::from_param(p.validate.as_deref())?.as_ref(),
            },
            name,
        )
        .await
    }
}
