//! tim-proto (being built).
