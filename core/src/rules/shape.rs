//! Where each kind of document may be written after it is created: its root fields that never
//! change, its containers, and for each container's records the fields that may change.
//!
//! This is the machine-readable half of docs/schema.md ("Rules every writer follows"); the
//! fields of each record are checked in `records`.

use crate::document::DocumentKind;

/// How the entries of a container may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entries {
    /// Records (maps under a UUID or number key): added whole, never deleted or overwritten.
    Records {
        /// Fields that may be overwritten (last writer wins).
        lww: &'static [&'static str],
        /// Fields added later, once (a tin's return): written without overwriting.
        once: &'static [&'static str],
        /// Nested maps that may gain keys (a count's `signatures`), never lose them.
        add_only: &'static [&'static str],
    },
    /// A status: one key per stage reached, added, never removed or changed.
    Stages,
    /// Plain values (settings, permit fields, petition targets): last writer wins; never deleted.
    Values,
}

/// A container of a document kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Container {
    /// Its root key.
    pub name: &'static str,
    /// How its entries may change.
    pub entries: Entries,
}

/// Where a kind of document may be written once it exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Root fields that never change after the first change (identity and accounting).
    pub fixed: &'static [&'static str],
    /// Root fields written later, once (a petition's `frozen_at` with its first signature):
    /// added without overwriting, never changed or deleted.
    pub once: &'static [&'static str],
    /// The containers.
    pub containers: &'static [Container],
    /// Containers that documents made by earlier builds lack (`resolutions`): a new document
    /// may come without them, and the server adds them (`document::add_missing_containers`).
    pub added_later: &'static [&'static str],
}

impl Shape {
    /// The container named `name`, if the kind has one.
    pub fn container(&self, name: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == name)
    }
}

const fn records(name: &'static str) -> Container {
    Container {
        name,
        entries: Entries::Records {
            lww: &[],
            once: &[],
            add_only: &[],
        },
    }
}

const RESOLUTIONS: &str = crate::resolution::CONTAINER;

const FIXED: &[&str] = &["kind", "schema_version", "created_at", "club"];

const CLUB: Shape = Shape {
    fixed: &["kind", "schema_version", "created_at"],
    once: &[],
    containers: &[
        Container {
            name: "settings",
            entries: Entries::Values,
        },
        Container {
            name: "members",
            entries: Entries::Records {
                lww: &["display_name", "contact", "role", "age16plus"],
                once: &["left_at"],
                add_only: &[],
            },
        },
        Container {
            name: "documents",
            entries: Entries::Records {
                lww: &["title"],
                once: &[],
                add_only: &[],
            },
        },
    ],
    added_later: &[],
};

const STREET_COLLECTION: Shape = Shape {
    fixed: &["kind", "schema_version", "created_at", "club", "currency"],
    once: &[],
    containers: &[
        Container {
            name: "permit",
            entries: Entries::Values,
        },
        Container {
            name: "status",
            entries: Entries::Stages,
        },
        records("tins"),
        Container {
            name: "custody",
            entries: Entries::Records {
                lww: &[],
                once: &["returned_at", "returned_to", "seal_intact"],
                add_only: &[],
            },
        },
        records("donations"),
        records("reversals"),
        Container {
            name: "counts",
            entries: Entries::Records {
                lww: &[],
                once: &[],
                add_only: &["signatures"],
            },
        },
        records("ledger"),
        records("returns"),
        records(RESOLUTIONS),
    ],
    added_later: &[RESOLUTIONS],
};

const PETITION: Shape = Shape {
    fixed: FIXED,
    once: &["frozen_at", "frozen_hash"],
    containers: &[
        Container {
            name: "targets",
            entries: Entries::Values,
        },
        records("signatures"),
        records("consents"),
        records(RESOLUTIONS),
    ],
    added_later: &[RESOLUTIONS],
};

const EVENT: Shape = Shape {
    fixed: FIXED,
    once: &[],
    containers: &[
        Container {
            name: "status",
            entries: Entries::Stages,
        },
        records("shifts"),
        Container {
            name: "assignments",
            entries: Entries::Records {
                lww: &["status", "attended"],
                once: &[],
                add_only: &[],
            },
        },
        records(RESOLUTIONS),
    ],
    added_later: &[RESOLUTIONS],
};

const SPONSORED_ACTIVITY: Shape = Shape {
    fixed: &[
        "kind",
        "schema_version",
        "created_at",
        "club",
        "currency",
        "unit",
        "participant",
    ],
    once: &[],
    containers: &[
        Container {
            name: "pledges",
            entries: Entries::Records {
                lww: &["amount_minor"],
                once: &[],
                add_only: &[],
            },
        },
        records("payments"),
    ],
    added_later: &[],
};

const MATERIALS_STOCK: Shape = Shape {
    fixed: FIXED,
    once: &[],
    containers: &[records("items"), records("movements"), records(RESOLUTIONS)],
    added_later: &[RESOLUTIONS],
};

/// Where documents of `kind` may be written.
pub fn of(kind: DocumentKind) -> &'static Shape {
    match kind {
        DocumentKind::Club => &CLUB,
        DocumentKind::StreetCollection => &STREET_COLLECTION,
        DocumentKind::Petition => &PETITION,
        DocumentKind::Event => &EVENT,
        DocumentKind::SponsoredActivity => &SPONSORED_ACTIVITY,
        DocumentKind::MaterialsStock => &MATERIALS_STOCK,
    }
}

/// Adds to `doc` the containers of its kind that it lacks (a document made by an earlier build
/// has no `resolutions`), in one change at `at`; returns their names, empty when it lacks none.
///
/// Only the server calls this, as the one writer of every document's containers: devices never
/// create a container, since two devices doing it concurrently would each make one and the
/// merge would hide one of them with its records.
pub fn add_missing_containers(
    doc: &mut automerge::Automerge,
    at: crate::timestamp::Timestamp,
) -> Result<Vec<&'static str>, crate::error::RecordError> {
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;

    let kind = DocumentKind::of(doc)?;
    let missing: Vec<&'static str> = of(kind)
        .containers
        .iter()
        .map(|c| c.name)
        .filter(|name| !matches!(doc.get(automerge::ROOT, *name), Ok(Some(_))))
        .collect();
    if missing.is_empty() {
        return Ok(missing);
    }
    crate::document::write(doc, at, |tx| {
        for name in &missing {
            tx.put_object(automerge::ROOT, *name, automerge::ObjType::Map)?;
        }
        Ok(())
    })?;
    Ok(missing)
}
