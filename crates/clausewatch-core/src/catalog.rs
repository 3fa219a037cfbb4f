//! The catalog: a folder of platform declarations (`<id>.json`, optional `<id>.history.json`).

use std::path::{Path, PathBuf};

use crate::declaration::{parse_declaration, CssCheck, PlatformEntry, Problem, Severity};

/// Declaration files larger than this are rejected unread.
pub const MAX_DECLARATION_BYTES: u64 = 2 * 1024 * 1024;

/// What reading a folder of declarations produced.
#[derive(Debug, Default)]
pub struct CatalogLoad {
    pub platforms: Vec<(PathBuf, PlatformEntry)>,
    pub problems: Vec<Problem>,
}

impl CatalogLoad {
    pub fn rejected(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.severity == Severity::Rejected)
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.severity == Severity::Warning)
    }
    pub fn skipped(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.severity == Severity::Skipped)
    }
}

/// Read every declaration under `dir` (recursively, sorted by path, so loads are reproducible).
pub fn load_dir(dir: &Path, css: CssCheck<'_>, known_filters: &[&str]) -> std::io::Result<CatalogLoad> {
    let mut files = Vec::new();
    collect_files(dir, &mut files, 0)?;
    files.sort();
    let mut out = CatalogLoad::default();
    for path in &files {
        let display = path.display().to_string();
        let Some(fname) = path.file_name().and_then(|f| f.to_str()) else {
            out.problems.push(skip(&display, "file name is not UTF-8"));
            continue;
        };
        if fname.ends_with(".history.json") {
            let stem = fname.trim_end_matches(".history.json");
            if !path.with_file_name(format!("{stem}.json")).exists() {
                out.problems.push(Problem {
                    file: display,
                    field: String::new(),
                    reason: "history file without a declaration next to it; ignored".into(),
                    severity: Severity::Warning,
                });
            }
            continue;
        }
        if fname.ends_with(".filters.js") || fname.starts_with('.') {
            out.problems.push(skip(&display, "not a declaration (JavaScript filters cannot run here)"));
            continue;
        }
        let Some(id) = fname.strip_suffix(".json") else {
            out.problems.push(skip(&display, "not a declaration (only *.json files are read)"));
            continue;
        };
        let text = match read_bounded(path) {
            Ok(t) => t,
            Err(reason) => {
                out.problems.push(Problem {
                    file: display,
                    field: String::new(),
                    reason,
                    severity: Severity::Rejected,
                });
                continue;
            }
        };
        let history_path = path.with_file_name(format!("{id}.history.json"));
        let history = if history_path.exists() {
            match read_bounded(&history_path) {
                Ok(t) => Some((history_path.display().to_string(), t)),
                Err(reason) => {
                    out.problems.push(Problem {
                        file: history_path.display().to_string(),
                        field: String::new(),
                        reason: format!("{reason}; history ignored"),
                        severity: Severity::Rejected,
                    });
                    None
                }
            }
        } else {
            None
        };
        let (entry, mut problems) = parse_declaration(
            id,
            &display,
            &text,
            history.as_ref().map(|(f, t)| (f.as_str(), t.as_str())),
            css,
            known_filters,
        );
        out.problems.append(&mut problems);
        if let Some(entry) = entry {
            out.platforms.push((path.clone(), entry));
        }
    }
    Ok(out)
}

fn skip(file: &str, reason: &str) -> Problem {
    Problem { file: file.to_string(), field: String::new(), reason: reason.into(), severity: Severity::Skipped }
}

fn read_bounded(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_DECLARATION_BYTES {
        return Err(format!("file larger than {MAX_DECLARATION_BYTES} bytes"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "file is not UTF-8".to_string())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    // Depth bound: a catalog is flat or nearly so; a symlink loop must not recurse forever.
    if depth > 8 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        if ty.is_dir() {
            collect_files(&entry.path(), out, depth + 1)?;
        } else if ty.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}
