//! The battery's figures, kept for the book.
//!
//! With `BLESS=1`, each case of a battery writes what it measured to
//! `lessons/NN-topic/hostile/BINARY/CASE.txt` (BINARY: the test file the battery runs in, e.g.
//! `exchange`), two lines and no newline at the end:
//!
//! ```text
//! hostile trickle: written by the battery (BLESS=1), check 5f1c0a2b9e3d4c71
//! normal client served in 0 ms (bound 3000 ms); cut after 3006 ms; server peak RSS 2.8 MB, …
//! ```
//!
//! A chapter shows line 2 in a table cell:
//! `{{#include ../lessons/11-threads/hostile/exchange/trickle.txt:2}}`. The check is a hash of
//! line 2, so a figure typed by hand no longer matches its mark ([`check`], run by
//! `tests/book.rs` on every included file). Each case writes its own file, so cases running in
//! parallel threads or processes never share one.
//!
//! The figures are opt-in: a lesson keeps them only for a test binary whose folder a chapter
//! includes (an `{{#include ../lessons/NN-topic/hostile/BINARY/` in some `book/*.md`, found by
//! [`shows`]; a mention in prose does not count). For such a binary,
//! without `BLESS`, every case the battery runs requires its file with a valid mark (missing,
//! typed by hand or stale all fail), and a case it skips has none ([`skipped`]). For any other
//! binary a file is a stray: `BLESS=1` removes it, and without `BLESS` it fails. The numbers
//! themselves change from run to run and are never compared.

use std::path::{Path, PathBuf};

/// FNV-1a, 64 bits: stable across Rust versions, unlike `DefaultHasher`.
fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The file's text for `case` (named as the battery prints it: `hostile trickle`).
pub fn text(case: &str, figures: &str) -> String {
    format!(
        "{case}: written by the battery (BLESS=1), check {:016x}\n{figures}",
        hash(figures)
    )
}

/// Is `content` a figures file the battery wrote for `case` (`hostile trickle`), untouched?
pub fn check(case: &str, content: &str) -> Result<(), String> {
    let Some((mark, figures)) = content.split_once('\n') else {
        return Err("not two lines: a mark, then the figures".into());
    };
    if figures.is_empty() || figures.contains('\n') {
        return Err("the figures are not one line with no newline after it".into());
    }
    if content != text(case, figures) {
        return Err(format!(
            "its mark is not the battery's for {case:?} and these figures (expected {:?}, \
             found {mark:?}): typed by hand? Regenerate it with BLESS=1",
            text(case, figures).lines().next().unwrap_or_default()
        ));
    }
    Ok(())
}

/// Where this test binary's battery keeps its figures, `hostile/BINARY/` in the lesson, and
/// whether a chapter shows them (includes a file of that folder): the lesson's opt-in.
fn folder() -> Option<(PathBuf, bool)> {
    let lesson = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let exe = std::env::current_exe().ok()?;
    let stem = exe.file_stem()?.to_str()?;
    // cargo names a test binary `FILE-HASH`.
    let binary = stem.rsplit_once('-').map_or(stem, |(name, _)| name);
    let shown = shown_by_a_chapter(&lesson, binary);
    Some((lesson.join("hostile").join(binary), shown))
}

/// Does a chapter of the book (`../../book/*.md` from the lesson) include a file of
/// `lessons/NN-topic/hostile/BINARY/`? Outside the repository (no book), nothing is shown.
fn shown_by_a_chapter(lesson: &Path, binary: &str) -> bool {
    let (Some(name), Some(lessons)) = (lesson.file_name(), lesson.parent()) else {
        return false;
    };
    let Some(root) = lessons.parent() else {
        return false;
    };
    let lesson = name.to_string_lossy();
    let Ok(chapters) = std::fs::read_dir(root.join("book")) else {
        return false;
    };
    chapters.filter_map(Result::ok).any(|entry| {
        let path = entry.path();
        path.extension().is_some_and(|e| e == "md")
            && std::fs::read_to_string(&path).is_ok_and(|text| shows(&text, &lesson, binary))
    })
}

/// Does this chapter's text include a figures file of `lessons/LESSON/hostile/BINARY/`? Only
/// an `{{#include}}` opts the lesson in: a chapter that names the folder in its prose does
/// not show the figures. (tests/book.rs asks the same question of every kept folder.)
pub fn shows(chapter: &str, lesson: &str, binary: &str) -> bool {
    chapter.contains(&format!(
        "{{{{#include ../lessons/{lesson}/hostile/{binary}/"
    ))
}

/// At the end of a case: if a chapter shows this binary's figures, with `BLESS=1` write them,
/// otherwise check that this case's file is there and untouched; if none does, see [`stray`]. `battery` is the prefix the
/// battery prints (`hostile`, `hostile_once`, `hostile_udp`), `name` the case.
pub fn record(battery: &str, name: &str, figures: &str) {
    let Some((dir, shown)) = folder() else { return };
    let path = dir.join(format!("{name}.txt"));
    let case = format!("{battery} {name}");
    let bless = std::env::var_os("BLESS").is_some();
    if !shown {
        stray(&dir, &path, battery, bless);
        return;
    }
    if bless {
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {dir:?}: {e}"));
        std::fs::write(&path, text(&case, figures))
            .unwrap_or_else(|e| panic!("writing {path:?}: {e}"));
        return;
    }
    let checked = match std::fs::read_to_string(&path) {
        Ok(content) => check(&case, &content),
        Err(e) => Err(format!(
            "the figures of a case the battery runs are missing ({e})"
        )),
    };
    if let Err(why) = checked {
        panic!(
            "\n\n{}: {why}\nThe book shows this case's figures from that file. Regenerate them \
             with:\n    BLESS=1 cargo test -p {} {battery}\n",
            path.display(),
            std::env::var("CARGO_PKG_NAME").unwrap_or_default()
        );
    }
}

/// A figures file no chapter shows: with `BLESS=1` remove it (and its folder once empty);
/// otherwise fail, so a folder of figures nobody reads is not kept up to date for nothing.
fn stray(dir: &Path, path: &Path, battery: &str, bless: bool) {
    if !path.exists() {
        return;
    }
    if bless {
        std::fs::remove_file(path).unwrap_or_else(|e| panic!("removing {path:?}: {e}"));
        // Fails while other cases' files are still there: the last one removes the folder.
        let _ = std::fs::remove_dir(dir);
        let _ = dir.parent().map(std::fs::remove_dir);
        return;
    }
    panic!(
        "\n\n{}: figures no chapter shows (none includes {}). Include them in the chapter, or \
         remove them with:\n    BLESS=1 cargo test -p {} {battery}\n",
        path.display(),
        dir.display(),
        std::env::var("CARGO_PKG_NAME").unwrap_or_default()
    );
}

/// A case the battery skips has no figures: with `BLESS=1` an old file is removed; otherwise
/// one left over fails (the book would show figures of a case that no longer runs).
pub fn skipped(battery: &str, name: &str) {
    let Some((dir, _)) = folder() else { return };
    let path = dir.join(format!("{name}.txt"));
    if !path.exists() {
        return;
    }
    if std::env::var_os("BLESS").is_some() {
        std::fs::remove_file(&path).unwrap_or_else(|e| panic!("removing {path:?}: {e}"));
        return;
    }
    panic!(
        "\n\n{}: figures of a case the battery now skips. Remove them with:\n    \
         BLESS=1 cargo test -p {} {battery}\n",
        path.display(),
        std::env::var("CARGO_PKG_NAME").unwrap_or_default()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_the_battery_wrote_passes_and_a_hand_edit_does_not() {
        let written = text("hostile trickle", "cut after 3006 ms; peak 2.8 MB");
        assert_eq!(check("hostile trickle", &written), Ok(()));
        let edited = written.replace("3006 ms", "about 3 s");
        assert!(check("hostile trickle", &edited).is_err());
        assert!(check("hostile flood", &written).is_err());
        assert!(check("hostile trickle", "cut after 3 s").is_err());
        assert!(check("hostile trickle", &format!("{written}\n")).is_err());
    }

    #[test]
    fn only_an_include_opts_a_chapter_in_not_a_prose_mention() {
        let include = "| `flood` | {{#include ../lessons/03-listen/hostile/hostile/flood.txt:2}} |";
        assert!(shows(include, "03-listen", "hostile"));
        assert!(!shows(include, "03-listen", "exchange"));
        assert!(!shows(include, "04-accept", "hostile"));
        let prose = "The figures are kept in `lessons/03-listen/hostile/hostile/`.";
        assert!(!shows(prose, "03-listen", "hostile"));
    }
}
