//! The adapter benchmark (being written).

fn main() {}
