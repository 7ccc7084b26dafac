//! Checks a checklist for what makes eMASS, STIG Viewer or STIG Manager
//! reject or misread it, before it is uploaded.
//!
//! Two layers, so format spellings stay in their codecs: `ckl::lint` and
//! `cklb::lint` look at the raw file (status as written, element order,
//! entities, encoding), and [`check_model`] looks at the parsed
//! [`Checklist`] (host name, release info, duplicates, text lengths,
//! reviews). Both return [`Finding`]s; a file that cannot be parsed is one
//! error finding, never a panic or a skipped file.
//!
//! Levels follow what the consumers do. An *error* makes an importer refuse
//! the file or silently drop or cut part of it. A *warning* is read, but
//! some consumer treats it differently than the author meant.

use crate::model::{Benchmark, Checklist, Status, StigChecklist};
pub use crate::model::{Finding, Level};
use crate::source::{self, Format};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The lint result of one file.
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    pub file: String,
    /// `ckl`, `cklb` or `xccdf-results`; `None` when it could not be told.
    pub format: Option<&'static str>,
    pub findings: Vec<Finding>,
}

impl FileReport {
    pub fn errors(&self) -> usize {
        self.count(Level::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Level::Warning)
    }

    fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level).count()
    }
}

/// Codes that mean the file could not be read at all; a parse failure adds
/// no second finding when the raw check already named one of these.
const FATAL: [&str; 3] = ["unreadable", "encoding", "broken-entity"];

pub use crate::model::MAX_TEXT;

/// STIG Manager refuses a host name longer than this.
const MAX_HOST_NAME: usize = 255;

/// Lints one file on disk, against `benchmarks` when given (see
/// [`check_against`]). `file` in every finding is `path` as given.
pub fn lint_path(path: &Path, benchmarks: &[Benchmark]) -> FileReport {
    let name = path.display().to_string();
    match source::read_file(path) {
        Ok(bytes) => lint_bytes(path, &bytes, benchmarks),
        Err(e) => FileReport {
            file: name.clone(),
            format: None,
            findings: vec![Finding {
                file: name,
                ..Finding::new(Level::Error, "unreadable", e.kind.to_string())
            }],
        },
    }
}

/// Lints checklist bytes; `path` names the file in findings and helps tell
/// the format.
pub fn lint_bytes(path: &Path, bytes: &[u8], benchmarks: &[Benchmark]) -> FileReport {
    let name = path.display().to_string();
    let sniffed = Format::sniff(bytes).or_else(|| Format::from_path(path));
    let mut findings = match sniffed {
        Some(Format::Ckl) => crate::ckl::lint(bytes),
        Some(Format::Cklb) => crate::cklb::lint(bytes),
        Some(Format::XccdfResults) | None => Vec::new(),
    };
    let format = match source::parse_checklist(path, bytes) {
        Ok(loaded) => {
            findings.extend(check_model(&loaded.checklist));
            findings.extend(check_against(&loaded.checklist, benchmarks));
            Some(loaded.format)
        }
        Err(e) => {
            // Nothing else matters until the file can be read: keep only
            // the raw check's account of why, else the reader's.
            findings.retain(|f| f.level == Level::Error && FATAL.contains(&f.code));
            findings.truncate(1);
            if findings.is_empty() {
                findings.push(Finding::new(Level::Error, "unreadable", e.kind.to_string()));
            }
            sniffed
        }
    };
    for f in &mut findings {
        f.file.clone_from(&name);
    }
    FileReport {
        file: name,
        format: format.map(|f| match f {
            Format::Ckl => "ckl",
            Format::Cklb => "cklb",
            Format::XccdfResults => "xccdf-results",
        }),
        findings,
    }
}

/// Lints `paths` on `workers` threads; reports come back in path order.
/// Reports are small, so all of them are kept.
pub fn lint_paths(paths: &[PathBuf], benchmarks: &[Benchmark], workers: usize) -> Vec<FileReport> {
    let mut reports = Vec::with_capacity(paths.len());
    let done: Result<(), std::convert::Infallible> = crate::batch::for_each_path(
        paths,
        workers,
        |_, path, _| lint_path(path, benchmarks),
        |_, report| {
            reports.push(report);
            Ok(())
        },
    );
    match done {
        Ok(()) => reports,
    }
}

/// The checks that need only the parsed checklist, whatever its format.
pub fn check_model(c: &Checklist) -> Vec<Finding> {
    let mut out = Vec::new();
    let host = c.asset.host_name.trim();
    if host.is_empty() {
        // STIG Manager refuses the file ("No host_name in ASSET"); eMASS
        // cannot tie the results to an asset.
        out.push(Finding::new(
            Level::Error,
            "empty-host-name",
            "the host name is empty: STIG Manager refuses the file and eMASS cannot match the asset",
        ));
    } else if host.chars().count() > MAX_HOST_NAME {
        out.push(Finding::new(
            Level::Error,
            "host-name-too-long",
            format!(
                "the host name has {} characters; STIG Manager refuses more than {MAX_HOST_NAME}",
                host.chars().count()
            ),
        ));
    }
    // Rules by (benchmark, rule id) over the whole file: the same STIG
    // listed twice is as much a duplicate as a VULN repeated in one.
    let mut times: HashMap<(&str, &str), usize> = HashMap::new();
    for s in &c.stigs {
        for r in &s.rules {
            *times
                .entry((s.info.stig_id.trim(), r.rule.rule_id.trim()))
                .or_insert(0) += 1;
        }
    }
    for stig in &c.stigs {
        check_stig(stig, &mut times, &mut out);
    }
    out
}

/// Checks each STIG of the checklist against the given benchmark of the same
/// id. Another release is a warning (`stigkit upgrade` carries reviews
/// over). In the same release, a rule the benchmark lacks is an error,
/// since importers match reviews to the release's rules and drop the rest,
/// and a benchmark rule the checklist lacks is a warning: the checklist
/// does not cover the whole STIG. STIGs no benchmark names are not judged.
pub fn check_against(c: &Checklist, benchmarks: &[Benchmark]) -> Vec<Finding> {
    let mut out = Vec::new();
    for stig in &c.stigs {
        let id = stig.info.stig_id.trim();
        let named: Vec<&Benchmark> = benchmarks.iter().filter(|b| b.id == id).collect();
        let Some(first) = named.first() else {
            continue;
        };
        let rev = stig.revision();
        let label = |r: Option<crate::model::Revision>| {
            r.map_or_else(|| "an unknown release".to_string(), |r| r.to_string())
        };
        let Some(b) = named.iter().find(|b| b.revision() == rev) else {
            out.push(
                Finding::new(
                    Level::Warning,
                    "other-release",
                    format!(
                        "the checklist is {}, the benchmark given is {}: `stigkit upgrade` carries the reviews to it",
                        label(rev),
                        label(first.revision())
                    ),
                )
                .stig(id),
            );
            continue;
        };
        let known: HashSet<&str> = b.rules.iter().map(|r| r.rule_id.as_str()).collect();
        let present: HashSet<&str> = stig.rules.iter().map(|r| r.rule.rule_id.trim()).collect();
        for r in &stig.rules {
            let rule_id = r.rule.rule_id.trim();
            if !rule_id.is_empty() && !known.contains(rule_id) {
                out.push(
                    Finding::new(
                        Level::Error,
                        "unknown-rule",
                        format!(
                            "not a rule of {id} {}: importers drop reviews of rules the release does not have",
                            label(rev.clone())
                        ),
                    )
                    .stig(id)
                    .rule(rule_id, &r.rule.vuln_id),
                );
            }
        }
        for r in b
            .rules
            .iter()
            .filter(|r| !present.contains(r.rule_id.as_str()))
        {
            out.push(
                Finding::new(
                    Level::Warning,
                    "missing-rule",
                    format!(
                        "a rule of {id} {} is missing: the checklist does not cover the whole STIG",
                        label(rev.clone())
                    ),
                )
                .stig(id)
                .rule(&r.rule_id, &r.vuln_id),
            );
        }
    }
    out
}

/// `times` counts each (benchmark, rule id) in the file; a duplicate is
/// reported once, at its first place, and then taken out.
fn check_stig<'a>(
    stig: &'a StigChecklist,
    times: &mut HashMap<(&'a str, &'a str), usize>,
    out: &mut Vec<Finding>,
) {
    let id = stig.info.stig_id.trim();
    if id.is_empty() {
        // STIG Manager matches reviews to a benchmark by this id and skips
        // (or refuses) a STIG without one.
        out.push(Finding::new(
            Level::Error,
            "empty-stig-id",
            format!(
                "a STIG ('{}', {} rules) has no benchmark id: STIG Manager cannot match it",
                stig.info.title,
                stig.rules.len()
            ),
        ));
    }
    check_release_info(stig, out);
    for r in &stig.rules {
        let at = |f: Finding| f.stig(id).rule(&r.rule.rule_id, &r.rule.vuln_id);
        let rule_id = r.rule.rule_id.trim();
        if rule_id.is_empty() {
            out.push(at(Finding::new(
                Level::Error,
                "missing-rule-id",
                "the rule has no rule id: STIG Manager drops its review",
            )));
        } else if let Some(n) = times.remove(&(id, rule_id)).filter(|&n| n > 1) {
            out.push(at(Finding::new(
                Level::Error,
                "duplicate-rule",
                format!(
                    "the rule appears {n} times: importers keep one of its reviews and drop the others"
                ),
            )));
        }
        let review = &r.review;
        for (field, text) in [
            ("finding details", &review.finding_details),
            ("comments", &review.comments),
            ("severity justification", &review.severity_justification),
        ] {
            let len = crate::model::text_len(text);
            if len > MAX_TEXT {
                out.push(at(Finding::new(
                    Level::Error,
                    "text-too-long",
                    format!("{field} has {len} characters; STIG Manager and eMASS keep {MAX_TEXT}"),
                )));
            }
        }
        if review.status == Status::Open && review.finding_details.trim().is_empty() {
            out.push(at(Finding::new(
                Level::Warning,
                "open-without-details",
                "Open with no finding details: STIG Manager imports it but will not submit it, and assessors ask for the evidence",
            )));
        }
        if review.severity_override.is_some() && review.severity_justification.trim().is_empty() {
            out.push(at(Finding::new(
                Level::Error,
                "override-without-justification",
                "severity override without a justification: DISA requires one, and STIG Viewer will not record an override without it",
            )));
        }
    }
}

/// STIG Manager takes the revision from `Release: <n> ` in the release
/// info; without it the reviews land on whatever revision it holds as
/// current. The file is read, so this is a warning.
fn check_release_info(stig: &StigChecklist, out: &mut Vec<Finding>) {
    let info = stig.info.release_info.trim();
    let problem = if info.is_empty() {
        "no release info"
    } else if release_number(info).is_none() {
        "placeholder release info"
    } else {
        return;
    };
    out.push(
        Finding::new(
            Level::Warning,
            "placeholder-release-info",
            format!(
                "{problem} ('{info}'): STIG Manager cannot tell the STIG's revision and files the reviews under its current one; expected 'Release: N Benchmark Date: D MMM YYYY'"
            ),
        )
        .stig(stig.info.stig_id.trim()),
    );
}

/// The release number as STIG Manager reads it: `Release:`, spaces, a
/// number, then white space (so `Release: 13` alone has none).
fn release_number(info: &str) -> Option<&str> {
    let rest = info.strip_prefix("Release:")?.trim_start();
    let end = rest.find(char::is_whitespace)?;
    let n = &rest[..end];
    (!n.is_empty() && n.chars().all(|c| c.is_ascii_digit())).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_number_needs_a_number_and_what_follows() {
        assert_eq!(
            release_number("Release: 3 Benchmark Date: 24 Apr 2024"),
            Some("3")
        );
        assert_eq!(release_number("Release: 13"), None);
        assert_eq!(release_number("Release: x Benchmark Date: 1"), None);
        assert_eq!(release_number(""), None);
    }

    #[test]
    fn text_length_counts_utf16_units() {
        let mut c = Checklist::default();
        c.asset.host_name = "h".into();
        let mut stig = StigChecklist::default();
        stig.info.stig_id = "X_STIG".into();
        stig.info.release_info = "Release: 1 Benchmark Date: 1 Jan 2024".into();
        let mut r = crate::model::ChecklistRule::default();
        r.rule.rule_id = "SV-1r1_rule".into();
        // 16,384 astral characters are 32,768 UTF-16 units.
        r.review.comments = "\u{1F600}".repeat(16_384);
        stig.rules.push(r);
        c.stigs.push(stig);
        let f = check_model(&c);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "text-too-long");
        assert_eq!(f[0].stig.as_deref(), Some("X_STIG"));
        assert_eq!(f[0].rule.as_deref(), Some("SV-1r1_rule"));
    }
}
