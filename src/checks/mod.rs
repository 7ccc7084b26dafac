//! The MKE STIG checks: small pure functions from evidence (and the site
//! policy) to an outcome, one per rule, in one table keyed by Vuln ID
//! ([`registry::CHECKS`]).
//!
//! Nothing here performs I/O. A check that lacks the evidence it needs says
//! so and returns Not_Reviewed: missing evidence never yields NotAFinding.
//! A rule that fails is a result (Open), not an error.

mod access;
pub mod answers;
mod certs;
mod config;
mod containers;
mod engine;
pub mod facts;
mod kube;
mod manual;
mod msr;
pub mod policy;
pub mod registry;

pub use facts::{Facts, Missing};
pub use policy::Policy;

use crate::model::Status;
use facts::{Container, Containers};
use serde::Serialize;

/// What a check concluded, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub status: Status,
    /// The decision in one sentence.
    pub summary: String,
    /// The evidence lines that decided it (container names, settings).
    pub evidence: Vec<String>,
    /// Evidence keys read (for the endpoints named in finding details).
    pub sources: Vec<String>,
    /// Site-policy exceptions that were applied, stated.
    pub exceptions: Vec<String>,
    /// What a person must still do (manual rules, missing evidence).
    pub steps: Vec<String>,
}

impl Outcome {
    pub fn new(status: Status, summary: impl Into<String>) -> Outcome {
        Outcome {
            status,
            summary: summary.into(),
            evidence: Vec::new(),
            sources: Vec::new(),
            exceptions: Vec::new(),
            steps: Vec::new(),
        }
    }

    pub fn open(summary: impl Into<String>) -> Outcome {
        Outcome::new(Status::Open, summary)
    }

    pub fn pass(summary: impl Into<String>) -> Outcome {
        Outcome::new(Status::NotAFinding, summary)
    }

    pub fn not_applicable(summary: impl Into<String>) -> Outcome {
        Outcome::new(Status::NotApplicable, summary)
    }

    pub fn review(summary: impl Into<String>) -> Outcome {
        Outcome::new(Status::NotReviewed, summary)
    }

    /// Not_Reviewed because evidence is missing.
    pub fn missing(m: &Missing) -> Outcome {
        Outcome::review(format!("Not decided: {m}."))
    }

    pub fn line(mut self, line: impl Into<String>) -> Outcome {
        self.evidence.push(line.into());
        self
    }

    pub fn lines(mut self, lines: impl IntoIterator<Item = String>) -> Outcome {
        self.evidence.extend(lines);
        self
    }

    pub fn source(mut self, key: &str) -> Outcome {
        if !self.sources.iter().any(|s| s == key) {
            self.sources.push(key.to_string());
        }
        self
    }

    pub fn sources(mut self, keys: &[&str]) -> Outcome {
        for k in keys {
            self = self.source(k);
        }
        self
    }

    pub fn exceptions(mut self, notes: impl IntoIterator<Item = String>) -> Outcome {
        self.exceptions.extend(notes);
        self
    }

    pub fn step(mut self, step: impl Into<String>) -> Outcome {
        self.steps.push(step.into());
        self
    }

    /// The worse of two outcomes (Open > Not_Reviewed > NotAFinding >
    /// Not_Applicable), keeping the evidence of both. Used where a rule has
    /// a Swarm and a Kubernetes branch.
    pub fn worst(self, other: Outcome) -> Outcome {
        let rank = |s: Status| match s {
            Status::Open => 3,
            Status::NotReviewed => 2,
            Status::NotAFinding => 1,
            Status::NotApplicable => 0,
        };
        let (mut hi, lo) = if rank(other.status) > rank(self.status) {
            (other, self)
        } else {
            (self, other)
        };
        if lo.status != Status::NotApplicable {
            hi.evidence.extend(lo.evidence);
            for s in lo.sources {
                hi = hi.source(&s);
            }
            hi.exceptions.extend(lo.exceptions);
            hi.steps.extend(lo.steps);
        }
        hi
    }
}

/// A TOML error of a site file (policy, answers) as one line, with the line
/// number where the parser knows it.
pub(crate) fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {msg}")
        }
        None => msg,
    }
}

/// Returns Not_Reviewed from the enclosing check when a fact is missing.
macro_rules! need {
    ($fact:expr) => {
        match $fact {
            Ok(v) => v,
            Err(m) => return $crate::checks::Outcome::missing(&m),
        }
    };
}
pub(crate) use need;

/// Evidence key of the container set (expands to the list and inspects).
pub(crate) const CONTAINERS: &str = "containers";

/// The pseudo evidence key checks use for "all containers".
pub fn facts_containers_key() -> &'static str {
    CONTAINERS
}

/// Containers that break a rule, after the policy's exceptions.
pub(crate) struct Sweep {
    pub offenders: Vec<String>,
    pub excepted: Vec<String>,
    pub checked: usize,
}

/// Tests every container with `offence` (a description of what it does
/// wrong, or `None`); containers matching an exception pattern are set
/// aside and named.
pub(crate) fn sweep<'a>(
    containers: impl IntoIterator<Item = &'a Container>,
    exceptions: &[String],
    rule: &str,
    mut offence: impl FnMut(&Container) -> Option<String>,
) -> Sweep {
    let mut s = Sweep {
        offenders: Vec::new(),
        excepted: Vec::new(),
        checked: 0,
    };
    for c in containers {
        s.checked += 1;
        let Some(what) = offence(c) else { continue };
        match Policy::excepted(exceptions, &c.name, &c.label()) {
            Some(p) => s.excepted.push(format!(
                "{}: {what}, allowed by site policy exceptions.{rule} \"{p}\"",
                c.label()
            )),
            None => s.offenders.push(format!("{}: {what}", c.label())),
        }
    }
    s
}

/// The usual decision over a container sweep: Open if any offender, else
/// Not_Reviewed if some containers could not be inspected, else
/// NotAFinding.
pub(crate) fn decide(all: &Containers, s: Sweep, open: &str, pass: &str) -> Outcome {
    let base = if !s.offenders.is_empty() {
        Outcome::open(format!(
            "{open}: {}.",
            count(s.offenders.len(), "container")
        ))
    } else if !all.uninspected.is_empty() {
        Outcome::review(format!(
            "No offender among {} inspected containers, but {} could not be inspected.",
            s.checked,
            all.uninspected.len()
        ))
        .lines(
            all.uninspected
                .iter()
                .map(|u| format!("not inspected: {u}")),
        )
    } else {
        Outcome::pass(format!(
            "{pass} ({} checked).",
            count(s.checked, "container")
        ))
    };
    base.lines(s.offenders)
        .exceptions(s.excepted)
        .source(CONTAINERS)
}

pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A configuration value for finding details: `key=value`, or
/// `key absent (default D)`.
pub(crate) fn cfg_line(facts: &Facts, path: &str, default: &str) -> String {
    match facts.cfg(path) {
        Some(v) => format!("{path} = {v}"),
        None => format!("{path} absent (default {default})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_keeps_both_branches() {
        let a = Outcome::pass("swarm ok").line("a").source("x");
        let b = Outcome::open("k8s bad").line("b").source("y");
        let w = a.worst(b);
        assert_eq!(w.status, Status::Open);
        assert_eq!(w.evidence, ["b", "a"]);
        assert_eq!(w.sources, ["y", "x"]);
    }
}
