//! Text from records, as the terminal shows it. A member's name, a note or a title was typed on
//! another device, perhaps by someone hostile: its control characters (escape sequences that
//! move the cursor, rewrite what is on screen or set the window's title) and the characters that
//! reorder text on screen are shown as visible escapes, never sent to the terminal as they are.

use std::borrow::Cow;

/// `text` with every control and bidirectional-override character escaped (`\u{1b}`).
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_shown_not_obeyed_and_plain_names_are_untouched() {
        assert_eq!(safe("Kim Min-jun"), "Kim Min-jun");
        assert_eq!(safe("김민준"), "김민준");
        assert_eq!(
            safe("Ana\u{1b}]0;pwned\u{7}\u{1b}[2J"),
            "Ana\\u{1b}]0;pwned\\u{7}\\u{1b}[2J"
        );
        assert_eq!(safe("line\nbreak"), "line\\u{a}break");
        assert_eq!(safe("abc\u{202e}fed"), "abc\\u{202e}fed");
    }
}
