//! Keeps the examples of `docs/layout-language.md` true.
//!
//! The page marks its fenced blocks by info string:
//!
//! - `layout`: a complete layout that must compile;
//! - `layout-fragment`: field lines that must compile as the body of a message;
//! - `layout-error`: a layout that must fail to compile. When the next fenced block is an
//!   `error` block, the error (compiled as a file named `bank.layout`) must display
//!   exactly as that block says.
//!
//! Failures name the line of the block in the page.

use std::path::Path;

use fep_core::Schema;

/// A fenced block of the page: its info string, the line of its opening fence (1-based)
/// and its text.
struct Block {
    info: String,
    line: usize,
    text: String,
}

fn page() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/layout-language.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every fenced block (```info ... ```) of a Markdown text, in order.
fn blocks(md: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in md.lines().enumerate() {
        let fence = line.trim_end().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(info)) => {
                open = Some(Block {
                    info: info.trim().to_owned(),
                    line: i + 1,
                    text: String::new(),
                });
            }
            (Some(_), Some("")) => out.extend(open.take()),
            (Some(b), _) => {
                b.text.push_str(line);
                b.text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "an unclosed fenced block in the page");
    out
}

#[test]
fn every_layout_block_compiles() {
    let md = page();
    let mut failures = Vec::new();
    let mut checked = 0;
    for b in blocks(&md).iter().filter(|b| b.info == "layout") {
        if let Err(e) = Schema::parse(&b.text) {
            failures.push(format!("line {}: {e}", b.line));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "layout blocks that do not compile:\n{}",
        failures.join("\n")
    );
    assert!(checked >= 10, "only {checked} layout blocks found");
}

#[test]
fn every_fragment_compiles_as_a_message_body() {
    let md = page();
    let mut failures = Vec::new();
    let mut checked = 0;
    for b in blocks(&md).iter().filter(|b| b.info == "layout-fragment") {
        let layout = format!("message fragment {{\n{}}}\n", b.text);
        if let Err(e) = Schema::parse(&layout) {
            failures.push(format!("line {}: {e}", b.line));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "fragments that do not compile:\n{}",
        failures.join("\n")
    );
    assert!(checked >= 20, "only {checked} fragments found");
}

#[test]
fn every_error_block_fails_as_shown() {
    let md = page();
    let all = blocks(&md);
    let mut failures = Vec::new();
    let mut checked = 0;
    for (i, b) in all
        .iter()
        .enumerate()
        .filter(|(_, b)| b.info == "layout-error")
    {
        checked += 1;
        let e = match Schema::parse_named("bank.layout", &b.text) {
            Ok(_) => {
                failures.push(format!("line {}: compiles, but should fail", b.line));
                continue;
            }
            Err(e) => e,
        };
        // A layout error carries file:line:col.
        if e.category() != fep_core::Category::Layout || e.line_column().is_none() {
            failures.push(format!("line {}: no line and column: {e}", b.line));
        }
        if let Some(want) = all.get(i + 1).filter(|n| n.info == "error") {
            let got = e.to_string();
            if got != want.text.trim_end() {
                failures.push(format!(
                    "line {}: the error is\n  {got}\nbut the page (line {}) says\n  {}",
                    b.line,
                    want.line,
                    want.text.trim_end()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "error blocks:\n{}",
        failures.join("\n")
    );
    assert!(checked >= 10, "only {checked} error blocks found");
}

#[test]
fn every_error_message_belongs_to_an_error_block() {
    let md = page();
    let all = blocks(&md);
    for (i, b) in all.iter().enumerate().filter(|(_, b)| b.info == "error") {
        assert!(
            i > 0 && all[i - 1].info == "layout-error",
            "line {}: an `error` block must follow a `layout-error` block",
            b.line
        );
    }
}

#[test]
fn the_worked_example_is_the_bundled_firmbanking_layout() {
    let md = page();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts/firmbanking.layout");
    let file = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        blocks(&md)
            .iter()
            .any(|b| b.info == "layout" && b.text.trim_end() == file.trim_end()),
        "no `layout` block of the page is exactly layouts/firmbanking.layout"
    );
}
