//! surf 2 (async-std) transport for the tim Tencent Cloud IM toolkit.
//!
//! This crate is being built; see the workspace `docs/ARCHITECTURE.md`.
