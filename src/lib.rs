//! stigkit: DISA STIG checklists for Mirantis Kubernetes Engine, headless.
//!
//! Data flows one way: a benchmark is read ([`xccdf`], [`source`]), a
//! [`model::Checklist`] is built from it, and the checklist is written by a
//! codec ([`ckl`], [`cklb`]). Existing checklists are read back by the same
//! codecs, and scan results by [`xccdf_results`]. Only [`cli`] knows about
//! the command line and exit codes.

pub mod archive;
pub mod batch;
pub mod catalog;
pub mod checks;
pub mod ckl;
pub mod cklb;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod diff;
pub mod evaluate;
pub mod evidence;
pub mod export;
pub mod lint;
pub mod merge;
pub mod model;
pub mod output;
pub mod pki;
pub mod report;
pub mod source;
pub mod store;
pub mod templates;
pub mod unzip;
pub mod upgrade;
pub mod xccdf;
pub mod xccdf_results;
pub mod xml;
