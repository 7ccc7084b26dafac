//! Merging checklists of one asset: automated runs, manual reviews and
//! earlier checklists combined into one, by an explicit precedence, with
//! every conflict recorded and every text anyone wrote kept.
//!
//! Inputs are added one at a time ([`Merger::add`]), so a fleet of passes
//! never has to be in memory at once.
//!
//! | `--prefer` | the review that wins, in order |
//! |---|---|
//! | `manual` (default) | a reviewed status over Not_Reviewed; a person's review over a tool's; the later input |
//! | `automated` | a reviewed status over Not_Reviewed; a tool's review over a person's; the later input |
//! | `newest` | a reviewed status over Not_Reviewed; the newest review time (inputs without one count as older); the later input |
//! | `worst` | Open, then NotAFinding, then Not_Applicable, then Not_Reviewed; a person's over a tool's; the later input |

use crate::model::{
    Asset, Checklist, ChecklistRule, Engine, Revision, Severity, Status, StigChecklist, decided_by,
    merged_line,
};
use chrono::{DateTime, NaiveDateTime};
use serde::Serialize;
use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// Which review wins when inputs disagree (see the module table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Prefer {
    #[default]
    Manual,
    Automated,
    Newest,
    Worst,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub prefer: Prefer,
    /// Append each conflict to the merged rule's COMMENTS.
    pub conflict_comments: bool,
    /// Accept inputs whose host names differ.
    pub allow_host_mismatch: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            prefer: Prefer::Manual,
            conflict_comments: true,
            allow_host_mismatch: false,
        }
    }
}

/// Inputs that cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{file} is about host {host:?}, but {first_file} is about {first_host:?}; merge one asset's checklists, or pass --allow-host-mismatch"
    )]
    HostMismatch {
        file: String,
        host: String,
        first_file: String,
        first_host: String,
    },
    #[error(
        "{file} holds {stig} {revision}, but {first_file} holds {first_revision}; carry the older checklist to the new release with stigkit upgrade first"
    )]
    ReleaseMismatch {
        file: String,
        stig: String,
        revision: String,
        first_file: String,
        first_revision: String,
    },
}

/// What a merge did, for `--report` and the summary.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub prefer: Prefer,
    pub inputs: Vec<InputReport>,
    pub totals: Totals,
    pub conflicts: Vec<Conflict>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct InputReport {
    pub file: String,
    pub host_name: String,
    /// Rules of this input whose review the merged checklist took.
    pub chosen: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct Totals {
    pub rules: usize,
    pub reviewed: usize,
    /// Rules whose inputs held two or more different reviewed statuses.
    pub conflicts: usize,
    /// Rules whose reviews differed between inputs in any way.
    pub reconciled: usize,
}

/// Two or more inputs gave a rule different reviewed statuses.
#[derive(Debug, Serialize)]
pub struct Conflict {
    pub stig_id: String,
    pub rule_id: String,
    pub vuln_id: String,
    pub chosen: Pick,
    /// The reviews whose status differs from the chosen one.
    pub others: Vec<Pick>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pick {
    pub file: String,
    pub status: Status,
    /// `a person` or the tool (`stigkit 0.1.0`).
    pub by: String,
}

/// Merges inputs added in order (later inputs win ties).
pub struct Merger {
    opts: Options,
    files: Vec<String>,
    hosts: Vec<String>,
    chosen: Vec<usize>,
    base: Option<Checklist>,
    stigs: Vec<StigState>,
    warnings: Vec<String>,
    /// The distinct tools seen, for [`Candidate::engine`].
    engines: Vec<Engine>,
    /// (created, updated) review times, for [`Candidate::stamps`].
    stamps: Vec<(String, String)>,
    /// Inputs expected, so per-rule lists are sized once.
    expected_inputs: usize,
}

struct StigState {
    stig: StigChecklist,
    revision: Option<Revision>,
    /// The input that brought this STIG in.
    first_file: usize,
    rules: Vec<RuleState>,
    by_rule_id: HashMap<String, usize>,
    by_vuln_id: HashMap<String, usize>,
}

#[derive(Default)]
struct RuleState {
    candidates: Vec<Candidate>,
    details: Texts,
    comments: Texts,
    justifications: Texts,
}

/// One input's review of a rule. Kept small and free of heap data: a
/// fleet merge holds one per input per rule.
struct Candidate {
    input: u32,
    status: Status,
    severity_override: Option<Severity>,
    /// Index into [`Merger::engines`]; `None` for a person's review.
    engine: Option<u32>,
    time: Option<NaiveDateTime>,
    details: Option<u32>,
    comments: Option<u32>,
    justification: Option<u32>,
    /// Index into [`Merger::stamps`] when the input had review times.
    stamps: Option<u32>,
}

/// A distinct text and the inputs that wrote it.
struct Text {
    text: String,
    first: u32,
    more: Vec<u32>,
}

/// Distinct texts of one field.
#[derive(Default)]
struct Texts {
    texts: Vec<Text>,
    /// Text hash → the first text with it; `collided` holds the rest.
    index: HashMap<u64, u32>,
    collided: Vec<u32>,
}

impl Texts {
    /// Records `text` from `input`; returns its index, `None` when empty.
    fn add(&mut self, text: String, input: u32) -> Option<u32> {
        // Even a blank-looking text is somebody's; only "" is no text.
        if text.is_empty() {
            return None;
        }
        let mut h = DefaultHasher::new();
        text.hash(&mut h);
        let hash = h.finish();
        let found = match self.index.get(&hash) {
            Some(&i) if self.texts[i as usize].text == text => Some(i),
            Some(_) => self
                .collided
                .iter()
                .copied()
                .find(|&i| self.texts[i as usize].text == text),
            None => None,
        };
        if let Some(i) = found {
            let t = &mut self.texts[i as usize];
            if t.first != input && !t.more.contains(&input) {
                t.more.push(input);
            }
            return Some(i);
        }
        let i = self.texts.len() as u32;
        match self.index.entry(hash) {
            std::collections::hash_map::Entry::Occupied(_) => self.collided.push(i),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
        }
        self.texts.push(Text {
            text,
            first: input,
            more: Vec::new(),
        });
        Some(i)
    }
}

fn by(engine: Option<&Engine>) -> String {
    match engine {
        Some(e) if e.version.is_empty() => e.product.clone(),
        Some(e) => format!("{} {}", e.product, e.version),
        None => "a person".into(),
    }
}

/// Review times as producers write them (CKLB `updatedAt`, XCCDF `time`).
fn parse_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.naive_utc())
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok())
        .or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok())
}

fn norm_host(h: &str) -> String {
    h.trim().to_ascii_lowercase()
}

impl Merger {
    pub fn new(opts: Options) -> Merger {
        Merger {
            opts,
            files: Vec::new(),
            hosts: Vec::new(),
            chosen: Vec::new(),
            base: None,
            stigs: Vec::new(),
            warnings: Vec::new(),
            engines: Vec::new(),
            stamps: Vec::new(),
            expected_inputs: 0,
        }
    }

    /// Says how many inputs will be added, so memory is reserved once.
    pub fn expect_inputs(&mut self, n: usize) {
        self.expected_inputs = n;
    }

    /// Adds the next input, named `file` in texts and reports.
    pub fn add(&mut self, file: &str, checklist: Checklist) -> Result<(), Error> {
        let input = self.files.len();
        let host = checklist.asset.host_name.trim().to_string();
        if host.is_empty() {
            self.warnings
                .push(format!("{file} names no host; merged as the same asset"));
        } else if let Some((i, first)) = self.hosts.iter().enumerate().find(|(_, h)| !h.is_empty())
            && norm_host(first) != norm_host(&host)
        {
            if !self.opts.allow_host_mismatch {
                return Err(Error::HostMismatch {
                    file: file.into(),
                    host,
                    first_file: self.files[i].clone(),
                    first_host: first.clone(),
                });
            }
            self.warnings.push(format!(
                "{file} is about host {host:?}, not {first:?}; merged as asked"
            ));
        }
        // Check every STIG's release before taking anything in, so a
        // refused input leaves the merge as it was.
        for stig in &checklist.stigs {
            if let Some(s) = self.stig_of(&stig.info.stig_id)
                && let (Some(a), Some(b)) = (&s.revision, stig.revision())
                && *a != b
            {
                return Err(Error::ReleaseMismatch {
                    file: file.into(),
                    stig: stig.info.stig_id.clone(),
                    revision: b.to_string(),
                    first_file: self.files[s.first_file].clone(),
                    first_revision: a.to_string(),
                });
            }
        }
        self.files.push(file.into());
        self.hosts.push(host);
        self.chosen.push(0);
        let Checklist {
            asset,
            stigs,
            passthrough,
            name,
            id,
        } = checklist;
        match &mut self.base {
            None => {
                self.base = Some(Checklist {
                    name,
                    id,
                    asset,
                    stigs: Vec::new(),
                    passthrough,
                })
            }
            Some(base) => fill_asset(&mut base.asset, asset),
        }
        for stig in stigs {
            self.add_stig(input, stig);
        }
        Ok(())
    }

    fn stig_of(&self, stig_id: &str) -> Option<&StigState> {
        self.stigs.iter().find(|s| s.stig.info.stig_id == stig_id)
    }

    fn add_stig(&mut self, input: usize, mut stig: StigChecklist) {
        let file = self.files[input].clone();
        let at = match self
            .stigs
            .iter()
            .position(|s| s.stig.info.stig_id == stig.info.stig_id)
        {
            Some(at) => at,
            None => {
                let rules = std::mem::take(&mut stig.rules);
                self.stigs.push(StigState {
                    revision: stig.revision(),
                    stig,
                    first_file: input,
                    rules: Vec::new(),
                    by_rule_id: HashMap::new(),
                    by_vuln_id: HashMap::new(),
                });
                let at = self.stigs.len() - 1;
                for r in rules {
                    self.add_rule(at, input, r, true);
                }
                return;
            }
        };
        if self.stigs[at].revision.is_none() {
            self.stigs[at].revision = stig.revision();
        }
        let (mut by_vuln, mut added) = (Vec::new(), Vec::new());
        for r in std::mem::take(&mut stig.rules) {
            let s = &self.stigs[at];
            if s.by_rule_id.contains_key(&r.rule.rule_id) {
                self.add_rule(at, input, r, false);
            } else if let Some(&i) = s.by_vuln_id.get(&r.rule.vuln_id) {
                by_vuln.push(format!(
                    "{} as {}",
                    r.rule.rule_id, s.stig.rules[i].rule.rule_id
                ));
                self.add_rule(at, input, r, false);
            } else {
                added.push(r.rule.rule_id.clone());
                self.add_rule(at, input, r, true);
            }
        }
        let stig_id = &self.stigs[at].stig.info.stig_id;
        if !by_vuln.is_empty() {
            self.warnings.push(format!(
                "{file}: {} rule{} of {stig_id} matched by Vuln ID, their rule revisions differ: {}",
                by_vuln.len(),
                if by_vuln.len() == 1 { "" } else { "s" },
                by_vuln.join(", ")
            ));
        }
        if !added.is_empty() {
            self.warnings.push(format!(
                "{file}: {} rule{} not in {stig_id} as first read, added: {}",
                added.len(),
                if added.len() == 1 { "" } else { "s" },
                added.join(", ")
            ));
        }
    }

    /// Adds one rule's review; `new` when the rule is not in the STIG yet.
    fn add_rule(&mut self, at: usize, input: usize, r: ChecklistRule, new: bool) {
        let s = &mut self.stigs[at];
        let ChecklistRule {
            rule,
            review,
            record,
            extra,
            passthrough,
        } = r;
        let i = if new {
            s.by_rule_id.insert(rule.rule_id.clone(), s.rules.len());
            s.by_vuln_id
                .entry(rule.vuln_id.clone())
                .or_insert(s.rules.len());
            s.stig.rules.push(ChecklistRule {
                rule,
                review: Default::default(),
                record: record.clone(),
                extra,
                passthrough,
            });
            s.rules.push(RuleState {
                candidates: Vec::with_capacity(self.expected_inputs.max(1)),
                ..RuleState::default()
            });
            s.rules.len() - 1
        } else {
            let i = s
                .by_rule_id
                .get(&rule.rule_id)
                .or_else(|| s.by_vuln_id.get(&rule.vuln_id))
                .copied()
                .unwrap_or_default();
            // A results file may know only rule ids; take the full text
            // from whichever input has it.
            let def = &mut s.stig.rules[i];
            if def.rule.check_content.is_empty() && !rule.check_content.is_empty() {
                def.rule = rule;
            }
            i
        };
        let engine = record
            .engine
            .map(|e| match self.engines.iter().position(|k| *k == e) {
                Some(k) => k as u32,
                None => {
                    self.engines.push(e);
                    (self.engines.len() - 1) as u32
                }
            });
        let time = parse_time(&record.updated_at);
        let stamps = (!record.created_at.is_empty() || !record.updated_at.is_empty()).then(|| {
            self.stamps.push((record.created_at, record.updated_at));
            (self.stamps.len() - 1) as u32
        });
        let input = input as u32;
        let state = &mut self.stigs[at].rules[i];
        state.candidates.push(Candidate {
            input,
            status: review.status,
            time,
            engine,
            severity_override: review.severity_override,
            details: state.details.add(review.finding_details, input),
            comments: state.comments.add(review.comments, input),
            justification: state
                .justifications
                .add(review.severity_justification, input),
            stamps,
        });
    }

    /// The merged checklist and what was done.
    pub fn finish(self) -> (Checklist, Report) {
        let Merger {
            opts,
            files,
            hosts,
            mut chosen,
            base,
            stigs,
            mut warnings,
            engines,
            mut stamps,
            expected_inputs: _,
        } = self;
        let mut report = Report {
            prefer: opts.prefer,
            ..Report::default()
        };
        let mut out = base.unwrap_or_default();
        let version = env!("CARGO_PKG_VERSION");
        let engine = |c: &Candidate| c.engine.map(|i| &engines[i as usize]);
        let pick = |c: &Candidate| Pick {
            file: files[c.input as usize].clone(),
            status: c.status,
            by: by(engine(c)),
        };
        for s in stigs {
            let mut stig = s.stig;
            for (rule, state) in stig.rules.iter_mut().zip(s.rules) {
                report.totals.rules += 1;
                let RuleState {
                    candidates,
                    details,
                    comments,
                    justifications,
                } = state;
                let Some(win) = winner(&candidates, opts.prefer) else {
                    continue;
                };
                let c = &candidates[win];
                chosen[c.input as usize] += 1;
                let differing: Vec<&Candidate> = candidates
                    .iter()
                    .filter(|o| o.status.is_reviewed() && o.status != c.status)
                    .collect();
                let same = candidates.iter().all(|o| {
                    o.status == c.status
                        && o.details == c.details
                        && o.comments == c.comments
                        && o.justification == c.justification
                        && o.severity_override == c.severity_override
                });
                let texts = |t: Texts, pick: Option<u32>| compose(t, pick, &files);
                rule.review.status = c.status;
                rule.review.severity_override = c
                    .severity_override
                    .or_else(|| candidates.iter().rev().find_map(|o| o.severity_override));
                rule.review.finding_details = texts(details, c.details);
                rule.review.severity_justification = texts(justifications, c.justification);
                let mut comments = texts(comments, c.comments);
                if !same {
                    report.totals.reconciled += 1;
                    let file = &files[c.input as usize];
                    let mut line = merged_line(version, c.status, engine(c), file);
                    if opts.conflict_comments && !differing.is_empty() {
                        let list: Vec<String> = differing
                            .iter()
                            .map(|o| {
                                format!(
                                    "{} ({}) from {}",
                                    o.status.label(),
                                    decided_by(engine(o)),
                                    files[o.input as usize]
                                )
                            })
                            .collect();
                        line.push_str(&format!(" Conflicting: {}.", list.join("; ")));
                    }
                    if !comments.is_empty() {
                        comments.push_str("\n\n");
                    }
                    comments.push_str(&line);
                }
                rule.review.comments = comments;
                if let Some(i) = c.stamps {
                    let (created, updated) = std::mem::take(&mut stamps[i as usize]);
                    rule.record.created_at = created;
                    rule.record.updated_at = updated;
                }
                rule.record.engine = engine(c).cloned();
                if c.status.is_reviewed() {
                    report.totals.reviewed += 1;
                }
                if !differing.is_empty() {
                    report.totals.conflicts += 1;
                    report.conflicts.push(Conflict {
                        stig_id: stig.info.stig_id.clone(),
                        rule_id: rule.rule.rule_id.clone(),
                        vuln_id: rule.rule.vuln_id.clone(),
                        chosen: pick(c),
                        others: differing.iter().map(|o| pick(o)).collect(),
                    });
                }
                for (field, text) in [
                    ("finding details", &rule.review.finding_details),
                    ("comments", &rule.review.comments),
                ] {
                    // STIG Manager and eMASS cut longer texts (counted as
                    // they count them, in UTF-16 units).
                    let n = crate::model::text_len(text);
                    if n > crate::model::MAX_TEXT {
                        warnings.push(format!(
                            "{} {}: merged {field} are {n} characters, over the 32,767 STIG Manager keeps",
                            stig.info.stig_id, rule.rule.rule_id,
                        ));
                    }
                }
            }
            out.stigs.push(stig);
        }
        report.inputs = files
            .iter()
            .zip(hosts)
            .zip(chosen)
            .map(|((file, host_name), chosen)| InputReport {
                file: file.clone(),
                host_name,
                chosen,
            })
            .collect();
        report.warnings = warnings;
        (out, report)
    }
}

/// The candidate the precedence picks.
fn winner(candidates: &[Candidate], prefer: Prefer) -> Option<usize> {
    let severity = |s: Status| match s {
        Status::Open => 3,
        Status::NotAFinding => 2,
        Status::NotApplicable => 1,
        Status::NotReviewed => 0,
    };
    let key = |c: &Candidate| {
        let reviewed = c.status.is_reviewed() as u8;
        let person = c.engine.is_none() as u8;
        let time = c.time.unwrap_or(NaiveDateTime::MIN);
        // Later inputs win the last tie.
        match prefer {
            Prefer::Manual => (reviewed, person, NaiveDateTime::MIN, c.input),
            Prefer::Automated => (reviewed, 1 - person, NaiveDateTime::MIN, c.input),
            Prefer::Newest => (reviewed, 0, time, c.input),
            Prefer::Worst => (severity(c.status), person, NaiveDateTime::MIN, c.input),
        }
    };
    (0..candidates.len()).max_by_key(|&i| key(&candidates[i]))
}

/// A field's merged text: one distinct text verbatim; several, each under
/// the files that wrote it, the chosen review's first.
fn compose(mut t: Texts, chosen: Option<u32>, files: &[String]) -> String {
    match t.texts.len() {
        0 => String::new(),
        1 => t.texts.pop().map(|t| t.text).unwrap_or_default(),
        n => {
            let order = chosen
                .into_iter()
                .chain((0..n as u32).filter(|&i| Some(i) != chosen));
            let mut out = String::new();
            for i in order {
                let t = &t.texts[i as usize];
                if !out.is_empty() {
                    out.push_str("\n\n");
                }
                out.push_str("From ");
                for (k, n) in std::iter::once(t.first)
                    .chain(t.more.iter().copied())
                    .enumerate()
                {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&files[n as usize]);
                }
                out.push_str(":\n");
                out.push_str(&t.text);
            }
            out
        }
    }
}

/// Fills the asset's empty fields from a later input's.
fn fill_asset(base: &mut Asset, other: Asset) {
    let fields = [
        (&mut base.host_ip, other.host_ip),
        (&mut base.host_mac, other.host_mac),
        (&mut base.host_fqdn, other.host_fqdn),
        (&mut base.target_comment, other.target_comment),
        (&mut base.tech_area, other.tech_area),
        (&mut base.target_key, other.target_key),
        (&mut base.web_db_site, other.web_db_site),
        (&mut base.web_db_instance, other.web_db_instance),
        (&mut base.host_name, other.host_name),
    ];
    for (mine, theirs) in fields {
        if mine.trim().is_empty() && !theirs.trim().is_empty() {
            *mine = theirs;
        }
    }
}
