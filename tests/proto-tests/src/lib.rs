//! Shared helpers for the tim-proto workspace tests (a reference model of the server).
