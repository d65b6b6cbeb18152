//! Invite codes: the one-time secret a coordinator passes on to a new device.
//!
//! A code is 10 characters of an alphabet without look-alikes (no 0/O, 1/I/L, U), grouped as
//! `K7QM-X2PA-9F` to be read aloud or typed from a screen: about 49 bits, plenty for a code
//! that works once and expires within days. Only its SHA-256 is stored. Typing is forgiving:
//! case, dashes and spaces do not matter.

use std::fmt;

use clubsync_core::club::Role;
use clubsync_core::timestamp::Timestamp;

use super::error::IdentityError;
use super::ids::{ClubId, InviteId};
use super::token::{random_bytes, sha256};

/// The characters of a code: digits and capitals without 0, 1, I, L, O and U.
const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// How many characters a code has (dashes not counted).
const CODE_CHARS: usize = 10;

/// A new invite, as handed to its creator: the code to pass on, and what it grants.
///
/// `Display` writes the code, for showing it to the person who passes it on; `Debug` hides it,
/// so logging the value by accident does not leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct InviteCode {
    pub(super) code: String,
    /// The invite's id, to list or withdraw it without its code.
    pub id: InviteId,
    /// The club the invite joins.
    pub club: ClubId,
    /// The role of the member it makes (or the existing member's role now).
    pub role: Role,
    /// When it stops working if unused.
    pub expires_at: Timestamp,
}

impl InviteCode {
    /// The code, grouped for reading (`K7QM-X2PA-9F`).
    pub fn as_str(&self) -> &str {
        &self.code
    }
}

impl fmt::Display for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl fmt::Debug for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteCode")
            .field("code", &"<secret>")
            .field("id", &self.id)
            .field("club", &self.club)
            .field("role", &self.role)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A new random code, as shown (with dashes) and as hashed (without).
pub(super) fn generate_code() -> Result<(String, String), IdentityError> {
    let mut plain = String::with_capacity(CODE_CHARS);
    while plain.len() < CODE_CHARS {
        // 240 is the largest multiple of 30 that fits a byte: taking only bytes below it keeps
        // every character equally likely.
        for byte in random_bytes::<16>()? {
            if byte < 240 && plain.len() < CODE_CHARS {
                plain.push(char::from(ALPHABET[usize::from(byte % 30)]));
            }
        }
    }
    let shown = format!("{}-{}-{}", &plain[..4], &plain[4..8], &plain[8..]);
    Ok((shown, plain))
}

/// The code as typed, reduced to its 10 characters, or [`IdentityError::MalformedInvite`].
pub(super) fn normalise(typed: &str) -> Result<String, IdentityError> {
    let plain: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = plain.len() == CODE_CHARS && plain.bytes().all(|b| ALPHABET.contains(&b));
    if valid {
        Ok(plain)
    } else {
        // Echo back a bounded amount of what was typed.
        Err(IdentityError::MalformedInvite(
            typed.chars().take(32).collect(),
        ))
    }
}

/// What is stored for a code: the SHA-256 of its 10 characters.
pub(super) fn code_hash(plain: &str) -> [u8; 32] {
    sha256(plain.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_use_the_alphabet() {
        let (shown, plain) = generate_code().expect("random bytes");
        assert_eq!(shown.len(), 12);
        assert_eq!(shown.replace('-', ""), plain);
        assert_eq!(&shown[4..5], "-");
        assert_eq!(&shown[9..10], "-");
        assert!(plain.bytes().all(|b| ALPHABET.contains(&b)));
    }

    #[test]
    fn typing_is_forgiving_about_case_dashes_and_spaces() {
        assert_eq!(normalise("k7qm-x2pa-9f").expect("valid"), "K7QMX2PA9F");
        assert_eq!(normalise(" K7QM X2PA 9F ").expect("valid"), "K7QMX2PA9F");
    }

    #[test]
    fn codes_of_the_wrong_shape_are_malformed() {
        for bad in [
            "",
            "K7QM-X2PA",
            "K7QM-X2PA-9F2",
            "K7QM-X2PA-0F",
            "K7QM-X2PA-IF",
            "K7QM-X2PA-9É",
        ] {
            assert!(
                matches!(normalise(bad), Err(IdentityError::MalformedInvite(_))),
                "{bad:?}"
            );
        }
    }
}
