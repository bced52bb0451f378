//! Spec text in generated files: the one place that decides which
//! characters free text may hold and how it is written into rustdoc,
//! Markdown pages, table cells, code spans and Rust literals.
//!
//! Spec text is untrusted (catalogs can come from third parties), so what
//! it becomes must never run, break a build or inject markup:
//!
//! - control characters (C0 but line feed, C1, DEL), bidi controls, lone
//!   CRs and Unicode line separators are rejected by [`crate::check`] with
//!   the message [`forbidden_char_message`], before any text is written;
//! - every fenced block (```` ``` ````, `~~~`, longer fences, any info
//!   string) becomes a plain `text` block that rustdoc never tests;
//!   anything else that Markdown could read as a block of code (a run of
//!   three or more backticks or tildes, indentation, runs of spaces after a
//!   list marker) is escaped or collapsed;
//! - brackets, angle brackets (raw HTML, so `<script>` shows as text) and
//!   backslashes are escaped outside code spans; bare URLs become autolinks.
//!
//! Every function is linear in its input.

/// Why a character may not appear in spec text, if it may not: C0 controls
/// (but a line feed where `multiline`, and a tab there), DEL, C1 controls
/// (with U+0085, NEXT LINE), bidi controls (which can make text read
/// differently from what it is) and U+2028/U+2029 (line breaks to some
/// tools, not to others).
pub fn forbidden_char(c: char, multiline: bool) -> Option<&'static str> {
    match c {
        '\n' | '\t' if multiline => None,
        '\r' => Some("a carriage return"),
        '\u{85}' | '\u{2028}' | '\u{2029}' => Some("a Unicode line break"),
        c if c.is_control() => Some("a control character"),
        '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            Some("a bidirectional-text control")
        }
        _ => None,
    }
}

/// The first character of `text` that [`forbidden_char`] rejects, with
/// its byte offset.
pub fn find_forbidden_char(text: &str, multiline: bool) -> Option<(usize, char, &'static str)> {
    text.char_indices()
        .find_map(|(i, c)| forbidden_char(c, multiline).map(|why| (i, c, why)))
}

/// The one diagnostic message for a forbidden character in spec text.
pub fn forbidden_char_message(what: &str, c: char, why: &str) -> String {
    format!(
        "{what} contains {why}, U+{:04X}, which generated code and docs cannot hold",
        c as u32
    )
}

/// A line of a file as a terminal may show it (in `cargo xtask check`'s
/// drift diff): characters [`forbidden_char`] rejects written as
/// `\u{…}`, and at most `max_chars` characters, with how many were left out.
pub fn terminal_line(line: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (shown, (i, c)) in line.char_indices().enumerate() {
        if shown == max_chars {
            out.push_str(&format!("… ({} more bytes)", line.len() - i));
            break;
        }
        match forbidden_char(c, false) {
            Some(_) if c != '\t' => out.push_str(&c.escape_unicode().to_string()),
            _ => out.push(c),
        }
    }
    out
}

/// Block text (a description, meaning or hint) as Markdown that rustdoc
/// and Markdown viewers show as written and never run. The result may be
/// placed after other text on a line: a leading fenced block starts on a
/// line of its own.
pub fn markdown(text: &str) -> String {
    // Most descriptions are one line of plain prose: nothing to escape.
    // Checked first because `catalog!` runs this for every code,
    // unoptimised in a dev build (hence a byte scan).
    if is_plain(text) {
        return text.trim().to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut lines = text.lines().peekable();
    let mut first = true;
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if let Some((fence_char, len)) = fence_opener(trimmed) {
            let mut content = Vec::new();
            for next in lines.by_ref() {
                if is_fence_closer(next.trim(), fence_char, len) {
                    break;
                }
                content.push(next.trim_end());
            }
            // A blank line before and after: the block stands alone
            // whatever surrounds it.
            out.push('\n');
            if !first {
                out.push('\n');
            }
            push_text_block(&content, &mut out);
            if lines.peek().is_some() {
                out.push('\n');
            }
        } else {
            if !first {
                out.push('\n');
            }
            inline_into(trimmed, &mut out);
        }
        first = false;
    }
    out
}

/// One-line text (a title, a table cell) as inline Markdown: like
/// [`markdown`], but line breaks become spaces and no block is kept.
pub fn inline(text: &str) -> String {
    if is_plain(text) {
        return text.trim().to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        if i > 0 {
            out.push(' ');
        }
        inline_into(line, &mut out);
    }
    out
}

/// A cell of a Markdown (GFM) table: [`inline`] text with `|` escaped.
pub fn table_cell(text: &str) -> String {
    escape_pipes(&inline(text))
}

/// `text` as a Markdown code span, whatever backticks it holds; for a
/// table cell, pass the result through [`escape_pipes`].
pub fn code_span(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let fence = "`".repeat(longest_run(&one_line, '`') + 1);
    // CommonMark strips one space from each end when both are spaces, and a
    // span that starts or ends with a backtick needs a space to be read.
    let pad =
        one_line.starts_with(['`', ' ']) || one_line.ends_with(['`', ' ']) || one_line.is_empty();
    let space = if pad { " " } else { "" };
    format!("{fence}{space}{one_line}{space}{fence}")
}

/// `|` escaped for a GFM table cell (also inside code spans, where GFM
/// removes the backslash).
pub fn escape_pipes(cell: &str) -> String {
    cell.replace('|', "\\|")
}

/// A fenced block with info string `info` around `content`, with a fence
/// longer than any run of backticks that starts a line of the content, so
/// no content line can close it.
pub fn fenced(info: &str, content: &str) -> String {
    let longest = content
        .lines()
        .map(|l| longest_prefix_run(l.trim_start(), '`'))
        .max()
        .unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("{fence}{info}\n{content}");
    if !content.is_empty() && !content.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    out
}

/// How many `#` a raw string literal holding `s` needs: one more than the
/// longest run of `#` after a `"`. Linear.
pub fn raw_string_hashes(s: &str) -> usize {
    let mut longest = 0;
    let mut after_quote: Option<usize> = None;
    for b in s.bytes() {
        after_quote = match (b, after_quote) {
            (b'"', _) => Some(0),
            (b'#', Some(n)) => Some(n + 1),
            _ => None,
        };
        if let Some(n) = after_quote {
            longest = longest.max(n);
        }
    }
    longest + 1
}

fn is_plain(text: &str) -> bool {
    let special = |b: &u8| {
        matches!(
            b,
            b'\n' | b'\r' | b'\t' | b'`' | b'~' | b'[' | b']' | b'<' | b'>' | b'\\'
        )
    };
    !text.as_bytes().iter().any(special) && !text.contains("  ") && !text.contains("http")
}

/// A line that opens a fenced block: three or more backticks (with an info
/// string without backticks) or tildes. Returns the fence character and
/// length.
fn fence_opener(line: &str) -> Option<(char, usize)> {
    let c = line.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = longest_prefix_run(line, c);
    (len >= 3 && (c == '~' || !line[len..].contains('`'))).then_some((c, len))
}

fn is_fence_closer(line: &str, c: char, len: usize) -> bool {
    let run = longest_prefix_run(line, c);
    run >= len && line[run..].trim().is_empty()
}

fn push_text_block(content: &[&str], out: &mut String) {
    out.push_str(&fenced("text", &content.join("\n")));
    // `fenced` ends with a line break; the caller adds the next one.
    out.pop();
}

fn longest_prefix_run(s: &str, c: char) -> usize {
    s.chars().take_while(|&x| x == c).count()
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for x in s.chars() {
        run = if x == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// One trimmed line of prose: code spans (runs of one or two backticks
/// closed on the same line) verbatim; everything else escaped, with runs
/// of whitespace collapsed (so nothing reads as indented code) and bare
/// URLs made autolinks. Linear: a search for a closing run that fails is
/// not repeated for that run length.
fn inline_into(line: &str, out: &mut String) {
    let bytes = line.as_bytes();
    let mut no_closer = [false; 3];
    let mut i = 0;
    let mut space = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b' ' || b == b'\t' {
            if !space {
                out.push(' ');
                space = true;
            }
            i += 1;
            continue;
        }
        space = false;
        if b == b'`' || b == b'~' {
            let run = bytes[i..].iter().take_while(|&&x| x == b).count();
            if b == b'`' && run < 3 && !no_closer[run] {
                match find_closing_run(&bytes[i + run..], run) {
                    Some(end) => {
                        let close = i + run + end;
                        out.push_str(&line[i..close + run]);
                        i = close + run;
                        continue;
                    }
                    None => no_closer[run] = true,
                }
            }
            if b == b'~' && run < 3 {
                out.push_str(&line[i..i + run]);
            } else {
                for _ in 0..run {
                    out.push('\\');
                    out.push(b as char);
                }
            }
            i += run;
            continue;
        }
        if b == b'<' || b == b'h' {
            let start = i + usize::from(b == b'<');
            let rest = &line[start..];
            if rest.starts_with("https://") || rest.starts_with("http://") {
                let len = rest
                    .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
                    .unwrap_or(rest.len());
                if b == b'<' {
                    if rest[len..].starts_with('>') {
                        out.push_str(&line[i..start + len + 1]);
                        i = start + len + 1;
                        continue;
                    }
                } else {
                    let url = rest[..len].trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
                    out.push('<');
                    out.push_str(url);
                    out.push('>');
                    i = start + url.len();
                    continue;
                }
            }
        }
        let c = line[i..].chars().next().unwrap_or('\u{fffd}');
        if matches!(c, '[' | ']' | '<' | '>' | '\\') {
            out.push('\\');
        }
        out.push(c);
        i += c.len_utf8();
    }
    if out.ends_with(' ') {
        out.pop();
    }
}

/// The offset in `rest` of the next run of exactly `len` backticks.
fn find_closing_run(rest: &[u8], len: usize) -> Option<usize> {
    let mut i = 0;
    while i < rest.len() {
        if rest[i] == b'`' {
            let run = rest[i..].iter().take_while(|&&x| x == b'`').count();
            if run == len {
                return Some(i);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_markdown_misreads_outside_code_spans() {
        assert_eq!(
            markdown("See [docs] at https://x.io/a. Keep `[a]<b>`, escape <b>."),
            "See \\[docs\\] at <https://x.io/a>. Keep `[a]<b>`, escape \\<b\\>."
        );
        assert_eq!(markdown("go <https://x.io> now"), "go <https://x.io> now");
        assert_eq!(markdown("odd ` [x]"), "odd \\` \\[x\\]");
        assert_eq!(markdown("  plain prose.  "), "plain prose.");
        assert_eq!(markdown("see http://x.io"), "see <http://x.io>");
        assert_eq!(markdown("-     indented"), "- indented");
        assert_eq!(markdown("<script>x</script>"), "\\<script\\>x\\</script\\>");
    }

    #[test]
    fn every_fence_becomes_a_text_block() {
        assert_eq!(
            markdown("a\n\n    indented\n```\nfn x() {}"),
            "a\n\nindented\n\n```text\nfn x() {}\n```"
        );
        assert_eq!(
            markdown("```rust\nfn x() {}\n```\nafter"),
            "\n```text\nfn x() {}\n```\n\nafter"
        );
        assert_eq!(
            markdown("~~~compile_fail\n```\nx\n~~~"),
            "\n````text\n```\nx\n````"
        );
        assert_eq!(markdown("- ```rust"), "- \\`\\`\\`rust");
        assert_eq!(markdown("> ~~~"), "\\> \\~\\~\\~");
    }

    #[test]
    fn code_spans_hold_any_backticks() {
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`"), "`` ` ``");
        assert_eq!(escape_pipes(&code_span("a|b")), "`a\\|b`");
        assert_eq!(table_cell("a\n|b"), "a \\|b");
    }

    #[test]
    fn raw_string_hashes_are_linear_and_enough() {
        assert_eq!(raw_string_hashes("plain"), 1);
        assert_eq!(raw_string_hashes("\"#"), 2);
        assert_eq!(raw_string_hashes("a\"### \"#"), 4);
        let long = format!("\"{}", "#".repeat(100_000));
        assert_eq!(raw_string_hashes(&long), 100_001);
    }

    #[test]
    fn terminal_lines_are_escaped_and_bounded() {
        assert_eq!(terminal_line("a\u{202e}b\r", 10), "a\\u{202e}b\\u{d}");
        let long = "x".repeat(50_000_000);
        assert_eq!(terminal_line(&long, 3), "xxx… (49999997 more bytes)");
    }

    #[test]
    fn linear_on_hostile_lines() {
        // Quadratic before: each URL rescanned the rest of the line.
        let urls = "https://a ".repeat(200_000);
        assert_eq!(markdown(&urls).matches("<https://a>").count(), 200_000);
        let ticks = "`` ` ".repeat(100_000);
        assert!(markdown(&ticks).len() > ticks.len());
    }

    #[test]
    fn forbidden_chars() {
        for c in [
            '\r', '\u{0}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202e}', '\u{202c}', '\u{2028}',
            '\u{2029}', '\u{2066}',
        ] {
            assert!(forbidden_char(c, true).is_some(), "{c:?}");
        }
        assert_eq!(forbidden_char('\n', true), None);
        assert!(forbidden_char('\n', false).is_some());
        assert_eq!(forbidden_char('é', false), None);
    }
}
