//! Replays every file of `fuzz/corpus/<target>/` through the target's body, on stable.
//!
//! A target without a corpus directory, or with an empty one, fails: the corpus is part of the
//! test, not an optional extra.

use std::path::{Path, PathBuf};

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

#[test]
fn every_corpus_file_replays() {
    for target in fuzz_replay::TARGETS {
        let dir = corpus_dir(target.name);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: no corpus ({e})", dir.display()))
            .map(|e| e.expect("a readable directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: the corpus is empty", dir.display());
        for file in &files {
            let data = std::fs::read(file).expect("a readable corpus file");
            eprintln!("{}: {}", target.name, file.display());
            (target.run)(&data);
        }
    }
}

#[test]
fn every_target_has_a_fuzz_binary() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/Cargo.toml"),
    )
    .expect("fuzz/Cargo.toml");
    for target in fuzz_replay::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{}\"", target.name)),
            "fuzz/Cargo.toml has no [[bin]] {}",
            target.name
        );
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/fuzz_targets")
            .join(format!("{}.rs", target.name));
        assert!(source.is_file(), "{} is missing", source.display());
    }
}
