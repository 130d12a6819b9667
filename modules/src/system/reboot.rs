//! `reboot` and `wait_for_connection`: Ansible's action plugins that lose and regain the host's
//! connection. What can be said without the engine lives here (arguments, the commands, what check
//! mode reports, one attempt when the host is up); the engine's `exec/reconnect.rs` issues the
//! reboot, drops the connection and reconnects on the same transport until the boot id changes.

use crate::doc::Written;
use crate::{Cmd, Host, Module, ModuleError, Plan, Step};
use serde::Deserialize;
use std::time::Duration;

pub struct Reboot;
pub struct WaitForConnection;

pub const DEFAULT_BOOT_TIME_COMMAND: &str = "cat /proc/sys/kernel/random/boot_id";
pub const DEFAULT_TEST_COMMAND: &str = "whoami";
pub const DEFAULT_MESSAGE: &str = "Reboot initiated by Ansible";
const DEFAULT_REBOOT_TIMEOUT: u64 = 600;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RebootParams {
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub boot_time_command: Option<String>,
    #[serde(
        default,
        alias = "connect_timeout_sec",
        deserialize_with = "crate::packages::opt_int"
    )]
    pub connect_timeout: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub msg: Option<String>,
    #[serde(
        default,
        alias = "post_reboot_delay_sec",
        deserialize_with = "crate::packages::opt_int"
    )]
    pub post_reboot_delay: Option<u64>,
    #[serde(
        default,
        alias = "pre_reboot_delay_sec",
        deserialize_with = "crate::packages::opt_int"
    )]
    pub pre_reboot_delay: Option<u64>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub reboot_command: Option<String>,
    #[serde(
        default,
        alias = "reboot_timeout_sec",
        deserialize_with = "crate::packages::opt_int"
    )]
    pub reboot_timeout: Option<u64>,
    /// Where Ansible looks for `shutdown`; drover lets the target's `PATH` find it.
    #[serde(default, deserialize_with = "crate::de::string_list")]
    pub search_paths: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::opt_string")]
    pub test_command: Option<String>,
}

impl RebootParams {
    /// The command whose output changes with every boot.
    pub fn boot_time_command(&self) -> Cmd {
        user_script(
            self.boot_time_command
                .as_deref()
                .unwrap_or(DEFAULT_BOOT_TIME_COMMAND),
        )
    }
    /// The command run once the host is back; the reboot is done when it succeeds.
    pub fn test_command(&self) -> Cmd {
        user_script(self.test_command.as_deref().unwrap_or(DEFAULT_TEST_COMMAND))
    }
    /// `reboot_command`, else Linux's `shutdown -r MINUTES "MSG"` as Ansible words it
    /// (`pre_reboot_delay` in whole minutes: under 60 s is now).
    pub fn reboot_command(&self) -> Cmd {
        match &self.reboot_command {
            Some(user) => user_script(user),
            None => Cmd::new("shutdown -r")
                .arg((self.pre_reboot_delay.unwrap_or(0) / 60).to_string())
                .arg(self.msg.as_deref().unwrap_or(DEFAULT_MESSAGE)),
        }
    }
    pub fn reboot_timeout(&self) -> Duration {
        Duration::from_secs(self.reboot_timeout.unwrap_or(DEFAULT_REBOOT_TIMEOUT))
    }
    pub fn post_reboot_delay(&self) -> Duration {
        Duration::from_secs(self.post_reboot_delay.unwrap_or(0))
    }
    /// The boot id out of `boot_time_command`'s output, or why there is none.
    pub fn boot_id(&self, rc: i32, stdout: &str, stderr: &str) -> Result<String, String> {
        let id = stdout.trim();
        if rc == 0 && !id.is_empty() {
            Ok(id.to_string())
        } else {
            Err(format!(
                "reboot: failed to get host boot time info, rc: {rc}, stdout: {}, stderr: {}",
                stdout.trim(),
                stderr.trim()
            ))
        }
    }
}

/// A command line the task gives (`reboot_command`, `test_command`): run by the shell as written,
/// like Ansible's low-level commands.
fn user_script(script: &str) -> Cmd {
    Cmd::new(script)
}

#[async_trait::async_trait]
impl Module for Reboot {
    type Params = RebootParams;
    const NAME: &'static str = "reboot";
    const DOC: Written = Written {
        description: "Reboots the host and waits until it is back: the boot id (`boot_time_command`) changes over a new connection on the same transport, then `test_command` succeeds. Check mode reports the reboot without one.",
        example: "- reboot:\n    msg: kernel update\n    reboot_timeout: 900\n",
        args: &[
            (
                "boot_time_command",
                "cat /proc/sys/kernel/random/boot_id",
                "A command whose output changes with every boot.",
            ),
            (
                "connect_timeout",
                "the connection's",
                "Seconds one connection attempt may take while waiting.",
            ),
            (
                "msg",
                "Reboot initiated by Ansible",
                "The message `shutdown` broadcasts.",
            ),
            (
                "post_reboot_delay",
                "0",
                "Seconds to wait after the reboot command before checking.",
            ),
            (
                "pre_reboot_delay",
                "0",
                "Seconds before the reboot, given to `shutdown -r` in whole minutes (under 60 is now), as Ansible does.",
            ),
            (
                "reboot_command",
                "shutdown -r MINUTES MSG",
                "The command that reboots, run as written.",
            ),
            (
                "reboot_timeout",
                "600",
                "Seconds to wait for the new boot, then again for `test_command`.",
            ),
            (
                "search_paths",
                "",
                "Accepted for Ansible's sake: the target's PATH finds `shutdown`.",
            ),
            (
                "test_command",
                "whoami",
                "Must succeed on the rebooted host.",
            ),
        ],
    };

    /// Check mode reports the reboot without touching the host (as Ansible: no query either).
    /// Otherwise the boot id is read first, then the reboot command is the one step; waiting for
    /// the host to come back is the engine's (`exec/reconnect.rs`).
    async fn plan(&self, p: RebootParams, host: &mut dyn Host) -> Result<Plan, ModuleError> {
        let step = Step::run(p.reboot_command());
        if host.check_mode() {
            return Ok(Plan::with_steps(vec![step])
                .set("rebooted", true)
                .set("elapsed", 0));
        }
        let out = host.query(&p.boot_time_command()).await?;
        if let Err(msg) = p.boot_id(out.rc, &out.stdout, &out.stderr) {
            return Ok(Plan::fail(msg).set("rebooted", false));
        }
        Ok(Plan::with_steps(vec![step])
            .set("rebooted", true)
            .set("elapsed", 0))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitForConnectionParams {
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub connect_timeout: Option<u64>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub delay: Option<u64>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub sleep: Option<u64>,
    #[serde(default, deserialize_with = "crate::packages::opt_int")]
    pub timeout: Option<u64>,
}

impl WaitForConnectionParams {
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout.unwrap_or(5))
    }
    pub fn delay(&self) -> Duration {
        Duration::from_secs(self.delay.unwrap_or(0))
    }
    pub fn sleep(&self) -> Duration {
        Duration::from_secs(self.sleep.unwrap_or(1))
    }
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout.unwrap_or(600))
    }
}

/// What proves the host answers end to end (Ansible runs its `ping` module).
pub fn ping_command() -> Cmd {
    Cmd::new("echo pong")
}

pub fn is_pong(stdout: &str) -> bool {
    stdout.trim() == "pong"
}

#[async_trait::async_trait]
impl Module for WaitForConnection {
    type Params = WaitForConnectionParams;
    const NAME: &'static str = "wait_for_connection";
    const DOC: Written = Written {
        description: "Waits until the host answers over a new connection on the same transport (retried every `sleep` seconds until `timeout`). Skipped in check mode, as in Ansible.",
        example: "- wait_for_connection:\n    delay: 5\n    timeout: 300\n",
        args: &[
            (
                "connect_timeout",
                "5",
                "Seconds one connection attempt may take.",
            ),
            ("delay", "0", "Seconds to wait before the first attempt."),
            ("sleep", "1", "Seconds between attempts."),
            ("timeout", "600", "Seconds to keep trying in all."),
        ],
    };

    /// One attempt over the connection there is; the engine retries on a fresh one.
    async fn plan(
        &self,
        _p: WaitForConnectionParams,
        host: &mut dyn Host,
    ) -> Result<Plan, ModuleError> {
        if host.check_mode() {
            return Ok(Plan::skip("wait_for_connection: skipped in check mode"));
        }
        let out = host.query(&ping_command()).await?;
        if out.success() && is_pong(&out.stdout) {
            Ok(Plan::ok().set("elapsed", 0))
        } else {
            Ok(Plan::fail(format!(
                "ping test failed: rc {}, {}",
                out.rc,
                out.stderr.trim()
            )))
        }
    }
}
