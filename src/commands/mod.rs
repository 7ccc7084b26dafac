//! One function per stigkit command, with no command line in sight.
//!
//! Each takes a plain request, reads its inputs, runs the pipeline below
//! it, writes its outputs, and returns an [`Outcome`]: the text to show
//! and what the result calls for. The CLI parses arguments into these
//! requests, prints the outcome and maps [`Attention`] to an exit code; the
//! fleet CronJob, or any other front end, calls the same functions.

pub mod archive;
pub mod benchmark;
pub mod checklist;
pub mod collect;
pub mod convert;
pub mod diff;
pub mod export;
pub mod fleet;
pub mod lint;
pub mod merge;
pub mod publish;
pub mod report;
pub mod show;
pub mod upgrade;
pub mod verdict;

use crate::model::{Benchmark, Checklist};
use crate::{catalog, ckl, cklb, source};
use std::path::Path;

/// What a finished command's result calls for; the front end decides what
/// that means to its caller (the CLI's exit codes are in the README).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attention {
    /// Nothing: the command did what was asked.
    None,
    /// The result holds what the user asked to be told about: a
    /// `--fail-on` threshold reached, lint errors, differing reviews, an
    /// archive that is not intact.
    Findings,
    /// Done, but some evidence calls failed; the rules that needed them
    /// are Not_Reviewed.
    Partial,
}

/// What a command produced for the user.
#[derive(Debug)]
pub struct Outcome {
    /// The command's result (standard output for the CLI).
    pub stdout: String,
    /// Lines about what was done, such as `wrote X` (standard error).
    pub notes: Vec<String>,
    pub attention: Attention,
}

impl Outcome {
    /// A result to show, calling for nothing.
    pub fn shown(stdout: String) -> Outcome {
        Outcome {
            stdout,
            notes: Vec::new(),
            attention: Attention::None,
        }
    }

    /// Only notes about what was written.
    pub fn noted(notes: Vec<String>) -> Outcome {
        Outcome {
            stdout: String::new(),
            notes,
            attention: Attention::None,
        }
    }

    pub fn with(mut self, attention: Attention) -> Outcome {
        self.attention = attention;
        self
    }
}

/// Where a command sends warnings as it runs, so a front end shows them
/// in order even when the command later fails.
pub trait Notify: Sync {
    /// One warning line, without a `warning:` prefix.
    fn warning(&self, line: &str);
}

/// Collects warnings, for callers that show them later (and for tests).
#[derive(Default)]
pub struct Collected(std::sync::Mutex<Vec<String>>);

impl Collected {
    pub fn into_lines(self) -> Vec<String> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl Notify for Collected {
    fn warning(&self, line: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line.to_string());
    }
}

/// Reports a reader's warnings about one file.
fn warn_all(notify: &dyn Notify, path: &Path, warnings: &[String]) {
    for w in warnings {
        notify.warning(&format!("{}: {w}", path.display()));
    }
}

/// Warns about each field of `checklist`, read from a `from` file at
/// `input`, that the format of `output` cannot hold.
fn warn_unrepresentable(
    notify: &dyn Notify,
    from: source::Format,
    input: &Path,
    output: &Path,
    checklist: &Checklist,
) {
    let to = source::Format::from_path(output);
    let (lost, name) = match to {
        Some(f) if f == from => return,
        Some(source::Format::Cklb) => (cklb::unrepresentable(checklist), "CKLB"),
        Some(source::Format::Ckl) => {
            let mut lost = ckl::unrepresentable(checklist);
            lost.extend(cklb::kept_keys(checklist));
            (lost, "CKL")
        }
        _ => return,
    };
    for lost in lost {
        notify.warning(&format!(
            "{}: a {name} has no field for {lost}; it is not in {}",
            input.display(),
            output.display()
        ));
    }
}

/// The named benchmark, or the built-in MKE catalog.
pub fn load_benchmark(path: Option<&Path>, pick: Option<&str>) -> anyhow::Result<Benchmark> {
    match path {
        Some(p) => Ok(source::load_benchmark(p, pick)?),
        None => Ok(catalog::mke()),
    }
}

/// Current time as STIG Viewer 3 stamps rules: `2023-08-09T15:36:29.896Z`.
pub fn now_stamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A checklist's name: its output file's stem.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `1 STIG`, `2 STIGs`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
