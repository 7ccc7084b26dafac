//! Zip archives: reading any zip stigkit is given without trusting it
//! ([`read`]), and the verifiable archives `stigkit archive` makes of what
//! was submitted ([`pack`], [`verify`]).

pub mod manifest;
mod pack;
mod read;
mod verify;

pub use manifest::Manifest;
pub use pack::{Packed, Request, pack};
pub use read::{Error, MAX_ENTRY, MAX_RATIO, entries, is_zip, walk};
pub use verify::{Problem, Verdict, verify};
