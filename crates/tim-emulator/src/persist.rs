//! Writing the state file (feature `server`): atomically, so that a crash or a kill at any
//! moment leaves either the old file or the new one, never a half-written one.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::Emulator;
use crate::inprocess::lock;

/// Writes `bytes` to `path` atomically: into a new temporary file in the same directory
/// (`.NAME.XXXXXX.tmp`), flushed to disk (`fsync`), then renamed over `path`, then the directory
/// flushed so the rename itself survives a power cut. When anything fails the temporary file is
/// removed and `path` is untouched.
///
/// # Errors
///
/// The directory is not writable, the disk is full, `path` is a directory, and the like.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// [`write_atomic`] with the content written by `write` (a test can make it fail midway).
pub(crate) fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    // On any error below, dropping `temp` deletes the temporary file.
    write(temp.as_file_mut())?;
    temp.as_file_mut().flush()?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    // The rename is durable once the directory is; not every platform can open one (Windows).
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// One save at a time, so a later snapshot is never overwritten by an earlier one.
static SAVING: Mutex<()> = Mutex::new(());

/// Saves the state of `emulator` ([`Emulator::state_json`]) to its state file
/// ([`Emulator::set_state_file`]) with [`write_atomic`]. Blocking: call it off the async
/// runtime (`spawn_blocking`) or after it. Saves are serialized, and each takes its snapshot
/// after the previous one is written.
///
/// Returns the path and the bytes written, or `None` when the emulator has no state file.
///
/// # Errors
///
/// Writing the file failed (the file is then as it was).
pub fn save_state(emulator: &Mutex<Emulator>) -> io::Result<Option<(PathBuf, usize)>> {
    let _one = SAVING.lock().unwrap_or_else(PoisonError::into_inner);
    let snapshot = {
        let e = lock(emulator);
        e.state_file().map(|p| (p.to_path_buf(), e.state_json()))
    };
    let Some((path, bytes)) = snapshot else {
        return Ok(None);
    };
    write_atomic(&path, &bytes)?;
    Ok(Some((path, bytes.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "tim-emulator-persist-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_write_that_fails_midway_leaves_the_old_file_and_no_temporary() {
        let dir = temp_dir("fail");
        let path = dir.join("state.json");
        std::fs::write(&path, b"{\"old\":true}").expect("old file");
        let err = write_atomic_with(&path, |f| {
            f.write_all(b"{\"new\":")?;
            Err(io::Error::other("disk full"))
        })
        .expect_err("the write fails");
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read(&path).expect("read"), b"{\"old\":true}");
        assert_eq!(entries(&dir), ["state.json"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_write_replaces_the_file_whole_through_a_temporary_in_the_same_directory() {
        let dir = temp_dir("ok");
        let path = dir.join("state.json");
        std::fs::write(&path, b"old").expect("old file");
        let mut seen = Vec::new();
        write_atomic_with(&path, |f| {
            // While the new content is written, the old file is intact beside the temporary.
            seen = entries(&dir);
            assert_eq!(std::fs::read(&path).expect("read"), b"old");
            f.write_all(b"new content")
        })
        .expect("written");
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(
            seen.iter()
                .any(|n| n.starts_with(".state.json.") && n.ends_with(".tmp")),
            "{seen:?}"
        );
        assert_eq!(std::fs::read(&path).expect("read"), b"new content");
        assert_eq!(entries(&dir), ["state.json"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_directory_as_target_is_an_error_and_nothing_is_left_behind() {
        let dir = temp_dir("dir");
        let target = dir.join("sub");
        std::fs::create_dir(&target).expect("sub dir");
        assert!(write_atomic(&target, b"x").is_err());
        assert!(target.is_dir());
        assert_eq!(entries(&dir), ["sub"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
