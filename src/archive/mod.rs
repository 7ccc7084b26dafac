//! The verifiable archives `stigkit archive` makes of what was submitted
//! ([`pack`]), and their verification ([`verify`]). Reading untrusted zips
//! is [`crate::unzip`]'s job.

pub mod manifest;
mod pack;
mod verify;

pub use manifest::Manifest;
pub use pack::{Packed, Request, pack};
pub use verify::{Problem, Verdict, verify};
