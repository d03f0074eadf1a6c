//! Running the built `fep` binary from the workspace root, and golden files.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The workspace root: sample paths in commands and outputs are relative to it.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// What a run of `fep` gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn out(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    /// Asserts the exit code, showing stderr when it differs.
    #[track_caller]
    pub fn code(&self, want: i32) -> &Run {
        assert_eq!(
            self.code, want,
            "exit code {} (want {want}); stderr:\n{}",
            self.code, self.stderr
        );
        self
    }
}

fn finish(o: Output) -> Run {
    let stderr = String::from_utf8(o.stderr).expect("stderr is UTF-8");
    // Whatever the input, a person never sees a panic or a Rust debug dump.
    for bad in ["panicked", "RUST_BACKTRACE", "Os {", "Error {", "Custom {"] {
        assert!(!stderr.contains(bad), "stderr shows {bad:?}:\n{stderr}");
    }
    Run {
        code: o.status.code().expect("exited, not killed"),
        stdout: o.stdout,
        stderr,
    }
}

/// Runs `fep ARGS` in the workspace root, with no standard input.
pub fn fep(args: &[&str]) -> Run {
    let o = Command::new(env!("CARGO_BIN_EXE_fep"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("runs fep");
    finish(o)
}

/// Runs `fep ARGS` with `input` on standard input.
pub fn fep_in(args: &[&str], input: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fep"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs fep");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // Written from another thread: fep may write more than a pipe holds before it reads all.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let o = child.wait_with_output().expect("waits for fep");
    writer.join().expect("writer thread");
    finish(o)
}

/// Reads a file under the workspace root.
pub fn read(path: &str) -> Vec<u8> {
    std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Compares `got` with `tests/golden/NAME`. With `FEP_UPDATE_GOLDEN=1` the file is
/// (re)written instead, to be read and checked by hand before it is committed; without
/// it, a missing golden file is a failure.
#[track_caller]
pub fn golden(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("FEP_UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, got).expect("writes golden file");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; write it with FEP_UPDATE_GOLDEN=1 and check it by hand",
            path.display()
        )
    });
    if want != got {
        let line = want
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| want.lines().count().min(got.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n--- want\n{}\n--- got\n{}",
            line + 1,
            want.lines().nth(line).unwrap_or("(end)"),
            got.lines().nth(line).unwrap_or("(end)"),
        );
    }
}

/// Every (layout, sample) pair in `layouts/`, as paths relative to the root:
/// (`layouts/x.layout`, `layouts/x/sample`) without extension.
pub fn samples() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut layouts: Vec<PathBuf> = std::fs::read_dir(root().join("layouts"))
        .expect("layouts/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "layout"))
        .collect();
    layouts.sort();
    for layout in layouts {
        let stem = layout
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let mut bins: Vec<PathBuf> = std::fs::read_dir(root().join("layouts").join(&stem))
            .expect("samples dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "bin"))
            .collect();
        bins.sort();
        for b in bins {
            let name = b.file_stem().expect("stem").to_string_lossy().into_owned();
            out.push((
                format!("layouts/{stem}.layout"),
                format!("layouts/{stem}/{name}"),
            ));
        }
    }
    assert!(out.len() >= 10, "only {} samples", out.len());
    out
}

/// A sample's line ending option for encode: LF samples are named `-lf`.
pub fn line_ending(stem: &str) -> &'static str {
    if stem.ends_with("-lf") { "lf" } else { "crlf" }
}
