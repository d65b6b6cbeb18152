//! Device tokens: the secret a device presents on every connection.
//!
//! A token is 256 bits from the operating system's random source, shown once to the device as
//! `cst_` followed by 64 lowercase hex digits. The server keeps only its SHA-256: a copy of the
//! database does not let anyone sync as a device. A plain (unsalted, fast) hash is enough because
//! the secret is 256 random bits, not a password that could be guessed; and looking a token up by
//! its hash means no comparison ever runs on the secret itself.

use std::fmt;

use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use super::error::IdentityError;

/// What every device token starts with, so a leaked one is recognisable (in logs, in secret
/// scanners) as a clubsync server token.
pub const TOKEN_PREFIX: &str = "cst_";

/// How many random bytes a token holds.
const TOKEN_BYTES: usize = 32;

/// A device's secret token, as handed to the device when it redeems an invite.
///
/// Its `Debug` hides the secret; [`DeviceToken::as_str`] is the only way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceToken {
    text: String,
}

impl DeviceToken {
    /// A new random token and the hash to store for it.
    pub(super) fn generate() -> Result<(Self, [u8; 32]), IdentityError> {
        let bytes: [u8; TOKEN_BYTES] = random_bytes()?;
        let text = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
        Ok((Self { text }, sha256(&bytes)))
    }

    /// The token as the device must present it (`Authorization: Bearer <token>` or
    /// `?token=<token>`). Show it to the device once; never log it.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for DeviceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceToken({TOKEN_PREFIX}<secret>)")
    }
}

/// The stored hash of a presented token, or [`IdentityError::MalformedToken`] when the text does
/// not have a token's shape (so it cannot belong to any device).
pub(super) fn hash_presented(token: &str) -> Result<[u8; 32], IdentityError> {
    let hex_part = token
        .trim()
        .strip_prefix(TOKEN_PREFIX)
        .ok_or(IdentityError::MalformedToken)?;
    if hex_part.len() != TOKEN_BYTES * 2 {
        return Err(IdentityError::MalformedToken);
    }
    let mut bytes = [0u8; TOKEN_BYTES];
    hex::decode_to_slice(hex_part, &mut bytes).map_err(|_| IdentityError::MalformedToken)?;
    Ok(sha256(&bytes))
}

/// SHA-256 of `bytes`.
pub(super) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `N` bytes from the operating system's random source.
pub(super) fn random_bytes<const N: usize>() -> Result<[u8; N], IdentityError> {
    let mut bytes = [0u8; N];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| IdentityError::Randomness(e.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_the_prefix_and_64_hex_digits() {
        let (token, _) = DeviceToken::generate().expect("random bytes");
        let text = token.as_str();
        assert!(text.starts_with(TOKEN_PREFIX));
        assert_eq!(text.len(), TOKEN_PREFIX.len() + 64);
        assert!(
            text[TOKEN_PREFIX.len()..]
                .chars()
                .all(|c| c.is_ascii_hexdigit())
        );
    }

    #[test]
    fn a_presented_token_hashes_to_the_stored_hash() {
        let (token, stored) = DeviceToken::generate().expect("random bytes");
        assert_eq!(hash_presented(token.as_str()).expect("well formed"), stored);
        assert_eq!(
            hash_presented(&format!(" {} ", token.as_str())).expect("trimmed"),
            stored
        );
    }

    #[test]
    fn two_tokens_differ() {
        let (a, _) = DeviceToken::generate().expect("random bytes");
        let (b, _) = DeviceToken::generate().expect("random bytes");
        assert_ne!(a, b);
    }

    #[test]
    fn malformed_tokens_are_named_so() {
        let good_hex = "ab".repeat(32);
        for bad in [
            String::new(),
            good_hex.clone(),                     // no prefix
            format!("cst_{}", &good_hex[..62]),   // too short
            format!("cst_{good_hex}00"),          // too long
            format!("cst_{}zz", &good_hex[..62]), // not hex
            format!("xyz_{good_hex}"),
        ] {
            assert!(
                matches!(hash_presented(&bad), Err(IdentityError::MalformedToken)),
                "{bad:?} should be malformed"
            );
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let (token, _) = DeviceToken::generate().expect("random bytes");
        let shown = format!("{token:?}");
        assert!(!shown.contains(&token.as_str()[TOKEN_PREFIX.len()..]));
    }
}
