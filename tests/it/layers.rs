//! The layers of `src/`, enforced: every top-level module imports only from
//! its own layer or those below it ([`parbench::LAYERS`], lowest first), no
//! two modules import each other, and the graph of top-level modules has no
//! cycle. The same three rules hold inside the report, over its modules
//! ([`parbench::report::REPORT_LAYERS`]). Beside them, two rules that keep
//! the layers honest: no variant or workload id is quoted outside its
//! registry, and no file outside `src/report/` holds more than 800 lines of
//! non-test code.
//!
//! The source is read as text: comments, string literals and items under
//! `#[cfg(test)]` are blanked out (line numbers kept), then every
//! `crate::name` path, every name inside `use crate::{...}` and every
//! `super::` path that climbs to the crate root is an import of `name`.
//! Inside the report, every `crate::report::name` path (and name inside
//! `crate::report::{...}`) and every `super::` path that climbs to
//! `report` is an import of the report's module `name` ([`report_imports_of`]
//! says how a folder's files and the report's own file count).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use parbench::LAYERS;
use parbench::report::REPORT_LAYERS;

/// One import of another top-level module: where it is written.
#[derive(Clone, Debug)]
struct Import {
    to: String,
    file: PathBuf,
    line: usize,
}

/// The `.rs` files of `src/` outside `lib.rs` and `main.rs`, each with the
/// top-level module it belongs to and its module path below the crate root
/// (`["report", "findings", "trust"]`), test-only files left out.
fn source_files() -> Vec<(String, Vec<String>, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.expect("src/ is readable");
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(&src).unwrap();
        let mut parts: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        if parts == ["lib"] || parts == ["main"] {
            continue;
        }
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        if test_only(path) {
            continue;
        }
        files.push((parts[0].clone(), parts, path.to_path_buf()));
    }
    files
}

/// Is the file a module its parent declares under `#[cfg(test)]`?
fn test_only(path: &Path) -> bool {
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    if name == "mod" {
        return false;
    }
    let dir = path.parent().unwrap();
    let parents = [
        dir.join("mod.rs"),
        dir.with_extension("rs"),
        dir.join("lib.rs"),
    ];
    parents
        .iter()
        .filter_map(|p| fs::read_to_string(p).ok())
        .any(|text| {
            let declaration = regex::Regex::new(&format!(
                r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+{name}\s*;"
            ))
            .unwrap();
            declaration.is_match(&text)
        })
}

/// `text` with comments and the contents of string and char literals
/// replaced by spaces, newlines kept, so that line numbers still hold.
fn blank_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&chars, i) {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.push('"');
            j += 1;
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let rest: String = chars[j..].iter().collect();
            let end = rest
                .find(&closing)
                .map_or(chars.len(), |at| j + rest[..at].chars().count());
            for &ch in &chars[i + 1..end.min(chars.len())] {
                out.push(blank(ch));
            }
            out.push('"');
            i = (end + closing.chars().count()).min(chars.len());
            // Padding for the skipped prefix keeps columns roughly aligned;
            // only lines matter.
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && is_char_literal(&chars, i) {
            // 'x' or an escape such as '\n', '\'' or '\u{1F}'.
            let end = if chars[i + 1] == '\\' {
                (i + 3..chars.len())
                    .find(|&k| chars[k] == '\'')
                    .unwrap_or(chars.len() - 1)
            } else {
                i + 2
            };
            for _ in i..=end {
                out.push(' ');
            }
            i = end + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// A char literal (`'a'`, `'\n'`, `'\''`), not a lifetime (`'a`).
fn is_char_literal(chars: &[char], i: usize) -> bool {
    matches!(
        (chars.get(i + 1), chars.get(i + 2)),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

/// `code` (already blanked by [`blank_comments_and_strings`]) with every
/// item under `#[cfg(test)]` blanked too: the attribute, then the item up
/// to its matching closing brace or its semicolon.
fn blank_test_items(code: &str) -> String {
    blank_test_items_with(code, ' ')
}

/// [`blank_test_items`], filling with `fill` (to tell test lines apart).
fn blank_test_items_with(code: &str, fill: char) -> String {
    let mut out: Vec<char> = code.chars().collect();
    let attribute: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i + attribute.len() <= out.len() {
        if out[i..i + attribute.len()] != attribute[..] {
            i += 1;
            continue;
        }
        let mut j = i + attribute.len();
        let mut depth = 0usize;
        while j < out.len() {
            match out[j] {
                '{' => depth += 1,
                // An item under the attribute that is a field or a match
                // arm ends at the `,` or the `}` that closes its parent.
                '}' if depth == 0 => {
                    j -= 1;
                    break;
                }
                ',' if depth == 0 => break,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                ';' if depth == 0 => break,
                _ => {}
            }
            j += 1;
        }
        let last = j.min(out.len() - 1);
        for ch in &mut out[i..=last] {
            if *ch != '\n' {
                *ch = fill;
            }
        }
        i = j + 1;
    }
    out.into_iter().collect()
}

/// The non-test code of a file: comments, literals and test items blanked.
fn code_of(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    blank_test_items(&blank_comments_and_strings(&text))
}

/// Every import of another top-level module in `code`, a file of module
/// `module` at `path` (its module path below the crate root).
fn imports_of(module: &str, path: &[String], file: &Path, code: &str) -> Vec<Import> {
    let top_level: BTreeSet<&str> = LAYERS.iter().flat_map(|(_, m)| m.iter().copied()).collect();
    let crate_path = regex::Regex::new(r"\bcrate::(\w+)").unwrap();
    let crate_group = regex::Regex::new(r"\bcrate::\{").unwrap();
    let super_path = regex::Regex::new(r"\b((?:super::)+)(?:(\w+)|\{)").unwrap();
    let mut found = Vec::new();
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut push = |name: &str, at: usize| {
        if name != module && top_level.contains(name) {
            found.push(Import {
                to: name.to_string(),
                file: file.to_path_buf(),
                line: line_of(at),
            });
        }
    };
    for m in crate_path.captures_iter(code) {
        push(m.get(1).unwrap().as_str(), m.get(0).unwrap().start());
    }
    for m in crate_group.find_iter(code) {
        for name in group_names(&code[m.end()..]) {
            push(&name, m.start());
        }
    }
    for m in super_path.captures_iter(code) {
        // `super::` from a file at depth d (module path of d parts) climbs
        // one level per `super`; reaching the crate root, the next name (or
        // each name of a group, `super::super::{a, b}`) is a top-level
        // module.
        let climbs = m.get(1).unwrap().as_str().matches("super").count();
        if climbs < path.len() {
            continue;
        }
        match m.get(2) {
            Some(name) => push(name.as_str(), m.get(0).unwrap().start()),
            None => {
                for name in group_names(&code[m.get(0).unwrap().end()..]) {
                    push(&name, m.get(0).unwrap().start());
                }
            }
        }
    }
    found
}

/// The names at the top of a `use` group, given the text after its `{`:
/// `a, b::{c, d}, e}` gives `a`, `b` and `e`.
fn group_names(after_brace: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 1;
    let mut name = String::new();
    let mut expecting_name = true;
    for ch in after_brace.chars() {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                if !name.is_empty() {
                    names.push(std::mem::take(&mut name));
                }
                expecting_name = true;
            }
            c if depth == 1 && expecting_name && (c.is_alphanumeric() || c == '_') => name.push(c),
            _ if depth == 1 && !name.is_empty() => {
                names.push(std::mem::take(&mut name));
                expecting_name = false;
            }
            _ => {}
        }
    }
    if !name.is_empty() {
        names.push(name);
    }
    names
}

/// The import graph of the top-level modules: for each, the imports it
/// makes of the others.
fn graph() -> BTreeMap<String, Vec<Import>> {
    let mut graph: BTreeMap<String, Vec<Import>> = BTreeMap::new();
    for (module, path, file) in source_files() {
        let code = code_of(&file);
        graph
            .entry(module.clone())
            .or_default()
            .extend(imports_of(&module, &path, &file, &code));
    }
    graph
}

/// Which of `layers` (lowest first) holds `module`: its index and name.
fn layer_in(
    layers: &'static [(&'static str, &'static [&'static str])],
    module: &str,
) -> Option<(usize, &'static str)> {
    (layers.iter().enumerate())
        .find(|(_, (_, modules))| modules.contains(&module))
        .map(|(index, (name, _))| (index, *name))
}

fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    layer_in(LAYERS, module)
}

/// `file` relative to the package.
fn relative(file: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

fn shown(import: &Import) -> String {
    format!("{}:{}", relative(&import.file), import.line)
}

#[test]
fn every_top_level_module_has_one_layer() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let declared: BTreeSet<String> = regex::Regex::new(r"(?m)^pub mod (\w+);")
        .unwrap()
        .captures_iter(&lib)
        .map(|c| c[1].to_string())
        .collect();
    let mut layered = BTreeSet::new();
    for (layer, modules) in LAYERS {
        for module in *modules {
            assert!(
                layered.insert(module.to_string()),
                "{module} is in more than one layer (again in {layer})"
            );
        }
    }
    assert_eq!(
        declared, layered,
        "src/lib.rs declares these modules; parbench::LAYERS must hold each exactly once"
    );
    let layout = layout_doc();
    for (layer, modules) in LAYERS {
        let line = format!("{layer}: {}", modules.join(", "));
        assert!(
            layout.contains(&line),
            "docs/layout.md should list the layer as `{line}`"
        );
    }
}

/// `docs/layout.md`, which lists every layer as the code declares it.
fn layout_doc() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/layout.md")).unwrap()
}

#[test]
fn no_module_imports_from_a_higher_layer() {
    let mut upward = Vec::new();
    for (module, imports) in graph() {
        let (from, from_name) = layer_of(&module)
            .unwrap_or_else(|| panic!("src/{module} is in no layer of parbench::LAYERS"));
        for import in imports {
            let (to, to_name) = layer_of(&import.to).unwrap();
            if to > from {
                upward.push(format!(
                    "{}: {module} ({from_name}) imports {} ({to_name}), a higher layer",
                    shown(&import),
                    import.to
                ));
            }
        }
    }
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}

#[test]
fn the_module_graph_has_no_cycle() {
    if let Err(cycle) = acyclic(&graph()) {
        panic!("{cycle}");
    }
}

/// `Ok` when no two nodes of `graph` import each other and its imports make
/// no longer cycle; else the pairs that import each other (each named with
/// where it does), or one cycle.
fn acyclic(graph: &BTreeMap<String, Vec<Import>>) -> Result<(), String> {
    let edges: BTreeMap<&str, BTreeMap<&str, &Import>> = graph
        .iter()
        .map(|(module, imports)| {
            let mut targets = BTreeMap::new();
            for import in imports {
                targets.entry(import.to.as_str()).or_insert(import);
            }
            (module.as_str(), targets)
        })
        .collect();
    // Two modules importing each other, named with where each does.
    let mut mutual = Vec::new();
    for (&a, targets) in &edges {
        for (&b, import) in targets {
            if let Some(back) = edges.get(b).and_then(|t| t.get(a)).filter(|_| a < b) {
                mutual.push(format!("{a} ({}) <-> {b} ({})", shown(import), shown(back)));
            }
        }
    }
    if !mutual.is_empty() {
        return Err(format!(
            "modules that import each other:\n{}",
            mutual.join("\n")
        ));
    }
    // Any longer cycle: a depth-first search that meets a module still on
    // its path.
    fn visit<'a>(
        module: &'a str,
        edges: &BTreeMap<&'a str, BTreeMap<&'a str, &Import>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(start) = path.iter().position(|m| *m == module) {
            let mut cycle = path[start..].to_vec();
            cycle.push(module);
            return Some(cycle);
        }
        if !done.insert(module) {
            return None;
        }
        path.push(module);
        for &next in edges.get(module).map(|t| t.keys()).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for &module in edges.keys() {
        if let Some(cycle) = visit(module, &edges, &mut Vec::new(), &mut done) {
            return Err(format!("an import cycle: {}", cycle.join(" -> ")));
        }
    }
    Ok(())
}

#[test]
fn no_variant_or_workload_id_is_quoted_outside_its_registry() {
    let variant_ids: BTreeSet<&str> = parbench::variants::VARIANTS
        .iter()
        .map(|v| v.id())
        .collect();
    let workload_ids: BTreeSet<&str> = parbench::workload::WORKLOADS.iter().map(|w| w.id).collect();
    let backend_ids: BTreeSet<&str> = parbench::backends::BACKENDS
        .iter()
        .map(|b| b.id())
        .collect();
    let literal = regex::Regex::new(r#""(\w+)""#).unwrap();
    let mut quoted = Vec::new();
    for (module, _, file) in source_files() {
        // Comments and test items blanked, string literals kept.
        let text = fs::read_to_string(&file).unwrap();
        let blanked = blank_comments_and_strings(&text);
        let code = blank_test_items(&blanked);
        let code_lines: Vec<&str> = code.lines().collect();
        for (number, line) in text.lines().enumerate() {
            if code_lines.get(number).is_none_or(|l| l.trim().is_empty()) {
                continue;
            }
            // The results file's history (`const SCHEMA_..`): ids as older
            // files wrote them, which no registry change may alter.
            if module == "results" && line.trim_start().starts_with("const SCHEMA_") {
                continue;
            }
            for id in literal
                .captures_iter(line)
                .map(|c| c.get(1).unwrap().as_str())
            {
                // A backend's id is its own registry's to quote (the
                // sequential backend shares its id with the variant).
                let registry = match () {
                    _ if module == "backends" && backend_ids.contains(id) => continue,
                    _ if variant_ids.contains(id) => "variants",
                    _ if workload_ids.contains(id) => "workload",
                    _ => continue,
                };
                if module != registry {
                    quoted.push(format!(
                        "{}:{}: \"{id}\" (registry: src/{registry})",
                        relative(&file),
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(
        quoted.is_empty(),
        "ids quoted outside their registry (look them up, or select by role or purpose):\n{}",
        quoted.join("\n")
    );
}

/// What [`blank_test_items_with`] writes over test items when counting.
const TEST_FILL: char = '\u{1}';

#[test]
fn no_file_outside_the_report_holds_more_than_800_lines_of_code() {
    let mut long = Vec::new();
    for (module, _, file) in source_files() {
        if module == "report" {
            continue;
        }
        // Every line but those wholly inside a `#[cfg(test)]` item:
        // comments and blank lines count.
        let text = fs::read_to_string(&file).unwrap();
        let marked = blank_test_items_with(&blank_comments_and_strings(&text), TEST_FILL);
        let lines = marked
            .lines()
            .filter(|l| !(l.contains(TEST_FILL) && l.chars().all(|c| c == TEST_FILL || c == ' ')))
            .count();
        if lines > 800 {
            long.push(format!(
                "{}: {lines} lines of non-test code",
                relative(&file)
            ));
        }
    }
    assert!(
        long.is_empty(),
        "files over 800 lines of code:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_scanner_sees_grouped_and_nested_imports() {
    assert_eq!(
        group_names("criterion_dir, report};"),
        ["criterion_dir", "report"]
    );
    assert_eq!(group_names("a,b}"), ["a", "b"]);
    assert_eq!(
        group_names("\n    a,\n    b::{c, d},\n    e,\n};"),
        ["a", "b", "e"]
    );
    let code = blank_test_items(&blank_comments_and_strings(
        "use crate::{key, paired::{self, Interval}};\n\
         use super::super::{results, report};\n\
         // crate::cmd in a comment\n\
         let s = \"crate::cmd\";\n\
         #[cfg(test)]\nmod tests { use crate::cmd; }\n\
         struct S { #[cfg(test)] a: u8, b: crate::platform::X }\n",
    ));
    let path = ["backends".to_string(), "process".to_string()];
    let mut found: Vec<String> = imports_of("backends", &path, Path::new("x.rs"), &code)
        .into_iter()
        .map(|i| i.to)
        .collect();
    found.sort();
    assert_eq!(found, ["key", "paired", "platform", "report", "results"]);
}

// The report's inner layers.

/// What the report's own file (`src/report/mod.rs`) is called in the
/// report's import graph: it sits above every layer.
const REPORT_OWN_FILE: &str = "report";

/// The modules `src/report/mod.rs` declares (test modules left out).
fn report_modules() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report/mod.rs");
    modules_declared(&code_of(&root))
}

/// The modules `code` (blanked) declares with `mod name;`.
fn modules_declared(code: &str) -> BTreeSet<String> {
    regex::Regex::new(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;")
        .unwrap()
        .captures_iter(code)
        .map(|c| c[1].to_string())
        .collect()
}

/// Every import of one of the report's modules in `code`, a file of the
/// report at `path` (its module path below the crate root, `["report",
/// "findings", "trust"]`), `modules` the report's modules. Each import's
/// `to` is the module imported, or [`REPORT_OWN_FILE`] for an item of
/// `src/report/mod.rs` itself (`super::load_runs`, `super::*` from a
/// module of the report).
///
/// A folder (`findings/`, `page/`) is one module: its `mod.rs` and its
/// files. Its files use their parent's items (`use super::*`) and its
/// `mod.rs` uses theirs, so paths that stay inside the folder are not
/// imports here: [`folder_imports_of`] checks those.
fn report_imports_of(
    path: &[String],
    file: &Path,
    code: &str,
    modules: &BTreeSet<String>,
) -> Vec<Import> {
    let report_path = regex::Regex::new(r"\bcrate::report::(?:(\w+)|\{)").unwrap();
    let super_path = regex::Regex::new(r"\b((?:super::)+)(?:(\w+)|\{|\*)").unwrap();
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut found = Vec::new();
    let mut push = |name: &str, at: usize| {
        let to = match modules.contains(name) {
            true => name,
            false => REPORT_OWN_FILE,
        };
        // Not its own module (nor, for `src/report/mod.rs`, itself).
        if path.get(1).map_or(REPORT_OWN_FILE, String::as_str) != to {
            found.push(Import {
                to: to.to_string(),
                file: file.to_path_buf(),
                line: line_of(at),
            });
        }
    };
    let mut each = |m: &regex::Captures, name: Option<regex::Match>| {
        let whole = m.get(0).unwrap();
        match name {
            Some(name) => push(name.as_str(), whole.start()),
            None if whole.as_str().ends_with('{') => {
                for name in group_names(&code[whole.end()..]) {
                    push(&name, whole.start());
                }
            }
            // `super::*` of a module of the report: the report's own file.
            None => push(REPORT_OWN_FILE, whole.start()),
        }
    };
    for m in report_path.captures_iter(code) {
        each(&m, m.get(1));
    }
    for m in super_path.captures_iter(code) {
        // From a file at module path `path`, `super::` climbs one level per
        // `super`: only paths that land on `report` itself name a module of
        // it (deeper ones stay inside a folder, shallower ones leave the
        // report).
        let climbs = m.get(1).unwrap().as_str().matches("super").count();
        if path.len().checked_sub(climbs) == Some(1) {
            each(&m, m.get(2));
        }
    }
    found
}

/// The imports of its siblings in `code`, a file of a folder of the report
/// at `path` (`["report", "findings", "own"]`), `siblings` the files its
/// folder's `mod.rs` declares: `super::name` for a sibling `name`. The
/// folder's own `mod.rs` is the siblings' parent, not one of them: its
/// items are theirs to use.
fn folder_imports_of(
    path: &[String],
    file: &Path,
    code: &str,
    siblings: &BTreeSet<String>,
) -> Vec<Import> {
    let super_path = regex::Regex::new(r"\bsuper::(?:(\w+)|\{)").unwrap();
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut found = Vec::new();
    for m in super_path.captures_iter(code) {
        let whole = m.get(0).unwrap();
        // `super::super::...` leaves the folder.
        if code[..whole.start()].ends_with("super::") {
            continue;
        }
        let names = match m.get(1) {
            Some(name) => vec![name.as_str().to_string()],
            None => group_names(&code[whole.end()..]),
        };
        for name in names {
            if siblings.contains(&name) && path.last() != Some(&name) {
                found.push(Import {
                    to: name,
                    file: file.to_path_buf(),
                    line: line_of(whole.start()),
                });
            }
        }
    }
    found
}

/// The import graph of the report's modules (and of its own file, as
/// [`REPORT_OWN_FILE`]): for each, the imports it makes of the others.
fn report_graph() -> BTreeMap<String, Vec<Import>> {
    let modules = report_modules();
    let mut graph: BTreeMap<String, Vec<Import>> = BTreeMap::new();
    for (module, path, file) in source_files() {
        if module != "report" {
            continue;
        }
        let node = path.get(1).map_or(REPORT_OWN_FILE, String::as_str);
        let code = code_of(&file);
        graph
            .entry(node.to_string())
            .or_default()
            .extend(report_imports_of(&path, &file, &code, &modules));
    }
    graph
}

/// For each folder of the report (`findings`, `page`), the import graph of
/// its files (its `mod.rs` left out): for each file, its imports of its
/// siblings.
fn folder_graphs() -> BTreeMap<String, BTreeMap<String, Vec<Import>>> {
    let mut folders: BTreeMap<String, BTreeMap<String, Vec<Import>>> = BTreeMap::new();
    for (module, path, file) in source_files() {
        if module != "report" || path.len() != 3 {
            continue;
        }
        let parent = file.parent().unwrap().join("mod.rs");
        let siblings = modules_declared(&code_of(&parent));
        let code = code_of(&file);
        folders
            .entry(path[1].clone())
            .or_default()
            .entry(path[2].clone())
            .or_default()
            .extend(folder_imports_of(&path, &file, &code, &siblings));
    }
    folders
}

fn report_layer_of(module: &str) -> Option<(usize, &'static str)> {
    layer_in(REPORT_LAYERS, module)
}

#[test]
fn every_report_module_has_one_layer() {
    let mut layered = BTreeSet::new();
    for (layer, modules) in REPORT_LAYERS {
        for module in *modules {
            assert!(
                layered.insert(module.to_string()),
                "report::{module} is in more than one layer (again in {layer})"
            );
        }
    }
    assert_eq!(
        report_modules(),
        layered,
        "src/report/mod.rs declares these modules; parbench::report::REPORT_LAYERS must hold \
         each exactly once"
    );
    let layout = layout_doc();
    for (layer, modules) in REPORT_LAYERS {
        let line = format!("report {layer}: {}", modules.join(", "));
        assert!(
            layout.contains(&line),
            "docs/layout.md should list the report's layer as `{line}`"
        );
    }
}

#[test]
fn no_report_module_imports_from_a_higher_layer() {
    let mut upward = Vec::new();
    for (module, imports) in report_graph() {
        if module == REPORT_OWN_FILE {
            continue;
        }
        let (from, from_name) = report_layer_of(&module).unwrap_or_else(|| {
            panic!("src/report/{module} is in no layer of parbench::report::REPORT_LAYERS")
        });
        for import in imports {
            if import.to == REPORT_OWN_FILE {
                upward.push(format!(
                    "{}: report::{module} ({from_name}) imports from src/report/mod.rs, which \
                     sits above every layer",
                    shown(&import)
                ));
                continue;
            }
            let (to, to_name) = report_layer_of(&import.to).unwrap();
            if to > from {
                upward.push(format!(
                    "{}: report::{module} ({from_name}) imports report::{} ({to_name}), a \
                     higher layer",
                    shown(&import),
                    import.to
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "upward imports in the report:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_report_graph_has_no_cycle() {
    if let Err(cycle) = acyclic(&report_graph()) {
        panic!("in src/report/: {cycle}");
    }
    for (folder, graph) in folder_graphs() {
        if let Err(cycle) = acyclic(&graph) {
            panic!("in src/report/{folder}/: {cycle}");
        }
    }
}

#[test]
fn the_scanner_sees_the_report_paths() {
    let modules: BTreeSet<String> = ["across", "data", "findings", "format", "page"]
        .map(String::from)
        .into();
    let code = blank_test_items(&blank_comments_and_strings(
        "use super::*;\n\
         use super::break_even::Race;\n\
         use super::super::{data::Run, format};\n\
         use crate::report::{across, page::Chart};\n\
         use crate::report::findings::Claim;\n\
         use super::super::super::results;\n\
         // super::super::page in a comment\n\
         #[cfg(test)]\nmod tests { use crate::report::page; }\n",
    ));
    let path = ["report", "findings", "own"].map(String::from);
    let mut found: Vec<String> = report_imports_of(&path, Path::new("x.rs"), &code, &modules)
        .into_iter()
        .map(|i| i.to)
        .collect();
    found.sort();
    // `super::*` and `super::break_even` stay in the folder; findings is
    // the file's own module.
    assert_eq!(found, ["across", "data", "format", "page"]);
    let siblings: BTreeSet<String> = ["break_even", "own", "passing"].map(String::from).into();
    let found: Vec<String> = folder_imports_of(&path, Path::new("x.rs"), &code, &siblings)
        .into_iter()
        .map(|i| i.to)
        .collect();
    assert_eq!(found, ["break_even"]);
    // From a module of the report, `super::*` and `super::load_runs` are
    // the report's own file.
    let code = blank_comments_and_strings("use super::*;\nuse super::{load_runs, data::Run};\n");
    let path = ["report", "export"].map(String::from);
    let found: Vec<String> = report_imports_of(&path, Path::new("x.rs"), &code, &modules)
        .into_iter()
        .map(|i| i.to)
        .collect();
    assert_eq!(found, [REPORT_OWN_FILE, REPORT_OWN_FILE, "data"]);
}
