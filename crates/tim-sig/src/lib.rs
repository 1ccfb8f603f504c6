//! UserSig (TLSSigAPIv2) signing and verification for Tencent Cloud IM, interoperable with every official signer.
//!
//! This crate is being built; see the workspace `docs/ARCHITECTURE.md`.
