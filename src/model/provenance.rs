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
        "{MARKER}{} by stigkit {version} from evidence collected {collected_at}.",
        status.label()
    )
}

/// stigkit, when the review's comments carry its marker for the status the
/// review still has. A person who changed the status afterwards (in STIG
/// Viewer, say) made it their review, so a stale marker does not count.
pub fn stigkit_engine(review: &Review) -> Option<Engine> {
    review.comments.lines().rev().find_map(|line| {
        let rest = line.trim().strip_prefix(MARKER)?;
        let (status, after) = rest.split_once(BY)?;
        let version = after.split_whitespace().next()?;
        (Status::parse_lenient(status)? == review.status).then(|| Engine {
            product: "stigkit".into(),
            version: version.into(),
        })
    })
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
}
