//! The display-width rule: terminal cells per string, after Unicode's East Asian Width
//! (UAX #11), as the `unicode-width` crate implements it.

use unicode_width::UnicodeWidthStr;

/// Terminal cells a string takes: Hangul syllables, CJK ideographs and full-width forms
/// take two, combining marks and zero-width characters none, control characters one (a
/// table shows them escaped or as one replacement cell).
///
/// # Example
/// ```
/// use fep_core::text::display_width;
///
/// assert_eq!(display_width("abc"), 3);
/// assert_eq!(display_width("홍길동"), 6);
/// assert_eq!(display_width("ＡＢ"), 4);
/// assert_eq!(display_width("e\u{301}"), 1); // e and a combining acute accent
/// ```
pub fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Terminal cells a character takes on its own: [`display_width`] of the one-character
/// string, so the two never disagree.
///
/// # Example
/// ```
/// use fep_core::text::char_width;
///
/// assert_eq!(char_width('a'), 1);
/// assert_eq!(char_width('홍'), 2);
/// assert_eq!(char_width('\u{301}'), 0);
/// ```
pub fn char_width(c: char) -> usize {
    display_width(c.encode_utf8(&mut [0; 4]))
}

/// `text` in at most `cells` terminal cells by [`display_width`]: as it is when it fits,
/// else cut and ending in `...`. (Not `…`: Korean terminals draw it two cells wide, as
/// they do every East Asian ambiguous character.) A character that would overrun is left
/// out whole; fewer than 3 cells give `...` all the same.
///
/// # Example
/// ```
/// use fep_core::text::cut;
///
/// assert_eq!(cut("TESTCO0001", 10), "TESTCO0001");
/// assert_eq!(cut("TESTCO0001", 8), "TESTC...");
/// assert_eq!(cut("홍길동전", 7), "홍길...");
/// ```
pub fn cut(text: &str, cells: usize) -> String {
    if display_width(text) <= cells {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w + 3 > cells {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::{char_width, display_width};

    #[test]
    fn ascii_is_one_cell_a_character() {
        assert_eq!(display_width(""), 0);
        assert_eq!(display_width("abc 123"), 7);
        assert_eq!(display_width("\"TESTCO0001\""), 12);
    }

    #[test]
    fn hangul_cjk_and_full_width_forms_take_two() {
        assert_eq!(display_width("홍길동"), 6);
        assert_eq!(display_width("입금계좌예금주명"), 16);
        assert_eq!(display_width("ＡＢ"), 4);
        assert_eq!(display_width("ＫＩＭ"), 6);
        assert_eq!(display_width("漢字"), 4);
        assert_eq!(display_width("カナ"), 4);
        // The ideographic (full-width) space, as padding in EUC-KR text.
        assert_eq!(display_width("\u{3000}"), 2);
        // A leading jamo is a wide letter; as in the syllable, it takes two.
        assert_eq!(display_width("\u{1100}"), 2);
        assert_eq!(display_width("CMS코드"), 7);
    }

    #[test]
    fn combining_marks_take_none() {
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(display_width("a\u{300}\u{323}"), 1);
        assert_eq!(char_width('\u{301}'), 0);
        // A syllable spelled in conjoining jamo: the vowel and final add nothing.
        assert_eq!(display_width("\u{1112}\u{1169}\u{11BC}"), 2);
        assert_eq!(display_width("\u{200B}"), 0);
    }

    #[test]
    fn control_characters_take_one() {
        assert_eq!(display_width("\u{1}"), 1);
        assert_eq!(display_width("\u{7f}"), 1);
        assert_eq!(char_width('\u{1}'), 1);
    }

    #[test]
    fn a_character_is_as_wide_as_the_string_of_it() {
        for c in [
            'a', '홍', 'Ａ', '\u{301}', '\u{1}', '\t', '😀', '\u{1100}', '\u{11BC}',
        ] {
            assert_eq!(char_width(c), display_width(&c.to_string()), "{c:?}");
        }
    }

    #[test]
    fn a_cut_keeps_to_its_cells() {
        assert_eq!(super::cut("\"ABCDEFGH\"", 10), "\"ABCDEFGH\"");
        assert_eq!(super::cut("\"ABCDEFGHI\"", 10), "\"ABCDEF...");
        // Hangul is two cells: a syllable that would overrun is left out whole.
        assert_eq!(super::cut("\"김밥천국신촌점\"", 10), "\"김밥천...");
        assert_eq!(super::cut("\"김밥천국신촌점\"", 9), "\"김밥...");
        assert_eq!(super::cut("abcd", 2), "...");
    }
}
