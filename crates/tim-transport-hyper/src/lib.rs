//! hyper 1 (tokio, rustls) transport for the tim Tencent Cloud IM toolkit.
//!
//! This crate is being built; see the workspace `docs/ARCHITECTURE.md`.
