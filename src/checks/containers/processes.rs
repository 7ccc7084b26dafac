//! SSH servers inside running containers.

use crate::checks::facts::{Facts, strings};
use crate::checks::{CONTAINERS, Outcome, Policy, count, decide, need, sweep};
use serde_json::Value;

/// V-260910: SSH must not run within Linux containers.
pub fn ssh(f: &Facts, p: &Policy) -> Outcome {
    let all = need!(&f.containers);
    let mut unable = Vec::new();
    let s = sweep(all.running(), &p.exceptions.ssh, "ssh", |c| match &c.top {
        Some(Ok(top)) => sshd_process(top),
        Some(Err(m)) => {
            unable.push(format!("{}: {}", c.label(), m.why));
            None
        }
        None => None,
    });
    if s.offenders.is_empty() && !unable.is_empty() {
        return Outcome::review(format!(
            "No sshd among the containers whose processes were read, but the processes of {} could not be read.",
            count(unable.len(), "running container")
        ))
        .lines(unable.iter().map(|u| format!("processes not read: {u}")))
        .exceptions(s.excepted)
        .source(CONTAINERS);
    }
    decide(
        all,
        s,
        "An SSH server runs in",
        "No running container runs an SSH server",
    )
}

/// The first process of a `top` answer that is an SSH server.
fn sshd_process(top: &Value) -> Option<String> {
    let titles = strings(top.get("Titles").unwrap_or(&Value::Null));
    let cmd_col = titles
        .iter()
        .position(|t| t == "CMD" || t == "COMMAND")
        .unwrap_or(titles.len().saturating_sub(1));
    let pid_col = titles.iter().position(|t| t == "PID");
    for p in top
        .get("Processes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let cmd = p.get(cmd_col).and_then(Value::as_str).unwrap_or("");
        let is_sshd = cmd.split_whitespace().any(|tok| {
            let base = tok.rsplit('/').next().unwrap_or(tok);
            base == "sshd" || base.starts_with("sshd:")
        });
        if is_sshd {
            let pid = pid_col
                .and_then(|i| p.get(i))
                .and_then(Value::as_str)
                .unwrap_or("?");
            return Some(format!("process {pid} \"{cmd}\""));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sshd_is_found_in_top_output() {
        let top = json!({"Titles": ["UID","PID","PPID","C","STIME","TTY","TIME","CMD"],
            "Processes": [["root","1","0","0","10:01","?","00:00:00","/bin/sh /usr/sbin/sshd -D"]]});
        assert_eq!(
            sshd_process(&top).unwrap(),
            "process 1 \"/bin/sh /usr/sbin/sshd -D\""
        );
        let top = json!({"Titles": ["PID","COMMAND"], "Processes": [["7","sshd: root@pts/0"]]});
        assert!(sshd_process(&top).is_some());
        let top = json!({"Titles": ["PID","CMD"], "Processes": [["7","/usr/bin/sshd-keygen-helper"], ["8", "nginx: sshd-like"]]});
        assert!(sshd_process(&top).is_none());
    }
}
