//! Stage 5: bring the files on disk in line with what the specs produce.
//!
//! [`ensure_file_contents`] writes a file only when its content changed
//! (so builds are not invalidated by a no-op `cargo xtask gen`); [`drift`]
//! compares without writing, for `cargo xtask check` and the drift test.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One file the generator produces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Where it goes (joined onto the directories given to [`crate::generate`]).
    pub path: PathBuf,
    /// Its full content.
    pub contents: String,
}

/// What [`ensure_file_contents`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileUpdate {
    /// The file already had this content; it was not touched.
    Unchanged,
    /// The file did not exist and was created.
    Created,
    /// The file had other content and was overwritten.
    Updated,
}

/// Writes `contents` to `path` unless the file already holds exactly that
/// (line endings aside), creating parent directories as needed.
pub fn ensure_file_contents(path: &Path, contents: &str) -> io::Result<FileUpdate> {
    let update = match read_normalized(path)? {
        Some(old) if old == contents => return Ok(FileUpdate::Unchanged),
        Some(_) => FileUpdate::Updated,
        None => FileUpdate::Created,
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, contents)?;
    Ok(update)
}

/// A file on disk that differs from what the specs produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drift {
    /// The file.
    pub path: PathBuf,
    /// What the specs produce; `None` for a stale file that should not exist.
    pub expected: Option<String>,
    /// What is on disk; `None` for a missing file.
    pub actual: Option<String>,
}

/// Every generated file that is missing or differs on disk, and every file
/// in a generated directory the specs no longer produce (see
/// [`stale_files`]), sorted by path.
pub fn drift(files: &[GeneratedFile], out_dir: &Path) -> io::Result<Vec<Drift>> {
    let mut out = Vec::new();
    for file in files {
        let actual = read_normalized(&file.path)?;
        if actual.as_deref() != Some(file.contents.as_str()) {
            out.push(Drift {
                path: file.path.clone(),
                expected: Some(file.contents.clone()),
                actual,
            });
        }
    }
    for path in stale_files(files, out_dir)? {
        out.push(Drift {
            actual: read_normalized(&path)?,
            path,
            expected: None,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Files the generator owns (`OUT/src/*.rs`, `OUT/docs/*.md`) that it no
/// longer produces, e.g. after a spec was deleted. Sorted.
pub fn stale_files(files: &[GeneratedFile], out_dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut stale = Vec::new();
    for (dir, ext) in [("src", "rs"), ("docs", "md")] {
        let dir = out_dir.join(dir);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_file()
                && path.extension().is_some_and(|e| e == ext)
                && !files.iter().any(|f| f.path == path)
            {
                stale.push(path);
            }
        }
    }
    stale.sort();
    Ok(stale)
}

/// Files directly in `dir` with extension `ext` that `files` does not hold
/// and whose first line says `@generated`: what a generator wrote there
/// for a spec that is gone. Other files (a user's own, in a directory they
/// share with generated ones) are never listed. A missing `dir` has none.
pub fn generated_leftovers(
    files: &[GeneratedFile],
    dir: &Path,
    ext: &str,
) -> io::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut stale = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.is_file()
            && path.extension().is_some_and(|e| e == ext)
            && !files.iter().any(|f| f.path == path)
            && read_normalized(&path)?.is_some_and(|text| {
                text.lines()
                    .next()
                    .is_some_and(|l| l.contains("@generated"))
            })
        {
            stale.push(path);
        }
    }
    stale.sort();
    Ok(stale)
}

/// The file's text with `\r\n` as `\n` (a Windows checkout must not count
/// as drift), or `None` if it does not exist.
pub(crate) fn read_normalized(path: &Path) -> io::Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(if text.contains('\r') {
            text.replace("\r\n", "\n")
        } else {
            text
        })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_only_on_change_and_finds_stale_files() {
        let dir = std::env::temp_dir().join(format!("errspec-output-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let file = dir.join("src/a.rs");
        assert_eq!(
            ensure_file_contents(&file, "x\n").unwrap(),
            FileUpdate::Created
        );
        assert_eq!(
            ensure_file_contents(&file, "x\n").unwrap(),
            FileUpdate::Unchanged
        );
        fs::write(&file, "x\r\n").unwrap();
        assert_eq!(
            ensure_file_contents(&file, "x\n").unwrap(),
            FileUpdate::Unchanged
        );
        assert_eq!(
            ensure_file_contents(&file, "y\n").unwrap(),
            FileUpdate::Updated
        );
        fs::write(dir.join("src/old.rs"), "").unwrap();
        let files = [GeneratedFile {
            path: file.clone(),
            contents: "y\n".into(),
        }];
        assert_eq!(stale_files(&files, &dir).unwrap(), [dir.join("src/old.rs")]);
        let d = drift(&files, &dir).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].expected, None);
        fs::remove_dir_all(&dir).unwrap();
    }
}
