//! Who decided a review: a person, or an automated tool.
//!
//! Merging prefers a person's review over a tool's, so each reader derives
//! the tool from its producer's own markers. stigkit marks its automated
//! reviews with one line in COMMENTS, the only place every format (and
//! STIG Viewer, which drops unknown data) carries along.

use super::{Review, Status};
use serde::Serialize;

/// The automated tool that decided a review.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Engine {
    /// `stigkit`, `Evaluate-STIG`, `SCC`, `OpenSCAP`…
    pub product: String,
    pub version: String,
}

/// Evaluate-STIG's product name, as its CKL, CKLB and XCCDF markers spell it.
pub const EVALUATE_STIG: &str = "Evaluate-STIG";

impl Engine {
    /// Evaluate-STIG of `version` (empty when its marker states none).
    pub fn evaluate_stig(version: &str) -> Engine {
        Engine {
            product: EVALUATE_STIG.into(),
            version: version.into(),
        }
    }
}

const MARKER: &str = "Automated result ";
const BY: &str = " by stigkit ";

/// The line stigkit appends to the comments of a review it decided.
pub fn marker_line(status: Status, version: &str, collected_at: &str) -> String {
    format!(
        "{MARKER}{} by stigkit {version}{COLLECTED}{collected_at}.",
        status.label()
    )
}

/// How finding details name the evidence bundle a review was judged from:
/// the sha256 of its `manifest.json`, which lists every file's sha256.
const BUNDLE: &str = "evidence bundle manifest.json sha256 ";

/// `evidence bundle manifest.json sha256 <hex>`, as stigkit writes it.
pub fn bundle_mention(manifest_sha256: &str) -> String {
    format!("{BUNDLE}{manifest_sha256}")
}

/// The bundle hashes a text names, in order of first mention.
pub fn bundles_named(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, _) in text.match_indices(BUNDLE) {
        let hex: String = text[i + BUNDLE.len()..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        if hex.len() == 64 && !out.contains(&hex) {
            out.push(hex);
        }
    }
    out
}

/// When the evidence behind a review stigkit decided was collected, from
/// its marker line (the last one, as a merge may carry several).
pub fn evidence_collected_at(comments: &str) -> Option<&str> {
    let at = comments.rfind(MARKER)?;
    let line = comments[at..].lines().next()?;
    let rest = &line[line.find(COLLECTED)? + COLLECTED.len()..];
    Some(rest.strip_suffix('.').unwrap_or(rest))
}

const COLLECTED: &str = " from evidence collected ";

const MERGED: &str = "Merged by stigkit ";

/// How a merge names who decided a review: `reviewed by a person` or
/// `decided by stigkit 0.1.0`.
pub fn decided_by(engine: Option<&Engine>) -> String {
    match engine {
        None => "reviewed by a person".into(),
        Some(e) if e.version.is_empty() => format!("decided by {}", e.product),
        Some(e) => format!("decided by {} {}", e.product, e.version),
    }
}

/// The line a merge appends to a rule whose inputs differed.
pub fn merged_line(version: &str, status: Status, engine: Option<&Engine>, file: &str) -> String {
    format!(
        "{MERGED}{version}: kept {} ({}) from {file}.",
        status.label(),
        decided_by(engine)
    )
}

/// The tool that decided a review, from stigkit's own lines in its
/// comments: the last merge line or automated-result marker, and only for
/// the status the review still has. A person who changed the status
/// afterwards (in STIG Viewer, say) made it their review.
pub fn stigkit_engine(review: &Review) -> Option<Engine> {
    for line in review.comments.lines().rev().map(str::trim) {
        if let Some(rest) = line.strip_prefix(MERGED) {
            let (_, rest) = rest.split_once(": kept ")?;
            let (status, rest) = rest.split_once(" (")?;
            let (who, _) = rest.split_once(") from ")?;
            if Status::parse_lenient(status)? != review.status {
                return None;
            }
            let tool = who.strip_prefix("decided by ")?;
            let (product, version) = tool.rsplit_once(' ').unwrap_or((tool, ""));
            return Some(Engine {
                product: product.into(),
                version: version.into(),
            });
        }
        if let Some(rest) = line.strip_prefix(MARKER) {
            let Some((status, after)) = rest.split_once(BY) else {
                continue;
            };
            let version = after.split_whitespace().next()?;
            return (Status::parse_lenient(status)? == review.status).then(|| Engine {
                product: "stigkit".into(),
                version: version.into(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(status: Status, comments: &str) -> Review {
        Review {
            status,
            comments: comments.into(),
            ..Review::default()
        }
    }

    #[test]
    fn the_marker_is_read_back_only_for_an_unchanged_status() {
        let line = marker_line(Status::Open, "0.1.0", "2026-11-26T16:43:18.615Z");
        assert_eq!(
            line,
            "Automated result Open by stigkit 0.1.0 from evidence collected 2026-11-26T16:43:18.615Z."
        );
        let r = review(Status::Open, &format!("Reviewed.\n{line}"));
        assert_eq!(
            stigkit_engine(&r),
            Some(Engine {
                product: "stigkit".into(),
                version: "0.1.0".into()
            })
        );
        assert_eq!(stigkit_engine(&review(Status::NotAFinding, &line)), None);
        assert_eq!(
            stigkit_engine(&review(Status::Open, "Automated result Open by hand.")),
            None
        );
        let na = marker_line(Status::NotApplicable, "0.1.0", "t");
        assert!(stigkit_engine(&review(Status::NotApplicable, &na)).is_some());
    }

    #[test]
    fn a_merge_line_outranks_the_markers_of_the_texts_it_joined() {
        let tool = Engine {
            product: "Evaluate-STIG".into(),
            version: "1.2204.1".into(),
        };
        let marker = marker_line(Status::Open, "0.1.0", "t");
        let person = merged_line("0.1.0", Status::Open, None, "a (1).ckl");
        let r = review(Status::Open, &format!("{marker}\n\n{person}"));
        assert_eq!(stigkit_engine(&r), None);
        let by_tool = merged_line("0.1.0", Status::Open, Some(&tool), "b.ckl");
        assert_eq!(
            by_tool,
            "Merged by stigkit 0.1.0: kept Open (decided by Evaluate-STIG 1.2204.1) from b.ckl."
        );
        let r = review(Status::Open, &format!("text\n{by_tool} Conflicting: x."));
        assert_eq!(stigkit_engine(&r), Some(tool));
        // Changed since the merge: a person's now.
        let r = review(Status::NotAFinding, &by_tool);
        assert_eq!(stigkit_engine(&r), None);
    }

    #[test]
    fn bundle_mentions_read_back() {
        let h = "ab".repeat(32);
        let text = format!(
            "Source: x, {}.\nAgain {}; short {}",
            bundle_mention(&h),
            bundle_mention(&h),
            bundle_mention("abc")
        );
        assert_eq!(bundles_named(&text), vec![h]);
        assert!(bundles_named("no mention").is_empty());
    }

    #[test]
    fn the_evidence_time_reads_back_from_the_marker() {
        let c = format!(
            "note\n{}",
            marker_line(Status::Open, "0.1.0", "2026-11-26T16:43:18.615Z")
        );
        assert_eq!(evidence_collected_at(&c), Some("2026-11-26T16:43:18.615Z"));
        assert_eq!(
            evidence_collected_at("Automated result Open by hand."),
            None
        );
    }
}
