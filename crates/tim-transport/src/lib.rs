//! The pluggable async HTTP transport trait of the tim Tencent Cloud IM toolkit.
//!
//! This crate is being built; see the workspace `docs/ARCHITECTURE.md`.
