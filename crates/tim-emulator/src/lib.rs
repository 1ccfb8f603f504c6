//! A faithful fake of the Tencent Cloud IM REST service, sans-IO core plus loopback HTTP server, for tests and CI.
//!
//! This crate is being built; see the workspace `docs/ARCHITECTURE.md`.
