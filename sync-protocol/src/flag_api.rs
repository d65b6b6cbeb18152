//! The JSON of `GET /api/flags`: the club's open flags and the resolutions that closed others,
//! shared by the server that answers and the CLI and app that show them. A flag is derived by
//! `clubsync-core` from the records (never stored); what the screens need to say it in any
//! language comes as fields, and `message` says it in English. Times are RFC 3339 UTC.

use serde::{Deserialize, Serialize};

/// `GET /api/flags`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClubFlags {
    /// The flags no resolution covers, by document.
    pub open: Vec<OpenFlag>,
    /// The resolutions in the club's documents, newest first.
    pub resolved: Vec<ResolvedFlag>,
}

/// A flag for a person to deal with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenFlag {
    /// The document the flag is in (its id, without `automerge:`).
    pub document: String,
    /// Its kind: `street_collection`, `event`, `petition`, `materials_stock`.
    pub document_kind: String,
    /// Its title, as the club's index lists it.
    pub document_title: String,
    /// The flag's kind (`tin_issued_twice`, ... as docs/schema.md lists them).
    pub kind: String,
    /// What the flag names (a resolution names the same), sorted.
    pub records: Vec<String>,
    /// Whether a coordinator may resolve it with a note (two active counts need a correcting
    /// count instead).
    pub resolvable: bool,
    /// The flag in English.
    pub message: String,
    /// The tin, for a tin's flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tin: Option<u32>,
    /// The seal number, for a seal used twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<String>,
    /// The member's name, for money handled by an under-16.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// How many records the flag is about (custody entries, counts, signatures).
    pub how_many: usize,
    /// The people a shift needs and how many accepted, for an overbooked shift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed: Option<i64>,
    /// See `needed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<i64>,
    /// The stock now, for negative stock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    /// The cash to bank and what was banked, in minor units of `currency`, for a collection
    /// reconciled with a difference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_minor: Option<i64>,
    /// See `cash_minor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banked_minor: Option<i64>,
    /// The currency of `cash_minor` and `banked_minor` (ISO 4217).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// A resolution, as a coordinator's list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedFlag {
    /// The document it is in.
    pub document: String,
    /// Its title.
    pub document_title: String,
    /// The kind of flag resolved.
    pub kind: String,
    /// `corrected` or `explained`.
    pub how: String,
    /// What the coordinator wrote.
    pub note: String,
    /// Who resolved it (their name in the club).
    pub by: String,
    /// When.
    pub at: String,
}
