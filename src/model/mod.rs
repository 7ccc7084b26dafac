//! The domain: benchmarks, checklists and reviews.
//!
//! Nothing here knows a file format, touches the file system or the
//! network. Codecs (`xccdf`, `xccdf_results`, `ckl`, `cklb`) translate to
//! and from these types; everything else works on them.

mod benchmark;
mod checklist;
mod lint;
mod matching;
mod provenance;
mod status;
mod summary;

pub use benchmark::{
    Benchmark, CheckContentRef, Discussion, Profile, Revision, Rule, benchmark_date, display_name,
    release_number, revision_label, sv_number,
};
pub use checklist::{
    ASSET_TYPES, Asset, Checklist, ChecklistRule, MAX_TEXT, Passthrough, ROLES, Review, RuleRecord,
    StigChecklist, StigInfo, TECH_AREAS, text_len,
};
pub use lint::{Finding, Level};
pub use matching::{MatchKey, pair_rules};
pub use provenance::{
    EVALUATE_STIG, Engine, bundle_mention, bundles_named, decided_by, evidence_collected_at,
    marker_line, merged_line, stigkit_engine,
};
pub use status::{Severity, Status};
pub use summary::{Counts, StigSummary, Summary};
