//! Answer files: the organisation's own answers for rules a tool cannot
//! decide, like Evaluate-STIG's but declarative (no embedded code).
//!
//! ```toml
//! [[answer]]
//! vuln_id = "V-260906"
//! status = "NotAFinding"
//! finding_details = "docker.sock is root:docker 660 on all nodes (checked 2026-10-01)."
//! comments = "Verified by the platform team."
//! author = "J. Smith, ISSO"
//! date = 2026-10-01
//! expires = 2027-04-01                  # optional: not applied after this day
//! only_when = ["Not_Reviewed"]          # optional: only when the check said this
//! ```
//!
//! An answer never replaces an automated Open: the evidence outranks it.

use crate::model::Status;
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "answer")]
    answers: Vec<Raw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    vuln_id: String,
    status: String,
    #[serde(default)]
    finding_details: String,
    #[serde(default)]
    comments: String,
    author: String,
    date: toml::value::Datetime,
    expires: Option<toml::value::Datetime>,
    only_when: Option<Vec<String>>,
}

/// One answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub vuln_id: String,
    pub status: Status,
    pub finding_details: String,
    pub comments: String,
    pub author: String,
    pub date: NaiveDate,
    pub expires: Option<NaiveDate>,
    /// Apply only when the automated status is one of these.
    pub only_when: Option<Vec<Status>>,
    /// The file it came from, for the record.
    pub source: String,
}

/// All answers of the files given, at most one per Vuln ID.
#[derive(Clone, Debug, Default)]
pub struct Answers(Vec<Answer>);

/// What became of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Applied,
    /// Past its expiry date.
    Expired(NaiveDate),
    /// The automated status was not one `only_when` names.
    ConditionNotMet(Status),
    /// The check found the rule Open; the answer may not override that.
    KeptOpen,
}

fn date(d: &toml::value::Datetime, field: &str, vuln: &str) -> Result<NaiveDate, String> {
    let day = d
        .date
        .as_ref()
        .ok_or_else(|| format!("answer for {vuln}: {field} must be a date like 2026-10-01"))?;
    NaiveDate::from_ymd_opt(
        i32::from(day.year),
        u32::from(day.month),
        u32::from(day.day),
    )
    .ok_or_else(|| format!("answer for {vuln}: {field} is not a valid date"))
}

impl Answers {
    /// Parses one answer file; `source` names it in records and errors.
    pub fn parse(text: &str, source: &str) -> Result<Answers, String> {
        let file: File = toml::from_str(text).map_err(|e| super::toml_error(text, &e))?;
        let mut out = Answers::default();
        for r in file.answers {
            let vuln = r.vuln_id.trim().to_string();
            if !vuln.starts_with("V-")
                || !vuln[2..].chars().all(|c| c.is_ascii_digit())
                || vuln.len() < 3
            {
                return Err(format!(
                    "answer vuln_id {vuln:?} is not a Vuln ID like V-260906"
                ));
            }
            let status = Status::parse_lenient(&r.status).ok_or_else(|| format!("answer for {vuln}: status {:?} is not NotAFinding, Open, Not_Applicable or Not_Reviewed", r.status))?;
            let only_when = match r.only_when {
                None => None,
                Some(list) => Some(
                    list.iter()
                        .map(|s| {
                            Status::parse_lenient(s).ok_or_else(|| {
                                format!("answer for {vuln}: only_when {s:?} is not a status")
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
            };
            let answer = Answer {
                status,
                finding_details: r.finding_details,
                comments: r.comments,
                author: r.author,
                date: date(&r.date, "date", &vuln)?,
                expires: r
                    .expires
                    .as_ref()
                    .map(|d| date(d, "expires", &vuln))
                    .transpose()?,
                only_when,
                source: source.to_string(),
                vuln_id: vuln,
            };
            out.add(answer)?;
        }
        Ok(out)
    }

    /// Adds an answer; a second answer for the same rule is an error.
    pub fn add(&mut self, a: Answer) -> Result<(), String> {
        if let Some(prev) = self.get(&a.vuln_id) {
            return Err(format!(
                "{} is answered twice ({} and {}); keep one",
                a.vuln_id, prev.source, a.source
            ));
        }
        self.0.push(a);
        Ok(())
    }

    pub fn get(&self, vuln_id: &str) -> Option<&Answer> {
        self.0.iter().find(|a| a.vuln_id == vuln_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Answer> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Answer {
    /// Whether this answer applies, given the automated status, on `today`.
    pub fn decide(&self, automated: Status, today: NaiveDate) -> Decision {
        if let Some(exp) = self.expires
            && today > exp
        {
            return Decision::Expired(exp);
        }
        if let Some(when) = &self.only_when
            && !when.contains(&automated)
        {
            return Decision::ConditionNotMet(automated);
        }
        if automated == Status::Open && self.status != Status::Open {
            return Decision::KeptOpen;
        }
        Decision::Applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const FILE: &str = r#"
[[answer]]
vuln_id = "V-260906"
status = "not_a_finding"
finding_details = "root:docker 660 on all nodes"
author = "J. Smith"
date = 2026-10-01
expires = 2027-04-01

[[answer]]
vuln_id = "V-260938"
status = "NotAFinding"
author = "J. Smith"
date = 2026-10-01
only_when = ["Not_Reviewed"]
"#;

    #[test]
    fn applied_expired_conditional_and_kept_open() {
        let a = Answers::parse(FILE, "answers.toml").unwrap();
        let sock = a.get("V-260906").unwrap();
        assert_eq!(
            sock.decide(Status::NotReviewed, day("2026-11-26")),
            Decision::Applied
        );
        assert_eq!(
            sock.decide(Status::NotReviewed, day("2027-04-02")),
            Decision::Expired(day("2027-04-01"))
        );
        assert_eq!(
            sock.decide(Status::Open, day("2026-11-26")),
            Decision::KeptOpen
        );
        let exec = a.get("V-260938").unwrap();
        assert_eq!(
            exec.decide(Status::NotAFinding, day("2026-11-26")),
            Decision::ConditionNotMet(Status::NotAFinding)
        );
        assert_eq!(
            exec.decide(Status::NotReviewed, day("2026-11-26")),
            Decision::Applied
        );
    }

    #[test]
    fn bad_files_name_the_problem() {
        let twice = format!(
            "{FILE}\n[[answer]]\nvuln_id = \"V-260906\"\nstatus = \"Open\"\nauthor = \"x\"\ndate = 2026-01-01\n"
        );
        assert_eq!(
            Answers::parse(&twice, "a.toml").unwrap_err(),
            "V-260906 is answered twice (a.toml and a.toml); keep one"
        );
        let e = Answers::parse(
            "[[answer]]\nvuln_id = \"V-1\"\nstatus = \"done\"\nauthor = \"x\"\ndate = 2026-01-01\n",
            "a",
        )
        .unwrap_err();
        assert!(e.contains("status \"done\" is not"), "{e}");
        let e = Answers::parse("[[answer]]\nvuln = \"V-1\"\n", "a").unwrap_err();
        assert!(e.starts_with("line 2: unknown field `vuln`"), "{e}");
    }
}
