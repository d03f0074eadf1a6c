//! The C ABI only grows within a major version: every function prototype, `#define` and enum
//! value recorded in `abi/libfep.so.MAJOR.txt` must still be in `include/fep.h`, unchanged.
//!
//! What the header has beyond the baseline is reported and fails the test too, so that each
//! addition to the ABI is recorded on purpose:
//!
//! ```sh
//! FEP_ABI_BLESS=1 cargo test -p fep-ffi --test abi_baseline
//! ```
//!
//! adds the new items to the baseline (it never removes or changes one: that is a new major
//! version, with its own baseline file).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The ABI items of a header, one normalized line each (runs of spaces made one):
/// `const char *fep_version(void);`, `#define FEP_JSON_PRETTY 2`,
/// `enum fep_result FEP_RESULT_OK = 0`.
fn abi_items(header: &str) -> BTreeSet<String> {
    let mut items = BTreeSet::new();
    let mut in_enum: Option<String> = None;
    for line in header.lines() {
        let normal = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(name) = line.strip_prefix("enum ") {
            in_enum = Some(name.trim().to_owned());
        } else if line.starts_with('}') {
            in_enum = None;
        } else if let Some(enum_name) = &in_enum {
            if let Some(value) = normal.strip_suffix(',')
                && value.starts_with("FEP_")
            {
                items.insert(format!("enum {enum_name} {value}"));
            }
        } else {
            let define = normal.starts_with("#define FEP_") && normal != "#define FEP_H";
            let prototype = !line.starts_with([' ', '#', '/', '}'])
                && normal.ends_with(");")
                && normal.contains('(');
            if define || prototype {
                items.insert(normal);
            }
        }
    }
    items
}

/// The name an item declares: the function's or the constant's.
fn item_name(item: &str) -> &str {
    match item.split_once('(') {
        Some((before, _)) if !item.starts_with("#define") => {
            before.rsplit([' ', '*']).next().unwrap_or(before)
        }
        _ => item
            .split_whitespace()
            .find(|w| w.starts_with("FEP_"))
            .unwrap_or(item),
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn baseline_path() -> PathBuf {
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("abi/libfep.so.{major}.txt"))
}

const BASELINE_HEAD: &str = "\
// The C ABI of libfep.so.MAJOR: what include/fep.h declares, one item a line, sorted.
// It only grows: tests/abi_baseline.rs fails when an item here is missing from the header
// or changed, and when the header has an item not here yet. Record additions with
//   FEP_ABI_BLESS=1 cargo test -p fep-ffi --test abi_baseline
";

fn baseline_items(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_header_keeps_every_item_of_the_baseline_and_records_additions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let header = abi_items(&read(&root.join("include/fep.h")));
    let path = baseline_path();
    let baseline = if path.exists() {
        baseline_items(&read(&path))
    } else {
        BTreeSet::new()
    };

    let removed: Vec<_> = baseline.difference(&header).collect();
    let added: Vec<_> = header.difference(&baseline).collect();
    let mut report = String::new();
    for item in &removed {
        // The header's item of the same name, to show what a change became.
        let now = header
            .iter()
            .find(|h| item_name(h) == item_name(item))
            .map_or("(not in fep.h)".to_owned(), |h| format!("now: {h}"));
        let _ = writeln!(report, "  removed or changed: {item}\n      {now}");
    }
    assert!(
        removed.is_empty(),
        "the C ABI only grows within a major version, but fep.h lost items of {}:\n{report}\
         Restore them (a change of signature is a new function with a new name), or make the \
         change in a new major version.",
        path.display()
    );

    if std::env::var_os("FEP_ABI_BLESS").is_some() {
        let mut text = BASELINE_HEAD.replace("MAJOR", env!("CARGO_PKG_VERSION_MAJOR"));
        for item in &header {
            text.push_str(item);
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    for item in &added {
        let _ = writeln!(report, "  new: {item}");
    }
    assert!(
        added.is_empty(),
        "fep.h has items that {} does not record yet:\n{report}\
         If they are meant to be part of the ABI from now on, record them with\n  \
         FEP_ABI_BLESS=1 cargo test -p fep-ffi --test abi_baseline",
        path.display()
    );
}

#[test]
fn the_items_are_read_from_a_header() {
    let header = "\
#ifndef FEP_H
#define FEP_H
// A comment (with parentheses);
#define FEP_JSON_PRETTY 2
enum fep_result
#if defined(__cplusplus)
  : uint32_t
#endif
 {
  // Success.
  FEP_RESULT_OK = 0,
  FEP_RESULT_NULL_PARAMETER = 1,
};
const char *fep_version(void);
fep_result fep_schema_load(const char *path,  size_t path_len);
void fep_schema_free(const struct fep_schema *schema);
#endif
";
    let items: Vec<_> = abi_items(header).into_iter().collect();
    assert_eq!(
        items,
        [
            "#define FEP_JSON_PRETTY 2",
            "const char *fep_version(void);",
            "enum fep_result FEP_RESULT_NULL_PARAMETER = 1",
            "enum fep_result FEP_RESULT_OK = 0",
            "fep_result fep_schema_load(const char *path, size_t path_len);",
            "void fep_schema_free(const struct fep_schema *schema);",
        ]
    );
}

#[test]
fn the_baseline_covers_every_exported_function_of_the_header() {
    // Guards the reader above: as many prototypes as `fep_` functions the header declares.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = read(&root.join("include/fep.h"));
    let declared = text
        .lines()
        .filter(|l| !l.starts_with([' ', '/', '#']) && l.contains("fep_") && l.contains('('))
        .count();
    let functions = abi_items(&text)
        .iter()
        .filter(|i| i.ends_with(");"))
        .count();
    assert!(functions > 40, "only {functions} functions read from fep.h");
    assert_eq!(functions, declared);
}

#[test]
fn items_are_named_by_what_they_declare() {
    assert_eq!(item_name("const char *fep_version(void);"), "fep_version");
    assert_eq!(
        item_name("fep_result fep_schema_load(const char *path);"),
        "fep_schema_load"
    );
    assert_eq!(
        item_name("#define FEP_NUL_TERMINATED (size_t)-1"),
        "FEP_NUL_TERMINATED"
    );
    assert_eq!(
        item_name("enum fep_result FEP_RESULT_OK = 0"),
        "FEP_RESULT_OK"
    );
}
