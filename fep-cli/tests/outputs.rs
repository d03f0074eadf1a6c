//! The outputs around the commands: shell completions and manual pages made from the
//! command definitions, CSV for spreadsheets, several inputs in one output, and text that
//! fits an 80-column terminal.

mod common;

use std::process::Command;

use common::{fep, golden};

/// Every command a user can type, as `fep --help` lists them.
fn subcommands() -> Vec<String> {
    let r = fep(&["--help"]);
    r.code(0);
    let out = r.out();
    let start = out.find("Commands:").expect("a Commands: section");
    out[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

// ------------------------------------------------------------------ completions and man

#[test]
fn the_help_lists_the_commands_these_tests_expect() {
    assert_eq!(
        subcommands(),
        ["check", "decode", "encode", "explain", "convert", "completions", "man"]
    );
}

#[test]
fn completions_name_every_command_in_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = fep(&["completions", shell]);
        r.code(0);
        assert_eq!(r.stderr, "", "{shell}");
        let out = r.out();
        for sub in subcommands() {
            assert!(out.contains(&sub), "{shell} completion lacks {sub}");
        }
        // Options of a command and the values of an enumerated option.
        assert!(out.contains("keep-going"), "{shell}");
        assert!(out.contains("jsonl"), "{shell}");
    }
}

#[test]
fn bash_completes_commands_and_option_values() {
    let Ok(bash) = which("bash") else {
        panic!("bash is needed for this test");
    };
    let script = fep(&["completions", "bash"]).out();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fep.bash");
    std::fs::write(&path, script).expect("writes the script");
    // As bash calls a completion function: the words, the word under the cursor.
    let complete = |words: &str| -> Vec<String> {
        let probe = format!(
            "source {}\nCOMP_WORDS=({words})\nCOMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n\
             COMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n\
             _fep fep \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            path.display()
        );
        let o = Command::new(&bash)
            .args(["--norc", "--noprofile", "-c", &probe])
            .output()
            .expect("runs bash");
        assert!(
            o.status.success(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(complete("fep dec"), ["decode"]);
    assert_eq!(complete("fep co"), ["convert", "completions"]);
    assert_eq!(complete("fep completions f"), ["fish"]);
    assert_eq!(complete("fep decode --format j"), ["json", "jsonl"]);
    assert!(complete("fep convert --").contains(&"--delimiter".to_owned()));
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn man_page_names_every_command_and_its_examples() {
    let r = fep(&["man"]);
    r.code(0);
    let page = r.out();
    assert!(page.contains(".TH fep 1"), "{page}");
    assert!(page.contains(".SH SYNOPSIS"));
    for sub in subcommands() {
        // roff escapes the hyphen.
        let entry = format!("fep\\-{sub}(1)");
        assert!(page.contains(&entry), "fep(1) does not name {sub}");
    }
    assert!(page.contains("Exit status: 0 success"));
}

#[test]
fn man_dir_writes_a_page_a_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_str().expect("UTF-8 path");
    let r = fep(&["man", "--dir", d]);
    r.code(0);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("lists the directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = subcommands()
        .iter()
        .map(|s| format!("fep-{s}.1"))
        .chain(["fep.1".to_owned()])
        .collect();
    want.sort();
    assert_eq!(names, want);
    let decode = std::fs::read_to_string(dir.path().join("fep-decode.1")).expect("reads");
    assert!(decode.contains(".TH fep-decode 1"));
    // The synopsis as it is typed, with the command's own options and examples.
    assert!(decode.contains("\\fBfep decode\\fR"), "{decode}");
    assert!(decode.contains("keep\\-going"));
    assert!(decode.contains("hexdump \\-C"));

    let r = fep(&["man", "--dir", "no-such-dir"]);
    r.code(2);
    assert_eq!(r.stderr, "error: no-such-dir: no such directory\n");
}

#[test]
fn completions_of_an_unknown_shell_is_a_usage_error() {
    let r = fep(&["completions", "tcsh"]);
    r.code(2);
    assert!(r.stderr.contains("invalid value 'tcsh'"), "{}", r.stderr);
    assert!(r.stderr.contains("bash, elvish, fish, powershell, zsh"), "{}", r.stderr);
    let _ = golden;
}
