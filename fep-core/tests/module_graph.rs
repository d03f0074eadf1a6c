//! The modules of fep-core import one another without a cycle.
//!
//! Why: modules in a cycle can only be read, tested and changed together, and a cycle
//! grows quietly, one convenient `use` at a time. This test makes the layering a fact
//! that CI checks, with std only (no parser crate), by reading the sources:
//!
//! - Every `src/**/*.rs` is a module: `lib.rs` is `crate`, `a.rs` and `a/mod.rs` are `a`,
//!   `a/b.rs` is `a::b`. (The crate has no `#[path]` attributes; none are honoured.)
//! - Comments (doc comments too) and string, raw-string and char literals are dropped
//!   before scanning, so a doc that mentions `crate::x` is not a dependency.
//! - A reference is a path starting with `crate::`, `super::`, `self::` or the name of a
//!   child module (`pub use compile::X` in a mod.rs), in `use` trees (grouped forms are
//!   expanded) and inline in code (`crate::layout::compile::compile(..)`). It names the
//!   longest prefix that is a module file: `crate::a::b::C` is `a::b` if `a/b.rs` exists,
//!   else `a`. Inline `mod name { .. }` blocks are followed, so `use super::*` in a test
//!   module means the file it sits in.
//! - Edges go from the file's module to the module it names. Naming itself is no edge,
//!   nor is `mod child;`. A child naming its parent is an edge, and so is a `pub use` in a
//!   mod.rs. Naming `crate::X`, an item of lib.rs, is its own failure: lib.rs only declares
//!   modules and re-exports, and going through it hides the real dependency.
//! - Test code: `#[cfg(test)] mod tests` blocks count like the rest of their file (stricter:
//!   a test may not import what its module may not). The files `proptests.rs` and
//!   `tests.rs` are test-only modules that exercise the whole crate; they are not scanned.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
    /// A string or char literal, kept as a token so that no path runs across it.
    Lit,
}

/// A token and its line.
type Token = (Tok, usize);

/// Splits Rust source into identifiers, `::` and punctuation, without comments or literals.
fn tokenize(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    while i < c.len() {
        let next = c.get(i + 1).copied();
        let (tok, end) = match c[i] {
            ch if ch.is_whitespace() => (None, i + 1),
            '/' if next == Some('/') => (None, find(&c, i, &['\n'])),
            '/' if next == Some('*') => (None, comment_end(&c, i)),
            // A char literal ('x', '"', '\n') closes after one char or starts with an
            // escape; otherwise `'` starts a lifetime ('a), whose name reads as a word.
            '"' => (Some(Tok::Lit), quoted_end(&c, i)),
            '\'' if next == Some('\\') || c.get(i + 2) == Some(&'\'') => {
                (Some(Tok::Lit), quoted_end(&c, i))
            }
            ':' if next == Some(':') => (Some(Tok::Sep), i + 2),
            ch if is_word(ch) => word(&c, i),
            ch => (Some(Tok::Punct(ch)), i + 1),
        };
        out.extend(tok.map(|t| (t, line)));
        line += c[i..end.min(c.len())]
            .iter()
            .filter(|&&ch| ch == '\n')
            .count();
        i = end;
    }
    out
}

fn is_word(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// A word from `c[i]` on, or the raw, byte or C string it prefixes; and where it ends.
fn word(c: &[char], i: usize) -> (Option<Tok>, usize) {
    let end = (i..c.len()).find(|&j| !is_word(c[j])).unwrap_or(c.len());
    let word: String = c[i..end].iter().collect();
    let hashes = c[end..].iter().take_while(|&&h| h == '#').count();
    if matches!(word.as_str(), "r" | "br" | "cr") && c.get(end + hashes) == Some(&'"') {
        // A raw string ends at a quote and as many `#` as it opened with.
        let close: Vec<char> = std::iter::once('"')
            .chain("#".repeat(hashes).chars())
            .collect();
        (
            Some(Tok::Lit),
            find(c, end + hashes + 1, &close) + close.len(),
        )
    } else if matches!(word.as_str(), "b" | "c") && matches!(c.get(end), Some('"' | '\'')) {
        (Some(Tok::Lit), quoted_end(c, end))
    } else {
        (Some(Tok::Ident(word)), end)
    }
}

/// Where `pat` next occurs in `c` from `from` on, or the end.
fn find(c: &[char], from: usize, pat: &[char]) -> usize {
    (from..c.len())
        .find(|&j| c[j..].starts_with(pat))
        .unwrap_or(c.len())
}

/// The end of the literal quoted by `c[i]`, with backslash escapes.
fn quoted_end(c: &[char], i: usize) -> usize {
    let mut j = i + 1;
    while j < c.len() && c[j] != c[i] {
        j += 1 + usize::from(c[j] == '\\');
    }
    j + 1
}

/// The end of the block comment at `c[i]`; block comments nest in Rust.
fn comment_end(c: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i < c.len() {
        match (c[i], c.get(i + 1)) {
            ('/', Some('*')) => (depth, i) = (depth + 1, i + 2),
            ('*', Some('/')) => (depth, i) = (depth - 1, i + 2),
            _ => i += 1,
        }
        if depth == 0 {
            break;
        }
    }
    i
}

/// A module named by a file: the module it resolves to, the path as written, its line.
#[derive(Debug)]
struct Ref {
    target: String,
    text: String,
    line: usize,
}

/// The modules that `src`, the file of `module`, names (`known`: every module file).
fn references(module: &str, src: &str, known: &BTreeSet<String>) -> Vec<Ref> {
    let t = tokenize(src);
    let tok = |i: usize| t.get(i).map(|t| &t.0);
    // The module we are in: the file's, then any inline `mod name {` blocks, each with
    // the brace depth that closes it.
    let mut here: Vec<String> = module
        .split("::")
        .filter(|m| *m != "crate")
        .map(String::from)
        .collect();
    let (mut depth, mut inline, mut out, mut i) = (0, Vec::new(), Vec::new(), 0);
    while i < t.len() {
        let mut paths = Vec::new(); // (segments, line) found at this token
        match &t[i].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                if inline.last() == Some(&depth) {
                    inline.pop();
                    here.pop();
                }
                depth -= 1;
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some(Tok::Ident(name)), Some(Tok::Punct('{'))) = (tok(i + 1), tok(i + 2)) {
                    here.push(name.clone());
                    inline.push(depth + 1);
                }
            }
            Tok::Ident(w) if w == "use" => i = use_tree(&t, i + 1, Vec::new(), &mut paths) - 1,
            Tok::Ident(w) if tok(i + 1) == Some(&Tok::Sep) => {
                // The start of a path, not its middle, and not `pub(in crate::a)`.
                let prev = i.checked_sub(1).and_then(tok);
                let vis = prev == Some(&Tok::Ident("in".into()))
                    && tok(i.wrapping_sub(2)) == Some(&Tok::Punct('('));
                if !matches!(prev, Some(Tok::Sep | Tok::Punct('.'))) && !vis {
                    let mut segs = vec![w.clone()];
                    while let (Some(Tok::Sep), Some(Tok::Ident(s))) = (tok(i + 1), tok(i + 2)) {
                        segs.push(s.clone());
                        i += 2;
                    }
                    paths.push((segs, t[i].1));
                }
            }
            _ => {}
        }
        for (segs, line) in paths {
            // A child module's bare name only means a file outside inline modules.
            if let Some(target) = resolve(&segs, &here, inline.is_empty(), known) {
                let text = segs.join("::").trim_end_matches("::self").to_string();
                out.push(Ref { target, text, line });
            }
        }
        i += 1;
    }
    out
}

/// Expands the use tree starting at `t[i]` under `path` into `out`; returns the index after it.
fn use_tree(
    t: &[Token],
    mut i: usize,
    mut path: Vec<String>,
    out: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let tok = |i: usize| t.get(i).map(|t| &t.0);
    if tok(i) == Some(&Tok::Sep) {
        path.push("::".into()); // `use ::name`: an extern crate, which `resolve` ignores
        i += 1;
    }
    loop {
        match tok(i) {
            Some(Tok::Punct('{')) => {
                i += 1;
                loop {
                    i = use_tree(t, i, path.clone(), out);
                    match tok(i) {
                        Some(Tok::Punct(',')) => i += 1,
                        Some(Tok::Punct('}')) => return i + 1,
                        _ => return i,
                    }
                }
            }
            Some(Tok::Punct('*')) => {
                path.push("*".into());
                out.push((path, t[i].1));
                return i + 1;
            }
            Some(Tok::Ident(w)) => {
                path.push(w.clone());
                let line = t[i].1;
                i += 1;
                if tok(i) == Some(&Tok::Sep) {
                    i += 1;
                    continue;
                }
                if tok(i) == Some(&Tok::Ident("as".into())) {
                    i += 2;
                }
                out.push((path, line));
                return i;
            }
            _ => return i,
        }
    }
}

/// The module a path names, seen from module `here`; `None` if it leaves the crate.
fn resolve(
    segs: &[String],
    here: &[String],
    file_level: bool,
    known: &BTreeSet<String>,
) -> Option<String> {
    let first = segs.first()?.as_str();
    let child = file_level && known.contains(&[here, &segs[..1]].concat().join("::"));
    let mut path = match first {
        "crate" => Vec::new(),
        "self" | "super" => here.to_vec(),
        _ if child => here.to_vec(),
        _ => return None,
    };
    for s in segs.iter().skip(usize::from(first == "crate")) {
        match s.as_str() {
            "super" => _ = path.pop(),
            "self" | "*" => {}
            _ => path.push(s.clone()),
        }
    }
    let module = (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| known.contains(m));
    Some(module.unwrap_or_else(|| "crate".into()))
}

/// Cycles of the graph: for every edge on a cycle, the shortest cycle through it, each
/// starting at its least module: every edge on a cycle is in at least one of them.
fn find_cycles(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let mut adj: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        adj.entry(a).or_default().push(b);
    }
    let mut cycles = BTreeSet::new();
    for (a, b) in edges {
        // Breadth first from b back to a: the shortest way round.
        let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([b.as_str()]);
        while let Some(n) = queue.pop_front() {
            if n == a {
                let mut cycle = vec![n.to_string()];
                let mut m = n;
                while m != b {
                    m = prev[m];
                    cycle.push(m.to_string());
                }
                cycle.reverse(); // b .. a, and a -> b closes it
                let least = (0..cycle.len()).min_by_key(|&k| &cycle[k]).unwrap_or(0);
                cycle.rotate_left(least);
                cycles.insert(cycle);
                break;
            }
            for &m in adj.get(n).into_iter().flatten() {
                if m != b && !prev.contains_key(m) {
                    prev.insert(m, n);
                    queue.push_back(m);
                }
            }
        }
    }
    cycles.into_iter().collect()
}

/// Every `.rs` file under `dir`, as its path relative to `root` and its module:
/// `lib.rs` -> `crate`, `a.rs` and `a/mod.rs` -> `a`, `a/b.rs` -> `a::b`.
fn modules(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in fs::read_dir(dir).expect("fep-core/src and its folders are readable") {
        let path = entry.expect("a readable folder entry").path();
        let rel = path
            .strip_prefix(root)
            .expect("found under root")
            .to_path_buf();
        let parts: Vec<String> = rel
            .with_extension("")
            .iter()
            .map(|p| p.to_string_lossy().into())
            .collect();
        if path.is_dir() {
            modules(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let module = match parts.as_slice() {
                [lib] if lib == "lib" => "crate".into(),
                [dir @ .., last] if last == "mod" => dir.join("::"),
                all => all.join("::"),
            };
            out.push((rel, module));
        }
    }
}

#[test]
fn fep_core_modules_have_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    modules(&src, &src, &mut files);
    files.sort();
    let known: BTreeSet<String> = files.iter().map(|(_, m)| m.clone()).collect();

    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new(); // -> where it is made
    let mut problems = Vec::new();
    for (rel, module) in &files {
        if rel.ends_with("proptests.rs") || rel.ends_with("tests.rs") {
            continue; // test-only modules, see the top of this file
        }
        let shown = format!("src/{}", rel.to_string_lossy().replace('\\', "/"));
        let text = fs::read_to_string(src.join(rel)).expect("a readable source file");
        for r in references(module, &text, &known) {
            if r.target == *module {
                continue;
            } else if r.target == "crate" {
                problems.push(format!(
                    "{shown}:{} names `{}`; name the module that defines it",
                    r.line, r.text
                ));
            } else {
                let at = format!("{shown}:{} `{}`", r.line, r.text);
                edges.entry((module.clone(), r.target)).or_insert(at);
            }
        }
    }

    assert!(
        !edges.is_empty(),
        "no reference found: the scanner is broken"
    );
    let cycles = find_cycles(&edges.keys().cloned().collect());
    println!(
        "fep-core: {} modules, {} edges between them",
        known.len(),
        edges.len()
    );
    if cycles.is_empty() && problems.is_empty() {
        return;
    }
    let mut msg = Vec::new();
    if !cycles.is_empty() {
        let n = cycles.len();
        msg.push(format!("{n} import cycles between the modules of fep-core"));
        msg.push("(the shortest through each edge on one; the first reference shown):".into());
    }
    for cycle in &cycles {
        let closed: Vec<String> = cycle.iter().chain(cycle.first()).cloned().collect();
        msg.push(format!("\n  {}", closed.join(" -> ")));
        for w in closed.windows(2) {
            let at = &edges[&(w[0].clone(), w[1].clone())];
            msg.push(format!("      {} -> {}: {at}", w[0], w[1]));
        }
    }
    if !problems.is_empty() {
        let n = problems.len();
        msg.push(format!("\n{n} references through the crate root:"));
        msg.extend(problems.iter().map(|p| format!("  {p}")));
    }
    panic!("{}", msg.join("\n"));
}

/// The modules that `src` in `module` names, sorted, with `known` module files.
fn targets(module: &str, src: &str, known: &[&str]) -> Vec<String> {
    let known = known
        .iter()
        .map(|k| k.to_string())
        .chain(["crate".into()])
        .collect();
    let mut out: Vec<String> = references(module, src, &known)
        .into_iter()
        .map(|r| r.target)
        .collect();
    out.sort();
    out
}

#[test]
fn grouped_and_nested_uses_name_each_leaf() {
    let src = "use crate::{a::B, c::{d, e as f}};\nuse crate::a::{self, B};\nuse std::fmt;";
    assert_eq!(
        targets("x", src, &["a", "c", "c::d", "x"]),
        ["a", "a", "a", "c", "c::d"]
    );
}

#[test]
fn inline_paths_name_the_longest_module() {
    let src = "fn f() { crate::layout::compile::compile(t); crate::layout::MAX; crate::Schema }";
    let known = ["layout", "layout::compile", "schema"];
    // `crate::Schema` is an item of lib.rs: the test reports it as its own failure.
    assert_eq!(
        targets("schema", src, &known),
        ["crate", "layout", "layout::compile"]
    );
}

#[test]
fn self_and_child_names_in_a_mod_rs() {
    let src = "pub use self::b::X;\npub use b::Y;\nfn g() { b::h(); x.b::<u8>(); }";
    assert_eq!(targets("a", src, &["a", "a::b"]), ["a::b", "a::b", "a::b"]);
}

#[test]
fn super_from_a_mod_rs_and_from_a_leaf() {
    assert_eq!(targets("a", "use super::Z;", &["a", "a::b"]), ["crate"]);
    let leaf = "use super::X;\nuse super::super::c::D;\nfn f() { super::g() }";
    assert_eq!(targets("a::b", leaf, &["a", "a::b", "c"]), ["a", "a", "c"]);
    // `super` in an inline test module is the file it sits in, not its parent.
    assert_eq!(
        targets("a::b", "mod tests { use super::*; }", &["a", "a::b"]),
        ["a::b"]
    );
}

#[test]
fn comments_strings_and_visibility_are_not_references() {
    let src = r####"
        //! See crate::a::X.
        /* crate::a /* nested crate::a */ crate::a */
        fn f<'a>(x: &'a str) -> char {
            let s = "crate::a::X \" crate::a";
            let r = r##"crate::a "# crate::a"##;
            let b = b'"'; let c = '"'; let e = '\'';
            crate::c::f(); // crate::a
            c
        }
        pub(crate) fn g() {} pub(super) struct S; pub(in crate::a) struct T;
    "####;
    assert_eq!(targets("b", src, &["a", "b", "c"]), ["c"]);
    let lines: Vec<usize> = references("b", src, &["c".to_string()].into())
        .iter()
        .map(|r| r.line)
        .collect();
    assert_eq!(lines, [8]);
}

fn edges(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_cycle_of_three_is_found_once() {
    let cycles = find_cycles(&edges(&[
        ("b", "c"),
        ("c", "a"),
        ("a", "b"),
        ("c", "d"),
        ("d", "e"),
    ]));
    assert_eq!(cycles, [["a", "b", "c"]]);
}

#[test]
fn a_diamond_has_no_cycle() {
    let cycles = find_cycles(&edges(&[("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]));
    assert!(cycles.is_empty(), "{cycles:?}");
}

#[test]
fn two_cycles_through_one_module_are_both_listed() {
    let cycles = find_cycles(&edges(&[("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")]));
    assert_eq!(cycles, [["a", "b"], ["b", "c"]]);
}
