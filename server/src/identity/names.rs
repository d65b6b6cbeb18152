//! The rule for names people type (club names, display names, device names).

use super::error::IdentityError;

/// The longest name, in characters: enough for "Amnesty Group Leeds University Students' Union".
pub const MAX_NAME_CHARS: usize = 100;

/// The name without surrounding spaces, or an error when it is empty, too long, or holds control
/// characters (which would garble terminal and CSV output).
pub(super) fn clean(what: &'static str, text: &str) -> Result<String, IdentityError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(IdentityError::EmptyName { what });
    }
    let len = name.chars().count();
    if len > MAX_NAME_CHARS {
        return Err(IdentityError::NameTooLong {
            what,
            len,
            max: MAX_NAME_CHARS,
        });
    }
    // Control characters are replaced rather than refused: a pasted name with a tab still works.
    Ok(name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(clean("club name", "  Leeds  ").expect("fine"), "Leeds");
        assert_eq!(clean("club name", "a\tb").expect("fine"), "a b");
        assert!(matches!(
            clean("club name", "   "),
            Err(IdentityError::EmptyName { .. })
        ));
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert!(matches!(
            clean("club name", &long),
            Err(IdentityError::NameTooLong { .. })
        ));
    }
}
