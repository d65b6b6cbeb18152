//! Ids the server gives to clubs, invites and devices: random (version 4) UUIDs, written hyphenated.
//!
//! Members are named by `clubsync_core::ids::MemberId`, the id the club document uses for the
//! same person, so the server's member table and the club document's member list agree.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A new random id (UUID version 4, from the operating system's random source).
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }

            /// The id wrapping this UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID.
            pub const fn uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(text: &str) -> Result<Self, uuid::Error> {
                Uuid::parse_str(text.trim()).map(Self)
            }
        }

        /// Stored as the hyphenated text, readable in the `sqlite3` shell.
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0.hyphenated().to_string()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                Uuid::parse_str(value.as_str()?)
                    .map(Self)
                    .map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

uuid_id!(
    /// A club on this server.
    ClubId
);

uuid_id!(
    /// An invite: names it in lists and for withdrawing it, without revealing its code.
    InviteId
);

uuid_id!(
    /// A device (a phone, a laptop, a browser) that redeemed an invite and holds a token.
    DeviceId
);
