//! What `ufw status verbose` and `ufw version` say, as community.general reads them.

/// The default policy `ufw status verbose` shows for `direction` (`Default: deny (incoming),
/// allow (outgoing), disabled (routed)`).
pub(super) fn current_default(status: &str, direction: &str) -> Option<String> {
    let line = status.lines().find_map(|l| l.strip_prefix("Default: "))?;
    line.split(", ").find_map(|part| {
        let (policy, dir) = part.trim().split_once(' ')?;
        (dir.trim_matches(['(', ')']) == direction).then(|| policy.to_string())
    })
}

/// community.general's logging rule: turning on changes an `off` status, a level changes another
/// level; turning off changes anything on. Without a `Logging:` line (inactive) it always changes.
pub(super) fn logging_changes(status: &str, wanted: &str) -> bool {
    let Some(line) = status.lines().find_map(|l| l.strip_prefix("Logging: ")) else {
        return true;
    };
    let mut words = line.split_whitespace();
    let on_off = words.next().unwrap_or("");
    let level = words.next().map(|l| l.trim_matches(['(', ')']));
    if wanted == "off" {
        return on_off != "off";
    }
    on_off == "off" || (wanted != "on" && Some(wanted) != level)
}

/// `comment` needs ufw 0.35 or later (`ufw 0.36.2`).
pub(super) fn comment_supported(version_line: &str) -> bool {
    let Some(version) = version_line.split_whitespace().nth(1) else {
        return false;
    };
    let mut parts = version.split('.').map(|n| n.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    major > 0 || minor >= 35
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_read_per_direction() {
        let status = "Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n";
        assert_eq!(current_default(status, "incoming").as_deref(), Some("deny"));
        assert_eq!(
            current_default(status, "outgoing").as_deref(),
            Some("allow")
        );
        assert_eq!(
            current_default(status, "routed").as_deref(),
            Some("disabled")
        );
    }

    #[test]
    fn logging_changes_as_community_general_decides() {
        let status = "Status: active\nLogging: on (low)\n";
        assert!(!logging_changes(status, "on"));
        assert!(!logging_changes(status, "low"));
        assert!(logging_changes(status, "high"));
        assert!(logging_changes(status, "off"));
        assert!(logging_changes("Status: active\nLogging: off\n", "on"));
        assert!(!logging_changes("Status: active\nLogging: off\n", "off"));
    }

    #[test]
    fn comments_need_ufw_0_35() {
        assert!(comment_supported("ufw 0.36.2"));
        assert!(!comment_supported("ufw 0.34"));
        assert!(comment_supported("ufw 1.0"));
    }
}
