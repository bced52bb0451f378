//! Stage 5: bring the files on disk in line with what the specs produce.
//!
//! [`sync`] writes a file only when its content changed (so builds are not
//! invalidated by a no-op `cargo xtask gen`) and removes the
//! [`leftovers`] of specs that are gone; [`drift`] compares without
//! writing, for `cargo xtask check` and the drift test. `cargo xtask gen`
//! and [`crate::config::Config`] both go through them.

use std::fmt::Write as _;
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

/// A file or directory that could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("cannot access `{}`: {source}", path.display())]
pub struct IoError {
    /// The path.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: io::Error,
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> IoError + '_ {
    move |source| IoError {
        path: path.to_path_buf(),
        source,
    }
}

/// Files a generator wrote in `dirs` (each a directory and the extension
/// of its files: `("OUT/src", "rs")`) that `files` no longer holds, e.g.
/// of a spec that was deleted. Only a file whose first line says
/// `@generated` counts, so a user's own file in a directory they share
/// with generated ones is never listed. A missing directory has none.
/// Sorted.
pub fn leftovers(files: &[GeneratedFile], dirs: &[(&Path, &str)]) -> Result<Vec<PathBuf>, IoError> {
    let mut stale = Vec::new();
    for &(dir, ext) in dirs {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(at(dir)(e)),
        };
        for entry in entries {
            let path = entry.map_err(at(dir))?.path();
            if path.is_file()
                && path.extension().is_some_and(|e| e == ext)
                && !files.iter().any(|f| f.path == path)
                && read_normalized(&path)
                    .map_err(at(&path))?
                    .is_some_and(|text| {
                        text.lines()
                            .next()
                            .is_some_and(|l| l.contains("@generated"))
                    })
            {
                stale.push(path);
            }
        }
    }
    stale.sort();
    Ok(stale)
}

/// Every file of `files` that is missing or differs on disk, and every
/// leftover (see [`leftovers`]), sorted by path.
pub fn drift(files: &[GeneratedFile], leftovers: &[PathBuf]) -> Result<Vec<Drift>, IoError> {
    let mut out = Vec::new();
    for file in files {
        let actual = read_normalized(&file.path).map_err(at(&file.path))?;
        if actual.as_deref() != Some(file.contents.as_str()) {
            out.push(Drift {
                path: file.path.clone(),
                expected: Some(file.contents.clone()),
                actual,
            });
        }
    }
    for path in leftovers {
        out.push(Drift {
            actual: read_normalized(path).map_err(at(path))?,
            path: path.clone(),
            expected: None,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// `error: stale: PATH` and a short unified diff from what is on disk to
/// what the specs produce; paths shown relative to `root` when given.
pub fn describe_drift(root: Option<&Path>, d: &Drift) -> String {
    let path = root
        .and_then(|root| d.path.strip_prefix(root).ok())
        .unwrap_or(&d.path)
        .display()
        .to_string();
    let (what, old, new) = match (&d.actual, &d.expected) {
        (None, _) => ("missing", "", d.expected.as_deref().unwrap_or("")),
        (Some(actual), None) => ("no longer generated", actual.as_str(), ""),
        (Some(actual), Some(expected)) => ("stale", actual.as_str(), expected.as_str()),
    };
    let diff = similar::TextDiff::from_lines(old, new);
    let diff = diff
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{path} (on disk)"),
            &format!("{path} (from specs)"),
        )
        .to_string();
    const MAX_LINES: usize = 40;
    let lines: Vec<&str> = diff.lines().collect();
    let mut out = format!("error: {what}: {path}\n");
    // A line can be megabytes long, or hold characters a terminal acts on.
    const MAX_LINE_CHARS: usize = 200;
    for line in lines.iter().take(MAX_LINES) {
        let _ = writeln!(out, "{}", crate::text::terminal_line(line, MAX_LINE_CHARS));
    }
    if lines.len() > MAX_LINES {
        let _ = writeln!(out, "... {} more diff lines", lines.len() - MAX_LINES);
    }
    out
}

/// What [`sync`] changed on disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Synced {
    /// Each file written, and whether it was created or updated.
    pub written: Vec<(PathBuf, FileUpdate)>,
    /// Each leftover removed.
    pub removed: Vec<PathBuf>,
}

/// Writes each of `files` whose content changed ([`ensure_file_contents`])
/// and removes `leftovers` (see [`leftovers`]).
pub fn sync(files: &[GeneratedFile], leftovers: &[PathBuf]) -> Result<Synced, IoError> {
    let mut synced = Synced::default();
    for file in files {
        let update = ensure_file_contents(&file.path, &file.contents).map_err(at(&file.path))?;
        if update != FileUpdate::Unchanged {
            synced.written.push((file.path.clone(), update));
        }
    }
    for path in leftovers {
        fs::remove_file(path).map_err(at(path))?;
        synced.removed.push(path.clone());
    }
    Ok(synced)
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
    fn writes_only_on_change_and_finds_and_removes_only_leftovers() {
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
        // A file this generator wrote for a spec that is gone, and a
        // user's own file beside it.
        fs::write(dir.join("src/old.rs"), "// @generated by errspec\n").unwrap();
        fs::write(dir.join("src/mine.rs"), "fn mine() {}\n").unwrap();
        let files = [GeneratedFile {
            path: file.clone(),
            contents: "y\n".into(),
        }];
        let src = dir.join("src");
        let stale = leftovers(&files, &[(&src, "rs"), (&dir.join("docs"), "md")]).unwrap();
        assert_eq!(stale, [dir.join("src/old.rs")]);
        let d = drift(&files, &stale).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].expected, None);
        let synced = sync(&files, &stale).unwrap();
        assert_eq!(synced.written, []);
        assert_eq!(synced.removed, [dir.join("src/old.rs")]);
        assert!(dir.join("src/mine.rs").exists() && !dir.join("src/old.rs").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
