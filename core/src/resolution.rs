//! Flag resolutions: a coordinator's record that a flag was looked at and dealt with (who, when,
//! how, and a note), kept in the `resolutions` container of the flag's own document.
//!
//! A resolution names the flag's kind and every record the flag named when it was resolved. It
//! hides the flag while the flag names nothing more: a third issue of a doubly issued tin, or one
//! more volunteer on an overbooked shift, raises the flag again. Resolutions are append-only,
//! like every record; a resolution made on one device hides the flag on every device once it
//! syncs. Documents made before resolutions existed lack the container until the server adds it
//! (`document::add_missing_containers`): devices never create containers, which two of them
//! could do concurrently, hiding one of the two.

use std::collections::BTreeSet;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType};

use crate::collection::parse_key;
use crate::document::{self, TypedDocument};
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::flags::Flag;
use crate::ids::{MemberId, ResolutionId};
use crate::text_enum::text_enum;
use crate::timestamp::Timestamp;

/// The container resolutions live in.
pub const CONTAINER: &str = "resolutions";

/// How a flag was dealt with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Resolved {
    /// A record was put right (a correcting count, a reversal, a returned tin).
    Corrected,
    /// Checked, and nothing needs correcting (two people who share a name and a postcode).
    Explained,
}

text_enum!(Resolved {
    Corrected => "corrected",
    Explained => "explained",
});

/// A resolution as the document holds it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FlagResolution {
    /// Its id, made on the device.
    pub id: ResolutionId,
    /// The kind of flag resolved ([`Flag::kind`]).
    pub kind: String,
    /// What the flag named when it was resolved ([`Flag::records`]).
    pub records: BTreeSet<String>,
    /// How it was dealt with.
    pub how: Resolved,
    /// What the coordinator wrote.
    pub note: String,
    /// The coordinator.
    pub by: MemberId,
    /// The device they resolved it on.
    pub device: String,
    /// When.
    pub at: Timestamp,
}

impl FlagResolution {
    /// Whether this resolution hides `flag`: the same kind, and the flag names nothing the
    /// resolution did not.
    pub fn covers(&self, flag: &Flag) -> bool {
        self.kind == flag.kind() && flag.records().iter().all(|r| self.records.contains(r))
    }
}

/// A resolution to record.
#[derive(Clone, Debug)]
pub struct NewResolution<'a> {
    /// Its id, made on the device.
    pub id: ResolutionId,
    /// The flag resolved, as the document's `flags` gave it.
    pub flag: &'a Flag,
    /// How it was dealt with.
    pub how: Resolved,
    /// What the coordinator writes (required).
    pub note: &'a str,
    /// The coordinator.
    pub by: MemberId,
    /// This device's id.
    pub device: &'a str,
    /// When.
    pub at: Timestamp,
}

/// The flags of `flags` that no resolution covers.
pub fn open(flags: Vec<Flag>, resolutions: &[FlagResolution]) -> Vec<Flag> {
    flags
        .into_iter()
        .filter(|f| !resolutions.iter().any(|r| r.covers(f)))
        .collect()
}

/// The documents whose flags a coordinator resolves: reads and writes their `resolutions`.
pub trait Resolvable: TypedDocument {
    /// Every resolution in the document (none in a document made before resolutions existed).
    fn resolutions(&self) -> Result<Vec<FlagResolution>, SchemaError> {
        let Some(container) = MapReader::root(self.automerge()).opt_map(CONTAINER)? else {
            return Ok(Vec::new());
        };
        container
            .records()?
            .iter()
            .map(|(key, r)| read_resolution(parse_key(CONTAINER, key)?, r))
            .collect()
    }

    /// Records that `new.flag` was dealt with. Refused for a flag only a record can resolve (two
    /// active counts), an empty note, a duplicate id, and a document the server has not yet
    /// given a `resolutions` container.
    fn resolve_flag(&mut self, new: &NewResolution<'_>) -> Result<ResolutionId, RecordError> {
        if !new.flag.resolvable() {
            return Err(RecordError::FlagNotResolvable(new.flag.kind()));
        }
        let note = new.note.trim();
        if note.is_empty() {
            return Err(RecordError::EmptyField("note"));
        }
        let doc: &mut Automerge = self.automerge_mut();
        let Some(container) = MapReader::root(&*doc).opt_map(CONTAINER)? else {
            return Err(RecordError::NotUpgradedYet(CONTAINER));
        };
        if container.has(&new.id.key()) {
            return Err(RecordError::DuplicateId(new.id.key()));
        }
        let parent = container.obj().clone();
        let record = Record::new()
            .with("kind", new.flag.kind())
            .with("how", new.how.as_str())
            .with("note", note)
            .with("by", new.by.key())
            .with("device", new.device)
            .with("at", new.at);
        let records = new.flag.records();
        document::write(doc, new.at, |tx| {
            let obj = record.insert(tx, &parent, &new.id.key())?;
            let named = tx.put_object(&obj, "records", ObjType::Map)?;
            for path in &records {
                tx.put(&named, path.as_str(), true)?;
            }
            Ok(())
        })?;
        Ok(new.id)
    }

    /// The document's flags that no resolution covers.
    fn open_flags(&self, flags: Vec<Flag>) -> Result<Vec<Flag>, SchemaError> {
        Ok(open(flags, &self.resolutions()?))
    }
}

/// Reads one resolution (also the record rules' reader).
pub(crate) fn read_resolution(
    id: ResolutionId,
    r: &MapReader<'_, impl automerge::ReadDoc>,
) -> Result<FlagResolution, SchemaError> {
    let kind = r.str("kind")?;
    if !Flag::KINDS.contains(&kind.as_str()) {
        return Err(SchemaError::Invalid {
            path: format!("{CONTAINER}/{}/kind", id.key()),
            problem: format!("{kind:?} is not a kind of flag"),
        });
    }
    let records: BTreeSet<String> = r.map("records")?.keys().into_iter().collect();
    if records.is_empty() {
        return Err(SchemaError::Invalid {
            path: format!("{CONTAINER}/{}/records", id.key()),
            problem: "a resolution names what the flag named".into(),
        });
    }
    Ok(FlagResolution {
        id,
        kind,
        records,
        how: r.parse("how")?,
        note: r.str("note")?,
        by: r.parse("by")?,
        device: r.str("device")?,
        at: r.time("at")?,
    })
}

impl Resolvable for crate::collection::StreetCollection {}
impl Resolvable for crate::event::Event {}
impl Resolvable for crate::petition::Petition {}
impl Resolvable for crate::stock::MaterialsStock {}

/// The flags of one document of any kind, split into open ones and the resolutions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentFlags {
    /// The flags no resolution covers.
    pub open: Vec<Flag>,
    /// Every resolution in the document.
    pub resolutions: Vec<FlagResolution>,
}

/// The flags of `doc` (a street collection's read with the club's members), open and resolved.
/// A kind without flags (a club, a sponsored activity) has none.
pub fn document_flags(
    doc: Automerge,
    club: &crate::club::Club,
) -> Result<DocumentFlags, SchemaError> {
    use crate::document::DocumentKind;
    fn split<D: Resolvable>(d: &D, flags: Vec<Flag>) -> Result<DocumentFlags, SchemaError> {
        let resolutions = d.resolutions()?;
        Ok(DocumentFlags {
            open: open(flags, &resolutions),
            resolutions,
        })
    }
    match DocumentKind::of(&doc)? {
        DocumentKind::StreetCollection => {
            let c = crate::collection::StreetCollection::from_automerge(doc)?;
            let mut flags = c.flags()?;
            flags.extend(c.age_flags(club)?);
            split(&c, flags)
        }
        DocumentKind::Event => {
            let e = crate::event::Event::from_automerge(doc)?;
            split(&e, e.flags()?)
        }
        DocumentKind::Petition => {
            let p = crate::petition::Petition::from_automerge(doc)?;
            split(&p, p.flags()?)
        }
        DocumentKind::MaterialsStock => {
            let s = crate::stock::MaterialsStock::from_automerge(doc)?;
            split(&s, s.flags()?)
        }
        _ => Ok(DocumentFlags::default()),
    }
}
