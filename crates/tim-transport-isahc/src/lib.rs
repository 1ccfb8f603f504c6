//! isahc 2 (curl) transport for the tim Tencent Cloud IM toolkit, usable under any async runtime.
//!
//! This crate is being built; see the workspace `docs/ARCHITECTURE.md`.
