//! The examples that docs/c-api.md quotes are the files that CI compiles and runs: each
//! `<!-- include: PATH -->` line is followed by a fenced block that must equal PATH.

use std::path::Path;

#[test]
fn quoted_examples_are_the_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/c-api.md")).expect("docs/c-api.md");
    let mut lines = doc.lines();
    let mut checked = Vec::new();
    while let Some(line) = lines.next() {
        let Some(path) = line
            .strip_prefix("<!-- include: ")
            .and_then(|l| l.strip_suffix(" -->"))
        else {
            continue;
        };
        let fence = lines.next().expect("a code block after the include line");
        assert!(
            fence.starts_with("```"),
            "{path}: expected a code block, found {fence:?}"
        );
        let mut block = String::new();
        for l in lines.by_ref() {
            if l == "```" {
                break;
            }
            block.push_str(l);
            block.push('\n');
        }
        let file = std::fs::read_to_string(root.join(path)).expect(path);
        assert_eq!(
            block, file,
            "docs/c-api.md quotes {path}, which has changed: quote it again"
        );
        checked.push(path.to_owned());
    }
    assert_eq!(
        checked,
        [
            "fep-ffi/examples/decode.c",
            "fep-ffi/java/examples/Decode.java"
        ]
    );
}
