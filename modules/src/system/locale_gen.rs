//! `locale_gen` (`community.general.locale_gen`): locales generated or removed, Debian's way. As
//! community.general decides: with `/etc/locale.gen` (the `glibc` mechanism) the locale's line is
//! uncommented (or commented out, or appended from the SUPPORTED list) and `locale-gen` run; without
//! it but with `/var/lib/locales/supported.d` (Ubuntu's older `ubuntu_legacy` mechanism)
//! `locale-gen NAME…` adds, and removing drops the names from `supported.d/local` and runs
//! `locale-gen --purge`. Whether a locale is there is what `locale -a` says. One query.

use crate::cmd::quote;
use crate::doc::Written;
use crate::facts::file::{self, Want};
use crate::files::write::{Attrs, Content, atomic_write, content_diff};
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;

pub struct LocaleGen;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(deserialize_with = "crate::de::string_list")]
    pub name: Vec<String>,
    #[serde(default)]
    pub state: super::user::Presence,
}

const LOCALE_GEN: &str = "/etc/locale.gen";
const SUPPORTED_D: &str = "/var/lib/locales/supported.d";
const SUPPORTED_LOCAL: &str = "/var/lib/locales/supported.d/local";
const SUPPORTED: &[&str] = &[
    "/usr/share/i18n/SUPPORTED",
    "/usr/local/share/i18n/SUPPORTED",
];

/// `locale -a` may spell the charset in lower case without dashes (community.general's
/// `LOCALE_NORMALIZATION`).
const NORMALIZATION: &[(&str, &str)] = &[
    (".utf8", ".UTF-8"),
    (".eucjp", ".EUC-JP"),
    (".iso885915", ".ISO-8859-15"),
    (".cp1251", ".CP1251"),
    (".koi8r", ".KOI8-R"),
    (".armscii8", ".ARMSCII-8"),
    (".euckr", ".EUC-KR"),
    (".gbk", ".GBK"),
    (".gb18030", ".GB18030"),
    (".euctw", ".EUC-TW"),
];

fn fix_case(name: &str) -> String {
    NORMALIZATION
        .iter()
        .fold(name.to_string(), |n, (from, to)| n.replace(from, to))
}

impl Params {
    fn present(&self) -> bool {
        self.state == super::user::Presence::Present
    }
}

#[async_trait::async_trait]
impl Module for LocaleGen {
    type Params = Params;
    const NAME: &'static str = "locale_gen";
    const DOC: Written = Written {
        description: "Locales generated or removed (`community.general.locale_gen`), as community.general decides: with /etc/locale.gen the locale's line is uncommented (appended from /usr/share/i18n/SUPPORTED when missing) or commented out, written atomically with a diff, and `locale-gen` run; with only /var/lib/locales/supported.d (Ubuntu's older way) `locale-gen NAME…` or, to remove, the names dropped from supported.d/local and `locale-gen --purge`. `locale -a` says what is there. One query.",
        example: "- community.general.locale_gen:\n    name: [de_CH.UTF-8, nl_NL.UTF-8]\n",
        args: &[
            (
                "name",
                "",
                "The locales with their encoding (`de_CH.UTF-8`), one or a list; each must be generated already or listed in SUPPORTED.",
            ),
            (
                "state",
                "present",
                "`present` generates every locale not there yet; `absent` removes those that are.",
            ),
        ],
    };

    fn validate(&self, p: &Params) -> Result<(), ModuleError> {
        if p.name.is_empty() {
            return Err(ModuleError::Params(
                "missing required arguments: name".into(),
            ));
        }
        match p
            .name
            .iter()
            .find(|n| n.is_empty() || n.contains(char::is_whitespace) || n.starts_with('-'))
        {
            Some(bad) => Err(ModuleError::Params(format!("invalid locale name: {bad:?}"))),
            None => Ok(()),
        }
    }

    async fn plan(&self, p: Params, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let want = Want {
            content: true,
            follow: true,
            ..Want::default()
        };
        let grep = p
            .name
            .iter()
            .fold(Cmd::new("grep -hsF"), |c, n| c.arg("-e").arg(n));
        let query = Cmd::new(&format!(
            "echo @@mechanism; if [ -e {LOCALE_GEN} ]; then echo glibc; elif [ -e {SUPPORTED_D} ]; then echo ubuntu_legacy; fi; \
             echo @@locales; locale -a 2>/dev/null; echo @@supported"
        ))
        .then(grep.syntax(&SUPPORTED.join(" ")))
        .then(Cmd::new(&format!(
            "echo @@local; cat {} 2>/dev/null; echo @@file",
            quote(SUPPORTED_LOCAL)
        )))
        .then(file::query(LOCALE_GEN, want));
        let out = host.query(&query).await?;
        if out.rc != 0 {
            return Err(ModuleError::Failed(format!(
                "could not read the locales: {}",
                out.stderr.trim()
            )));
        }
        let section = |name: &str| crate::packages::section(&out.stdout, name).unwrap_or_default();
        let mechanism = section("mechanism").first().map(|l| l.trim().to_string());
        let Some(mechanism) = mechanism.filter(|m| !m.is_empty()) else {
            return Ok(Plan::fail(format!(
                "{SUPPORTED_D} and {LOCALE_GEN} are missing. Is the package \"locales\" installed?"
            )));
        };
        let generated: Vec<String> = section("locales")
            .iter()
            .map(|l| fix_case(l.trim()))
            .collect();
        let is_generated = |n: &String| generated.contains(&fix_case(n));
        let supported = section("supported");
        let unavailable: Vec<&str> = p
            .name
            .iter()
            .filter(|n| !is_generated(n) && charset_of(&supported, n).is_none())
            .map(String::as_str)
            .collect();
        if !unavailable.is_empty() {
            return Ok(Plan::fail(format!(
                "The following locales you have entered are not available on your system: {}",
                unavailable.join(", ")
            )));
        }
        let mut plan = Plan::ok()
            .set("name", p.name.clone())
            .set("mechanism", mechanism.as_str())
            .set("ubuntu_mode", mechanism == "ubuntu_legacy");
        // Present needs every locale; absent acts on any that is still there.
        let to_change: Vec<&String> = p
            .name
            .iter()
            .filter(|n| is_generated(n) != p.present())
            .collect();
        if to_change.is_empty() {
            return Ok(plan);
        }
        if mechanism == "ubuntu_legacy" {
            legacy_steps(&p, &section("local"), &mut plan, host.diff_mode());
            return Ok(plan);
        }
        let stat = file::parse_section(&out)?;
        let before = file::text_of(stat.as_ref());
        let after = edited_locale_gen(&before, &p.name, p.present(), &supported);
        if after != before {
            if host.diff_mode()
                && let Some(diff) =
                    content_diff(LOCALE_GEN, Some(before.as_bytes()), after.as_bytes())
            {
                plan.diffs.push(diff);
            }
            plan.steps.push(atomic_write(
                LOCALE_GEN,
                Content::new(after.into_bytes()),
                &Attrs::default(),
                stat.as_ref(),
                None,
            ));
        }
        plan.steps.push(Step::run(Cmd::new("locale-gen")));
        Ok(plan)
    }
}

/// The charset a SUPPORTED line gives `name` (`de_CH.UTF-8 UTF-8`), community.general's
/// `RE_LOCALE_ENTRY`: an optional `#`, the locale, one space, the charset.
fn charset_of<'a>(lines: &[&'a str], name: &str) -> Option<&'a str> {
    lines.iter().find_map(|line| {
        let entry = line.trim_start().trim_start_matches('#').trim_start();
        let (locale, charset) = entry.trim_end().split_once(' ')?;
        (locale == name && !charset.is_empty() && !charset.contains(char::is_whitespace))
            .then_some(charset)
    })
}

/// `/etc/locale.gen` with the names' lines uncommented (`NAME CHARSET`) or commented out
/// (`# NAME CHARSET`), as community.general's `set_locale_glibc` substitutes them; a locale to
/// add that has no line gets one from the SUPPORTED list.
fn edited_locale_gen(content: &str, names: &[String], enable: bool, supported: &[&str]) -> String {
    let mut matched = vec![false; names.len()];
    let mut out = String::with_capacity(content.len() + 64);
    for line in content.split_inclusive('\n') {
        let mut line = line.to_string();
        for (i, name) in names.iter().enumerate() {
            if let Some(charset_rest) = locale_line_rest(&line, name) {
                line = if enable {
                    format!("{name} {charset_rest}")
                } else {
                    format!("# {name} {charset_rest}")
                };
                matched[i] = true;
            }
        }
        out.push_str(&line);
    }
    if enable {
        for (name, _) in names.iter().zip(&matched).filter(|(_, m)| !**m) {
            if let Some(charset) = charset_of(supported, name) {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&format!("{name} {charset}\n"));
            }
        }
    }
    out
}

/// What follows `NAME ` on a line `#? *NAME CHARSET…` (the regexp `^#?\s*NAME (?P<charset>.+)`),
/// line end included.
fn locale_line_rest(line: &str, name: &str) -> Option<String> {
    let rest = line.strip_prefix('#').unwrap_or(line);
    let rest = rest.trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix(name)?.strip_prefix(' ')?;
    (!rest.trim_end_matches(['\n', '\r']).is_empty()).then(|| rest.to_string())
}

/// Ubuntu's older way: its `locale-gen NAME…` records what it adds in `supported.d/local`;
/// removing drops the names there and regenerates with `--purge`.
fn legacy_steps(p: &Params, local: &[&str], plan: &mut Plan, diff_mode: bool) {
    if p.present() {
        plan.steps.push(Step::run(
            Cmd::new("locale-gen").args(p.name.iter().cloned()),
        ));
        return;
    }
    let before: String = local.iter().map(|l| format!("{l}\n")).collect();
    let after: String = local
        .iter()
        .filter(|l| {
            let locale = l.split(' ').next().unwrap_or("");
            !p.name.iter().any(|n| n == locale)
        })
        .map(|l| format!("{l}\n"))
        .collect();
    if after != before {
        if diff_mode
            && let Some(diff) =
                content_diff(SUPPORTED_LOCAL, Some(before.as_bytes()), after.as_bytes())
        {
            plan.diffs.push(diff);
        }
        plan.steps.push(atomic_write(
            SUPPORTED_LOCAL,
            Content::new(after.into_bytes()),
            &Attrs::default(),
            None,
            None,
        ));
    }
    plan.steps.push(Step::run(Cmd::new("locale-gen --purge")));
}
