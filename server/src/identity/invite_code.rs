//! Invite codes: the one-time secret a coordinator passes on to a new device.
//!
//! A code is 17 characters of an alphabet without look-alikes (no 0/O, 1/I/L, U), grouped as
//! `K7QM-X2PA-9FTR-WXYZ3` to be read aloud or typed from a screen: 83 bits, out of reach of
//! guessing however many tries a network allows. Only a keyed hash of it is stored
//! (HMAC-SHA256 under the server's invite key, [`InviteKey`], a file of the data directory that
//! the database and its backups do not hold), so a copy of the database alone does not let
//! anyone try codes offline. Typing is forgiving: case, dashes and spaces do not matter.
//!
//! Codes made before this (10 characters, 49 bits, stored as plain SHA-256) still redeem until
//! they expire: their length tells them apart.

use std::fmt;

use clubsync_core::club::Role;
use clubsync_core::timestamp::Timestamp;

use super::error::IdentityError;
use super::ids::{ClubId, InviteId};
use super::token::{random_bytes, sha256};

/// The file of the data directory that holds the invite key.
pub const INVITE_KEY_FILE: &str = "invite-key";

/// The characters of a code: digits and capitals without 0, 1, I, L, O and U.
const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// How many characters a code has (dashes not counted): 17 x log2(30) = 83 bits.
const CODE_CHARS: usize = 17;

/// How many characters the codes made before the keyed hash had.
const LEGACY_CODE_CHARS: usize = 10;

/// The server's secret for invite codes: the key of their HMAC-SHA256. 32 random bytes in
/// [`INVITE_KEY_FILE`] (mode `0600`), made on first use. Without it (a database restored
/// elsewhere) the unused invites no longer redeem, and are made again.
pub struct InviteKey(ring::hmac::Key);

impl InviteKey {
    /// The key of `data_dir`, made now if there is none.
    pub(super) fn load_or_create(data_dir: &std::path::Path) -> Result<Self, IdentityError> {
        let path = data_dir.join(INVITE_KEY_FILE);
        let io = |source| IdentityError::DataDir {
            path: path.clone(),
            source,
        };
        let bytes = match std::fs::read(&path) {
            Ok(bytes) if bytes.len() == 32 => bytes,
            Ok(_) => {
                return Err(IdentityError::Corrupt {
                    what: "invite key",
                    value: format!("{} is not 32 bytes", path.display()),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let bytes = random_bytes::<32>()?;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                std::io::Write::write_all(&mut options.open(&path).map_err(io)?, &bytes)
                    .map_err(io)?;
                bytes.to_vec()
            }
            Err(e) => return Err(io(e)),
        };
        Ok(Self(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes)))
    }

    /// What is stored for a code: its keyed hash (a legacy code: its SHA-256).
    pub(super) fn hash(&self, plain: &str) -> [u8; 32] {
        if plain.len() == LEGACY_CODE_CHARS {
            return sha256(plain.as_bytes());
        }
        let tag = ring::hmac::sign(&self.0, plain.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

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
    /// The code, grouped for reading (`K7QM-X2PA-9FTR-WXYZ3`).
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
    let shown = format!(
        "{}-{}-{}-{}",
        &plain[..4],
        &plain[4..8],
        &plain[8..12],
        &plain[12..]
    );
    Ok((shown, plain))
}

/// The code as typed, reduced to its 17 characters (10 for a legacy code), or
/// [`IdentityError::MalformedInvite`].
pub(super) fn normalise(typed: &str) -> Result<String, IdentityError> {
    let plain: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = (plain.len() == CODE_CHARS || plain.len() == LEGACY_CODE_CHARS)
        && plain.bytes().all(|b| ALPHABET.contains(&b));
    if valid {
        Ok(plain)
    } else {
        // Echo back a bounded amount of what was typed.
        Err(IdentityError::MalformedInvite(
            typed.chars().take(32).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_use_the_alphabet() {
        let (shown, plain) = generate_code().expect("random bytes");
        assert_eq!(shown.len(), 20);
        assert_eq!(shown.replace('-', ""), plain);
        assert_eq!(&shown[4..5], "-");
        assert_eq!(&shown[9..10], "-");
        assert_eq!(&shown[14..15], "-");
        assert!(plain.bytes().all(|b| ALPHABET.contains(&b)));
    }

    #[test]
    fn typing_is_forgiving_about_case_dashes_and_spaces() {
        assert_eq!(
            normalise("k7qm-x2pa-9ftr-wxyz3").expect("valid"),
            "K7QMX2PA9FTRWXYZ3"
        );
        assert_eq!(
            normalise(" K7QM X2PA 9FTR WXYZ3 ").expect("valid"),
            "K7QMX2PA9FTRWXYZ3"
        );
        assert_eq!(
            normalise("k7qm-x2pa-9f").expect("a legacy code"),
            "K7QMX2PA9F"
        );
    }

    #[test]
    fn the_stored_hash_is_keyed_and_the_key_is_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = InviteKey::load_or_create(dir.path()).expect("made");
        let again = InviteKey::load_or_create(dir.path()).expect("read back");
        let other = InviteKey::load_or_create(tempfile::tempdir().expect("dir").path())
            .expect("another server's");
        let code = "K7QMX2PA9FTRWXYZ3";
        assert_eq!(key.hash(code), again.hash(code));
        assert_ne!(key.hash(code), other.hash(code), "keyed");
        assert_ne!(key.hash(code), sha256(code.as_bytes()));
        assert_eq!(
            key.hash("K7QMX2PA9F"),
            sha256(b"K7QMX2PA9F"),
            "a legacy code"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dir.path().join(INVITE_KEY_FILE)).expect("the file");
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn codes_of_the_wrong_shape_are_malformed() {
        for bad in [
            "",
            "K7QM-X2PA",
            "K7QM-X2PA-9F2",
            "K7QM-X2PA-9FTR-WXYZ",
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
