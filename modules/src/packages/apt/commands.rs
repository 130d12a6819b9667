//! The apt-get command lines of the changes (and their simulations).

use super::{AptState, Params, Upgrade};
use crate::Cmd;

pub(super) const DPKG_OPTIONS: &str = "force-confdef,force-confold";

pub(super) fn update_cmd() -> Cmd {
    Cmd::new("LC_ALL=C apt-get update -q")
}

/// `apt-get -y` with the environment and options every change shares.
pub(super) fn apt_get(p: &Params) -> Cmd {
    let mut cmd = Cmd::new(
        "env DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical LC_ALL=C apt-get -y -q",
    );
    let options = p.dpkg_options.as_deref().unwrap_or(DPKG_OPTIONS);
    for option in options.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        cmd = cmd.syntax("-o").arg(format!("Dpkg::Options::=--{option}"));
    }
    cmd = cmd.syntax(&format!(
        "-o DPkg::Lock::Timeout={}",
        p.lock_timeout.unwrap_or(60)
    ));
    if p.force {
        cmd = cmd.syntax("--force-yes");
    }
    if p.fail_on_autoremove {
        cmd = cmd.syntax("--no-remove");
    }
    if p.allow_unauthenticated {
        cmd = cmd.syntax("--allow-unauthenticated");
    }
    if p.allow_downgrade {
        cmd = cmd.syntax("--allow-downgrades");
    }
    if p.allow_change_held_packages {
        cmd = cmd.syntax("--allow-change-held-packages");
    }
    if let Some(release) = &p.default_release {
        cmd = cmd.syntax("-t").arg(release);
    }
    cmd
}

pub(super) fn install_cmd(p: &Params, packages: &[String]) -> Cmd {
    let mut cmd = apt_get(p);
    match p.install_recommends {
        Some(true) => cmd = cmd.syntax("-o APT::Install-Recommends=yes"),
        Some(false) => cmd = cmd.syntax("-o APT::Install-Recommends=no"),
        None => {}
    }
    if p.only_upgrade {
        cmd = cmd.syntax("--only-upgrade");
    }
    if p.state == AptState::Fixed {
        cmd = cmd.syntax("--fix-broken");
    }
    if p.autoremove {
        cmd = cmd.syntax("--auto-remove");
    }
    cmd.syntax("install").args(packages)
}

pub(super) fn remove_cmd(p: &Params, packages: &[String]) -> Cmd {
    let mut cmd = apt_get(p);
    if p.purge {
        cmd = cmd.syntax("--purge");
    }
    if p.autoremove {
        cmd = cmd.syntax("--auto-remove");
    }
    cmd.syntax("remove").args(packages)
}

pub(super) fn upgrade_cmd(p: &Params) -> Cmd {
    let mut cmd = apt_get(p);
    cmd = match p.upgrade_mode() {
        Upgrade::Dist => cmd.syntax("dist-upgrade"),
        _ => cmd.syntax("upgrade --with-new-pkgs"),
    };
    if p.autoremove {
        cmd = cmd.syntax("--auto-remove");
    }
    cmd
}
