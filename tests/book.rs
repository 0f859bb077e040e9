//! Checks that span the book and the lessons: the book can only show what the lessons really
//! contain, and every lesson has its chapter.
//!
//! - every chapter in `book/SUMMARY.md` exists, and every lesson crate has a chapter there;
//! - every `{{#include file:anchor}}` names a file that exists and an anchor it really has;
//! - Rust code in a chapter is always included from a lesson, never pasted;
//! - every chapter shows its lesson's real output and diagram, and its exercise;
//! - every `cargo run -p X` (and `cargo test -p`, `cargo exercise`) names a real package.
//! - every function a chapter shows fits on a screen (at most 60 lines).
//! - the tables of measurements are `cargo xtask bench`'s output, never typed by hand;
//! - the hostile battery's figures a chapter shows are the files the battery wrote.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The chapter files that SUMMARY.md links to, in order.
fn summary_chapters() -> Vec<String> {
    let summary = read(&root().join("book/SUMMARY.md"));
    summary
        .lines()
        .filter_map(|line| {
            let start = line.find("](")? + 2;
            let end = line[start..].find(')')? + start;
            Some(line[start..end].to_string())
        })
        .collect()
}

/// Every lesson crate: (folder name like `04-accept`, package name).
fn lessons() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in fs::read_dir(root().join("lessons")).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("Cargo.toml");
        if !manifest.exists() {
            continue;
        }
        let name = package_name(&read(&manifest));
        if name.starts_with("lesson-") {
            let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
            found.push((folder, name));
        }
    }
    found.sort();
    assert!(!found.is_empty(), "no lesson crates found under lessons/");
    found
}

fn package_name(manifest: &str) -> String {
    manifest
        .lines()
        .find_map(|l| {
            let rest = l
                .trim()
                .strip_prefix("name")?
                .trim_start()
                .strip_prefix('=')?;
            Some(rest.trim().trim_matches('"').to_string())
        })
        .unwrap_or_default()
}

/// All packages of the workspace.
fn packages() -> BTreeSet<String> {
    let mut names: BTreeSet<String> = lessons().into_iter().map(|(_, name)| name).collect();
    for dir in fs::read_dir(root().join("lessons")).unwrap() {
        let manifest = dir.unwrap().path().join("Cargo.toml");
        if manifest.exists() {
            names.insert(package_name(&read(&manifest)));
        }
    }
    names.insert(package_name(&read(&root().join("Cargo.toml"))));
    names
}

/// Every Markdown file of the book, with its text.
fn chapters() -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = fs::read_dir(root().join("book"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, read(&p))
        })
        .collect();
    all.sort();
    all
}

/// The `{{#include ...}}` directives of a text: (path, anchor).
fn includes(text: &str) -> Vec<(String, Option<String>)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#") {
        let after = &rest[start + 3..];
        let end = after.find("}}").expect("an unclosed {{# directive");
        let directive = after[..end].trim();
        let mut parts = directive.splitn(2, char::is_whitespace);
        let kind = parts.next().unwrap_or("");
        if kind == "include" || kind == "rustdoc_include" {
            let target = parts.next().unwrap_or("").trim();
            let (path, anchor) = match target.split_once(':') {
                Some((p, a)) => (p.to_string(), Some(a.to_string())),
                None => (target.to_string(), None),
            };
            found.push((path, anchor));
        }
        rest = &after[end..];
    }
    found
}

#[test]
fn every_chapter_in_the_summary_exists() {
    let chapters = summary_chapters();
    assert!(chapters.len() > 3, "SUMMARY.md lists too few chapters");
    for chapter in chapters {
        assert!(
            root().join("book").join(&chapter).exists(),
            "book/SUMMARY.md lists {chapter}, but book/{chapter} does not exist"
        );
    }
}

#[test]
fn every_lesson_has_a_chapter_in_the_summary() {
    let chapters = summary_chapters();
    for (folder, package) in lessons() {
        let chapter = format!("{folder}.md");
        assert!(
            chapters.contains(&chapter),
            "{package} (lessons/{folder}) has no chapter book/{chapter} in book/SUMMARY.md"
        );
        let number = &folder[..2];
        assert!(
            package == format!("lesson-{folder}") && number.chars().all(|c| c.is_ascii_digit()),
            "lessons/{folder} must be the package lesson-{folder}, not {package}"
        );
    }
}

#[test]
fn every_include_resolves_to_a_real_file_and_anchor() {
    let mut count = 0;
    for (chapter, text) in chapters() {
        for (path, anchor) in includes(&text) {
            count += 1;
            let file = root().join("book").join(&path);
            assert!(
                file.exists(),
                "book/{chapter} includes {path}, which does not exist"
            );
            let Some(anchor) = anchor else { continue };
            if anchor.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                if figures_file(&path) && anchor == "2" {
                    continue; // the battery's figures: checked by hostile_figures_are_the_batterys
                }
                panic!(
                    "book/{chapter} includes {path}:{anchor} by line numbers; use a named anchor"
                );
            }
            let source = read(&file);
            let start = format!("ANCHOR: {anchor}");
            let end = format!("ANCHOR_END: {anchor}");
            let (Some(from), Some(to)) = (source.find(&start), source.find(&end)) else {
                panic!("book/{chapter} includes {path}:{anchor}, but that file has no `// {start}` … `// {end}` pair");
            };
            let body = &source[from + start.len()..to];
            assert!(
                body.lines().filter(|l| !l.trim().is_empty()).count() > 1,
                "book/{chapter} includes {path}:{anchor}, which is empty"
            );
        }
    }
    assert!(count > 0, "the book includes nothing at all");
}

#[test]
fn rust_code_in_the_book_is_included_never_pasted() {
    for (chapter, text) in chapters() {
        let mut in_rust = false;
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if let Some(info) = trimmed.strip_prefix("```") {
                if in_rust {
                    in_rust = false;
                } else if info.starts_with("rust") {
                    in_rust = true;
                }
                continue;
            }
            if in_rust && !trimmed.is_empty() && !trimmed.starts_with("{{#") {
                panic!(
                    "book/{chapter}:{}: Rust code pasted into the chapter: {trimmed:?}\n\
                     Put it in the lesson crate between `// ANCHOR: name` and `// ANCHOR_END: name`\n\
                     and include it with {{{{#include ../lessons/NN-topic/src/main.rs:name}}}}.",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn every_lesson_chapter_shows_real_output_a_diagram_and_its_exercise() {
    for (folder, package) in lessons() {
        let chapter = root().join("book").join(format!("{folder}.md"));
        if !chapter.exists() {
            continue; // reported by every_lesson_has_a_chapter_in_the_summary
        }
        let text = read(&chapter);
        let dir = format!("../lessons/{folder}/");
        for (file, what) in [
            ("src/main.rs", "the lesson's code"),
            ("output.txt", "the demo's real output"),
            ("diagram.mmd", "the sequence diagram"),
            ("src/exercise.rs", "the exercise's starter"),
            ("src/solution.rs", "the exercise's solution"),
        ] {
            assert!(
                text.contains(&format!("{{{{#include {dir}{file}")),
                "book/{folder}.md does not include {dir}{file} ({what})"
            );
        }
        // Graded hints (hints/1.md, …) are shown on request by `cargo hint`, and the solution
        // only after the exercise; a lesson not converted yet includes its one hint.md.
        if root().join("lessons").join(&folder).join("hints").is_dir() {
            assert!(
                text.contains(&format!("cargo hint {package}")),
                "book/{folder}.md must point to `cargo hint {package}`"
            );
            let solution = format!("{{{{#include {dir}src/solution.rs");
            let exercise = format!("{{{{#include {dir}src/exercise.rs");
            assert!(
                text.find(&solution) > text.find(&exercise),
                "book/{folder}.md shows the solution before the exercise"
            );
        } else {
            assert!(
                text.contains(&format!("{{{{#include {dir}hint.md")),
                "book/{folder}.md does not include {dir}hint.md (the exercise's hint)"
            );
        }
        assert!(
            text.contains("```mermaid\n{{#include ") && text.contains("diagram.mmd}}"),
            "book/{folder}.md must include diagram.mmd inside a ```mermaid block"
        );
        assert!(
            text.contains("<details>") && text.contains(&format!("cargo exercise {package}")),
            "book/{folder}.md needs its exercise: `cargo exercise {package}`, hint and solution in <details>"
        );
    }
}

#[test]
fn every_cargo_command_names_a_real_package() {
    let packages = packages();
    let mut texts = chapters();
    texts.push(("README.md".into(), read(&root().join("README.md"))));
    let mut count = 0;
    for (file, text) in texts {
        for command in [
            "cargo run -p ",
            "cargo test -p ",
            "cargo exercise ",
            "cargo run-exercise ",
            "cargo hint ",
        ] {
            for (at, _) in text.match_indices(command) {
                let name: String = text[at + command.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                if name.is_empty() || name.starts_with("lesson-NN") || name == "X" {
                    continue;
                }
                count += 1;
                assert!(
                    packages.contains(&name),
                    "{file} says `{command}{name}`, but there is no package {name} (packages: {packages:?})"
                );
            }
        }
    }
    assert!(count > 0, "the book names no cargo command at all");
}

/// The features a lesson's manifest declares (its `[features]` table's names).
fn features(folder: &str) -> BTreeSet<String> {
    let manifest = read(&root().join("lessons").join(folder).join("Cargo.toml"));
    manifest
        .lines()
        .skip_while(|l| l.trim() != "[features]")
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .filter_map(|l| Some(l.split_once('=')?.0.trim().to_string()))
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
        .collect()
}

#[test]
fn every_feature_a_command_names_is_the_lessons_own() {
    // Chapter 14 once told readers to run `cargo run -p lesson-14-http --features wrong`, a
    // feature the crate had lost: cargo refuses such a command.
    let lessons = lessons();
    let mut texts = chapters();
    texts.push(("README.md".into(), read(&root().join("README.md"))));
    let mut count = 0;
    for (file, text) in texts {
        for line in text.lines() {
            let Some(at) = line.find("--features ") else {
                continue;
            };
            let feature: String = line[at + "--features ".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            let Some((folder, package)) = lessons
                .iter()
                .find(|(_, package)| line[..at].contains(package.as_str()))
            else {
                continue;
            };
            count += 1;
            assert!(
                features(folder).contains(&feature),
                "{file} says `--features {feature}` for {package}, which has only {:?}:\n{line}",
                features(folder)
            );
        }
    }
    assert!(
        count > 0,
        "no command with --features found: is the parser still right?"
    );
}

#[test]
fn the_include_parser_finds_anchors_and_plain_files() {
    let text =
        "a {{#include ../lessons/01-socket/src/main.rs:demo}} b {{#include ../x/output.txt}}";
    assert_eq!(
        includes(text),
        vec![
            (
                "../lessons/01-socket/src/main.rs".to_string(),
                Some("demo".to_string())
            ),
            ("../x/output.txt".to_string(), None),
        ]
    );
}

/// The longest a function may be in what a chapter shows: about one screen.
const SCREEN: usize = 60;

/// Each `fn` in a piece of Rust source, with its length in lines (from its `fn` line to the
/// closing brace at the same indentation).
fn functions(source: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let code = line.trim_start();
        let indent = &line[..line.len() - code.len()];
        let after_fn = [
            "pub fn ",
            "pub(crate) fn ",
            "async fn ",
            "pub async fn ",
            "fn ",
        ]
        .iter()
        .find_map(|p| code.strip_prefix(p));
        if let Some(rest) = after_fn {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let close = format!("{indent}}}");
            let end = (i..lines.len())
                .find(|&j| {
                    lines[j].trim_end() == close || (j == i && line.trim_end().ends_with('}'))
                })
                .unwrap_or(lines.len() - 1);
            found.push((name, end - i + 1));
            i = end;
        }
        i += 1;
    }
    found
}

#[test]
fn functions_the_book_shows_fit_on_a_screen() {
    let mut too_long = Vec::new();
    for (chapter, text) in chapters() {
        for (path, anchor) in includes(&text) {
            let Some(anchor) = anchor.filter(|_| path.ends_with(".rs")) else {
                continue;
            };
            let source = read(&root().join("book").join(&path));
            let start = format!("ANCHOR: {anchor}");
            let end = format!("ANCHOR_END: {anchor}");
            let (Some(from), Some(to)) = (source.find(&start), source.find(&end)) else {
                continue; // every_include_resolves_to_a_real_file_and_anchor says so
            };
            for (name, lines) in functions(&source[from..to]) {
                if lines > SCREEN {
                    too_long.push(format!(
                        "book/{chapter}: {path}:{anchor} fn {name}, {lines} lines"
                    ));
                }
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "functions a chapter shows are longer than a screen ({SCREEN} lines): split them\n{}",
        too_long.join("\n")
    );
}

#[test]
fn the_function_finder_measures_from_fn_to_its_closing_brace() {
    let source = "fn a() {\n    x();\n}\n\n    pub async fn b(\n        y: u8,\n    ) {\n        z();\n    }\nfn c() {}\n";
    assert_eq!(
        functions(source),
        [
            ("a".to_string(), 3),
            ("b".to_string(), 5),
            ("c".to_string(), 1)
        ]
    );
}

/// The tables of measurements are `cargo xtask bench`'s files, never typed by hand: every
/// `{{#include generated/perf/…}}` names a file that starts with the tool's mark and its
/// header line, and whose every table starts with a header row the tool writes (each is a
/// literal in xtask/src/bench.rs) and keeps that row's number of columns.
#[test]
fn measurement_tables_are_the_bench_tools_output() {
    let tool = read(&root().join("xtask/src/bench.rs"));
    let mark = "<!-- generated by `cargo xtask bench`: do not edit, run it again -->";
    assert!(
        tool.contains(&format!("pub const MARK: &str = \"{mark}\";")),
        "xtask/src/bench.rs no longer writes the mark this test looks for"
    );
    let mut seen = 0;
    for (name, text) in chapters() {
        for (path, _) in includes(&text) {
            if !path.starts_with("generated/perf/") {
                continue;
            }
            seen += 1;
            let table = read(&root().join("book").join(&path));
            let mut lines = table.lines();
            assert_eq!(
                lines.next(),
                Some(mark),
                "{path} (in {name}) lacks the bench mark"
            );
            assert!(
                table.contains("\n*Measured by `cargo xtask bench` on "),
                "{path}: no line naming the machine and the date"
            );
            let mut columns = None;
            for line in table.lines() {
                let cells = line.matches('|').count();
                match (line.starts_with('|'), columns) {
                    (true, None) => {
                        assert!(
                            tool.contains(&format!("\"{line}\\n")),
                            "{path}: the table header {line:?} is not one bench writes"
                        );
                        columns = Some(cells);
                    }
                    (true, Some(n)) => {
                        assert_eq!(cells, n, "{path}: a row of another shape: {line}")
                    }
                    (false, _) => columns = None,
                }
            }
        }
    }
    assert!(
        seen > 0,
        "no chapter includes a table from book/generated/perf/"
    );
}

/// Is `path` (as a chapter includes it) a file of the hostile battery's figures?
fn figures_file(path: &str) -> bool {
    path.starts_with("../lessons/") && path.contains("/hostile/") && path.ends_with(".txt")
}

/// Check a figures file with testkit's own check: its mark names the battery and the case of
/// its file name, and its hash matches the figures (so a figure typed by hand fails).
fn check_figures(file: &Path) -> Result<(), String> {
    let content = fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let name = file.file_stem().unwrap().to_string_lossy();
    let mark = content.lines().next().unwrap_or_default();
    let battery = mark.split_once(' ').map_or("", |(b, _)| b);
    if !["hostile", "hostile_once", "hostile_udp"].contains(&battery) {
        return Err(format!("{}: no battery's mark: {mark:?}", file.display()));
    }
    testkit::hostile::figures::check(&format!("{battery} {name}"), &content)
        .map_err(|why| format!("{}: {why}", file.display()))
}

/// The hostile battery's figures in a chapter come from the last blessed run
/// (`BLESS=1 cargo test -p lesson-NN-x hostile`): every `{{#include ../lessons/…/hostile/…txt:2}}`
/// includes line 2 (the figures, without the mark) of a file the battery wrote and nobody
/// edited since, and every file a lesson keeps is such a file, in a folder a chapter shows
/// (figures are opt-in: a battery whose figures no chapter shows writes none). (The battery itself requires the
/// file of every case it runs, once a lesson keeps its figures.) The numbers are never compared.
#[test]
fn hostile_figures_are_the_batterys() {
    let mut shown = 0;
    let mut bad = vec![];
    for (name, text) in chapters() {
        for (path, anchor) in includes(&text) {
            if !figures_file(&path) {
                continue;
            }
            shown += 1;
            if anchor.as_deref() != Some("2") {
                bad.push(format!(
                    "{name} includes {path} whole: include line 2, the figures"
                ));
            }
            if let Err(why) = check_figures(&root().join("book").join(&path)) {
                bad.push(format!("{name}: {why}"));
            }
        }
    }
    let book: String = chapters().into_iter().map(|(_, text)| text).collect();
    for (folder, _) in lessons() {
        let kept = root().join("lessons").join(&folder).join("hostile");
        let Ok(binaries) = fs::read_dir(&kept) else {
            continue;
        };
        for binary in binaries {
            let binary = binary.unwrap().path();
            let name = binary.file_name().unwrap().to_string_lossy().into_owned();
            // Figures are opt-in: kept only where a chapter shows them (testkit's figures.rs).
            if !testkit::hostile::figures::shows(&book, &folder, &name) {
                bad.push(format!(
                    "{}: figures no chapter shows (remove them: BLESS=1 cargo test -p \
                     lesson-{folder} hostile)",
                    binary.display()
                ));
            }
            for file in fs::read_dir(&binary).unwrap() {
                if let Err(why) = check_figures(&file.unwrap().path()) {
                    bad.push(why);
                }
            }
        }
    }
    assert!(shown > 0, "no chapter shows the hostile battery's figures");
    assert!(
        bad.is_empty(),
        "hostile figures that are not the battery's (regenerate with \
         BLESS=1 cargo test -p lesson-NN-x hostile):\n{}",
        bad.join("\n")
    );
}

/// A table typed into a chapter must not be a measurement: a row that speaks of a load run
/// (a closed loop, a storm, C = …, round trips, a p99, a load average, VmPeak…) belongs in a
/// `generated/perf/` file that `cargo xtask bench` writes. (Chapters 11 and 12 had such
/// tables, measured once by hand, with dates and load averages; they are bench's now.)
#[test]
fn no_chapter_types_a_table_of_measurements() {
    let signs = [
        "closed loop",
        "paced",
        "storm",
        "c = ",
        "load average",
        "vmpeak",
        "vmhwm",
        "round trips",
        "p99",
        "gb/s",
        "requests/s",
    ];
    let mut typed = vec![];
    for (name, text) in chapters() {
        for line in text.lines().filter(|l| l.starts_with('|')) {
            let lower = line.to_lowercase();
            if let Some(sign) = signs.iter().find(|s| lower.contains(*s)) {
                typed.push(format!("{name}: {line} ({sign:?})"));
            }
        }
    }
    assert!(
        typed.is_empty(),
        "tables of measurements typed by hand (make `cargo xtask bench` write them into \
         book/generated/perf/ and include them):\n{}",
        typed.join("\n")
    );
}

/// Every `.rs` file under `dir`, however deep.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// Issue 12, the event style: a call is one `say.call…` line (or, for a call the lesson does
/// not narrate, `say.failed("its name", e)`), never an announce / run / report triple, whose
/// `fail` names whatever call was announced last.
#[test]
fn lessons_narrate_calls_as_events_not_triples() {
    // `.fail(` and `.done(` are the narrator's only (whatever it is called: say, server,
    // alice); `next(` is also every iterator's, so only the narrator's usual name is looked for.
    let old_style = ["say.next(", ".done(", ".fail("];
    let mut found = Vec::new();
    let mut folders: Vec<String> = lessons().into_iter().map(|(folder, _)| folder).collect();
    // The shared helpers the lessons call (listener, talk, lines, …), but not the narrator.
    folders.push("common".into());
    for folder in folders {
        for file in rust_files(&root().join("lessons").join(&folder).join("src")) {
            if file.ends_with("narrate.rs") {
                continue;
            }
            for (n, line) in read(&file).lines().enumerate() {
                if old_style.iter().any(|old| line.contains(old)) {
                    let at = file.strip_prefix(root()).unwrap_or(&file).display();
                    found.push(format!("{at}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "old-style narration (use say.call / call_then / call_with / call_opening / \
         call_async, or say.failed for a call the lesson does not narrate):\n{}",
        found.join("\n")
    );
}
