//! Runtime-agnostic client for the Tencent Cloud IM REST API: auto-paging streams, retries, rate limiting, UserSig reuse.
//!
//! This crate is being built; see the workspace `docs/ARCHITECTURE.md`.
