//! What a client sent, as the log shows it: a record's key, a kind name or the text of an error
//! about a peer's message may be as long as a frame and hold newlines or escape sequences, so
//! every such string is capped and its control characters are escaped before it is logged (no
//! forged log lines, no log that one client can fill).

use std::fmt::Display;

/// The most characters of one peer-controlled string a log line holds.
pub const MAX_LOGGED_CHARS: usize = 256;

/// `value` as text, control characters escaped, cut at [`MAX_LOGGED_CHARS`] with how much more
/// there was.
pub fn capped(value: impl Display) -> String {
    let text = value.to_string();
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == MAX_LOGGED_CHARS {
            let rest = text.chars().count() - n;
            out.push_str(&format!("... ({rest} more characters)"));
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_are_cut_and_control_characters_escaped() {
        assert_eq!(capped("donations/abc"), "donations/abc");
        assert_eq!(
            capped("x\nINFO forged line\u{1b}[2J"),
            "x\\nINFO forged line\\u{1b}[2J"
        );
        let long = "k".repeat(10_000);
        let logged = capped(&long);
        assert!(logged.len() < 300, "{}", logged.len());
        assert!(logged.ends_with("(9744 more characters)"), "{logged}");
    }
}
