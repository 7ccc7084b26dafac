//! Rules decided from the engine facts MKE reports (`/info`).

use super::facts::{Facts, strings};
use super::{Outcome, Policy, need};
use serde_json::Value;

const INFO: &str = "mke/info";

fn security_options(info: &Value) -> Vec<String> {
    strings(info.get("SecurityOptions").unwrap_or(&Value::Null))
}

/// Whether `SecurityOptions` holds `name=<name>`.
fn has_option(info: &Value, name: &str) -> bool {
    security_options(info)
        .iter()
        .any(|o| o.split(',').any(|kv| kv == format!("name={name}")))
}

fn who(info: &Value) -> String {
    format!(
        "engine {} ({})",
        info.get("Name").and_then(Value::as_str).unwrap_or("?"),
        info.get("ServerVersion")
            .and_then(Value::as_str)
            .unwrap_or("?")
    )
}

/// V-260908: FIPS mode enabled on the controller's engine.
pub fn fips(f: &Facts, _p: &Policy) -> Outcome {
    let info = need!(&f.info);
    let out = if has_option(info, "fips") {
        Outcome::pass("The engine runs in FIPS mode.")
    } else {
        Outcome::open("The engine does not run in FIPS mode (no name=fips in SecurityOptions).")
    };
    out.line(format!(
        "{}: SecurityOptions = {:?}",
        who(info),
        security_options(info)
    ))
    .source(INFO)
}

/// V-260915: audit records go to a central log server.
pub fn central_logging(f: &Facts, p: &Policy) -> Outcome {
    let info = need!(&f.info);
    let driver = info
        .get("LoggingDriver")
        .and_then(Value::as_str)
        .unwrap_or("");
    let line = format!("{}: LoggingDriver = {driver:?}", who(info));
    let out = if matches!(driver, "json-file" | "local" | "none" | "") {
        Outcome::open(format!(
            "Logs stay on the node (logging driver {driver:?}); nothing reaches a central server."
        ))
    } else if p.siem_alert_confirmed {
        Outcome::pass(format!(
            "Logs are shipped with the {driver} driver, and the site policy confirms the SIEM alerts on a lost feed."
        ))
    } else {
        Outcome::review(format!("Logs are shipped with the {driver} driver; the SIEM alert on a lost audit feed must be confirmed."))
            .step("Confirm with the SIEM administrator that a lost audit feed raises an alert, then set siem_alert_confirmed = true in the site policy.")
    };
    out.line(line)
        .line(super::cfg_line(f, "log_configuration.host", "\"\""))
        .sources(&[INFO, "mke/config-toml"])
}

/// V-260921: SELinux enforced on Red Hat and CentOS hosts.
pub fn selinux(f: &Facts, _p: &Policy) -> Outcome {
    let info = need!(&f.info);
    let os = info
        .get("OperatingSystem")
        .and_then(Value::as_str)
        .unwrap_or("");
    let rhel_family = ["Red Hat", "CentOS", "Rocky", "AlmaLinux"]
        .iter()
        .any(|n| os.contains(n));
    let line = format!(
        "{}: OperatingSystem = {os:?}, SecurityOptions = {:?}",
        who(info),
        security_options(info)
    );
    if !rhel_family {
        return Outcome::not_applicable(format!(
            "The engine runs {}, not Red Hat or CentOS.",
            if os.is_empty() { "an unknown OS" } else { os }
        ))
        .line(line)
        .source(INFO);
    }
    let out = if has_option(info, "selinux") {
        Outcome::pass("The engine enforces SELinux.")
    } else {
        Outcome::open("The engine does not use SELinux (no name=selinux in SecurityOptions).")
    };
    out.line(line).source(INFO)
}

/// V-260926: no aufs (or btrfs) storage driver.
pub fn storage_driver(f: &Facts, _p: &Policy) -> Outcome {
    let info = need!(&f.info);
    let driver = info.get("Driver").and_then(Value::as_str).unwrap_or("");
    let out = if driver.contains("aufs") || driver.contains("btrfs") {
        Outcome::open(format!("The engine uses the {driver} storage driver."))
    } else {
        Outcome::pass(format!(
            "The engine uses the {} storage driver.",
            if driver.is_empty() { "default" } else { driver }
        ))
    };
    out.line(format!("{}: Driver = {driver:?}", who(info)))
        .source(INFO)
}
