//! The club document: profile and settings, members and roles, and the index of the club's
//! other documents. Every field is last-writer-wins; members are never deleted, only changed.

use automerge::{ActorId, Automerge};
use clubsync_protocol::ids::DocumentId;

use crate::currency::Currency;
use crate::document::{self, DocumentKind, TypedDocument};
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::ids::MemberId;
use crate::text_enum::text_enum;
use crate::time_zone::ClubTimeZone;
use crate::timestamp::Timestamp;

const CONTAINERS: &[&str] = &["settings", "members", "documents"];

/// What kind of club this is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ClubType {
    /// A school club.
    School,
    /// A workplace club.
    Workplace,
    /// A community club.
    Community,
}

/// A member's role, which decides what their devices may read and write.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Role {
    /// Reads and writes everything of the club; manages members and devices.
    Coordinator,
    /// Reads the club document; reads and writes activity documents.
    Volunteer,
    /// Reads only.
    Observer,
}

text_enum!(ClubType { School => "school", Workplace => "workplace", Community => "community" });
text_enum!(Role { Coordinator => "coordinator", Volunteer => "volunteer", Observer => "observer" });

/// A member of the club (personal data).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Member {
    /// The member's id.
    pub id: MemberId,
    /// The name shown to other members.
    pub display_name: String,
    /// How to reach the member (email or phone), if they gave it.
    pub contact: Option<String>,
    /// The member's role.
    pub role: Role,
    /// Whether the member is 16 or over (no birth date is kept). Under-16s never handle money.
    pub age16plus: bool,
}

/// A document of the club, as listed in the club's index.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IndexedDocument {
    /// The document's id.
    pub id: DocumentId,
    /// Its kind.
    pub kind: DocumentKind,
    /// A title to list it by.
    pub title: String,
}

/// The club's profile.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ClubProfile {
    /// The club's name.
    pub name: String,
    /// School, workplace or community.
    pub club_type: ClubType,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// The currency the club keeps its accounts in.
    pub currency: Currency,
    /// The tz database name of the club's clock (`Asia/Seoul`): every date is shown on it.
    /// [`ClubProfile::default_time_zone`] gives the country's.
    pub time_zone: String,
}

impl ClubProfile {
    /// The main zone of a country (its capital's), else `UTC`: a new club's default.
    pub fn default_time_zone(country: &str) -> String {
        ClubTimeZone::default_for_country(country).name().to_owned()
    }
}

/// The club document.
#[derive(Debug, Clone)]
pub struct Club {
    doc: Automerge,
}

crate::document::typed_document!(Club, DocumentKind::Club, CONTAINERS);

impl Club {
    /// A new club document, written by the device `actor` (a random actor if `None`).
    pub fn create(
        actor: Option<ActorId>,
        profile: &ClubProfile,
        at: Timestamp,
    ) -> Result<Self, RecordError> {
        if profile.name.trim().is_empty() {
            return Err(RecordError::EmptyField("club name"));
        }
        let zone = ClubTimeZone::named(&profile.time_zone)?;
        let fields = Record::new()
            .with("name", profile.name.as_str())
            .with("club_type", profile.club_type.as_str())
            .with("country", profile.country.as_str())
            .with("currency", profile.currency.code())
            .with("time_zone", zone.name());
        let doc = document::new_document(actor, Self::KIND, CONTAINERS, at, fields)?;
        Ok(Self { doc })
    }

    /// The club's profile.
    pub fn profile(&self) -> Result<ClubProfile, SchemaError> {
        let root = MapReader::root(&self.doc);
        let code = root.str("currency")?;
        let country = root.str("country")?;
        Ok(ClubProfile {
            name: root.str("name")?,
            club_type: root.parse("club_type")?,
            time_zone: self.time_zone_of(&country).name().to_owned(),
            country,
            currency: Currency::new(&code).map_err(|_| SchemaError::Invalid {
                path: "currency".into(),
                problem: format!("{code:?} is not ISO 4217"),
            })?,
        })
    }

    /// The club's clock: its `time_zone`, else (a club made before clubs had one, or a name
    /// this build's tz database lacks) its country's main zone, else UTC.
    pub fn time_zone(&self) -> ClubTimeZone {
        let country = MapReader::root(&self.doc)
            .opt_str("country")
            .ok()
            .flatten()
            .unwrap_or_default();
        self.time_zone_of(&country)
    }

    fn time_zone_of(&self, country: &str) -> ClubTimeZone {
        MapReader::root(&self.doc)
            .opt_str("time_zone")
            .ok()
            .flatten()
            .and_then(|name| ClubTimeZone::named(&name).ok())
            .unwrap_or_else(|| ClubTimeZone::default_for_country(country))
    }

    /// Sets the club's time zone (a tz database name); last writer wins.
    pub fn set_time_zone(&mut self, name: &str, at: Timestamp) -> Result<(), RecordError> {
        let zone = ClubTimeZone::named(name)?;
        document::write(&mut self.doc, at, |tx| {
            automerge::transaction::Transactable::put(tx, automerge::ROOT, "time_zone", zone.name())
        })
    }

    /// Sets a club setting (retention periods, return deadlines) in days; last writer wins.
    pub fn set_setting_days(
        &mut self,
        key: &str,
        days: i64,
        at: Timestamp,
    ) -> Result<(), RecordError> {
        if key.trim().is_empty() {
            return Err(RecordError::EmptyField("setting name"));
        }
        let settings = document::container(&self.doc, "settings")?;
        let key = key.to_owned();
        document::write(&mut self.doc, at, |tx| {
            automerge::transaction::Transactable::put(tx, &settings, key.as_str(), days)
        })
    }

    /// A club setting in days, if set.
    pub fn setting_days(&self, key: &str) -> Result<Option<i64>, SchemaError> {
        MapReader::root(&self.doc).map("settings")?.opt_i64(key)
    }

    /// Adds a member. Refused if the id is taken or the name is empty.
    pub fn add_member(&mut self, member: &Member, at: Timestamp) -> Result<(), RecordError> {
        if member.display_name.trim().is_empty() {
            return Err(RecordError::EmptyField("display name"));
        }
        let members = document::container(&self.doc, "members")?;
        let key = member.id.key();
        if MapReader::new(&self.doc, members.clone(), "members").has(&key) {
            return Err(RecordError::DuplicateId(key));
        }
        let record = Record::new()
            .with("display_name", member.display_name.as_str())
            .with_opt("contact", member.contact.clone())
            .with("role", member.role.as_str())
            .with("age16plus", member.age16plus)
            .with("added_at", at);
        document::write(&mut self.doc, at, |tx| {
            record.insert(tx, &members, &key).map(|_| ())
        })
    }

    /// Changes a member's role and age flag (last writer wins per field).
    pub fn update_member(
        &mut self,
        id: MemberId,
        role: Role,
        age16plus: bool,
        at: Timestamp,
    ) -> Result<(), RecordError> {
        let obj = MapReader::root(&self.doc)
            .map("members")?
            .opt_map(&id.key())?
            .ok_or(RecordError::UnknownMember(id))?
            .obj()
            .clone();
        let record = Record::new()
            .with("role", role.as_str())
            .with("age16plus", age16plus);
        document::write(&mut self.doc, at, |tx| record.put_into(tx, &obj))
    }

    /// Records that a member left the club at `at` (written once: a later call keeps the
    /// first time). The member stays in the document, so the records they made still name them.
    pub fn mark_left(&mut self, id: MemberId, at: Timestamp) -> Result<(), RecordError> {
        let member = MapReader::root(&self.doc)
            .map("members")?
            .opt_map(&id.key())?
            .ok_or(RecordError::UnknownMember(id))?;
        if member.opt_time("left_at")?.is_some() {
            return Ok(());
        }
        let obj = member.obj().clone();
        let record = Record::new().with("left_at", at);
        document::write(&mut self.doc, at, |tx| record.put_into(tx, &obj))
    }

    /// When a member left the club, if they did.
    pub fn left_at(&self, id: MemberId) -> Result<Option<Timestamp>, SchemaError> {
        match MapReader::root(&self.doc)
            .map("members")?
            .opt_map(&id.key())?
        {
            Some(m) => m.opt_time("left_at"),
            None => Ok(None),
        }
    }

    /// The member with this id, if there is one.
    pub fn member(&self, id: MemberId) -> Result<Option<Member>, SchemaError> {
        let members = MapReader::root(&self.doc).map("members")?;
        match members.opt_map(&id.key())? {
            None => Ok(None),
            Some(m) => read_member(id, &m).map(Some),
        }
    }

    /// All members.
    pub fn members(&self) -> Result<Vec<Member>, SchemaError> {
        let members = MapReader::root(&self.doc).map("members")?;
        members
            .records()?
            .iter()
            .map(|(key, m)| {
                let id = key.parse().map_err(|_| SchemaError::Invalid {
                    path: format!("members/{key}"),
                    problem: "key is not a UUID".into(),
                })?;
                read_member(id, m)
            })
            .collect()
    }

    /// Lists an activity document in the club's index.
    pub fn register_document(
        &mut self,
        id: DocumentId,
        kind: DocumentKind,
        title: &str,
        at: Timestamp,
    ) -> Result<(), RecordError> {
        let documents = document::container(&self.doc, "documents")?;
        let key = id.to_string();
        if MapReader::new(&self.doc, documents.clone(), "documents").has(&key) {
            return Err(RecordError::DuplicateId(key));
        }
        let record = Record::new()
            .with("kind", kind.as_str())
            .with("title", title)
            .with("added_at", at);
        document::write(&mut self.doc, at, |tx| {
            record.insert(tx, &documents, &key).map(|_| ())
        })
    }

    /// The club's documents, as listed in its index.
    pub fn documents(&self) -> Result<Vec<IndexedDocument>, SchemaError> {
        let documents = MapReader::root(&self.doc).map("documents")?;
        let mut out = Vec::new();
        for (key, d) in documents.records()? {
            let invalid = |problem: &str| SchemaError::Invalid {
                path: format!("documents/{key}"),
                problem: problem.into(),
            };
            let id = key
                .parse()
                .map_err(|_| invalid("key is not a document id"))?;
            let kind =
                DocumentKind::parse(&d.str("kind")?).ok_or_else(|| invalid("unknown kind"))?;
            out.push(IndexedDocument {
                id,
                kind,
                title: d.str("title")?,
            });
        }
        Ok(out)
    }
}

pub(crate) fn read_member(
    id: MemberId,
    m: &MapReader<'_, Automerge>,
) -> Result<Member, SchemaError> {
    Ok(Member {
        id,
        display_name: m.str("display_name")?,
        contact: m.opt_str("contact")?,
        role: m.parse("role")?,
        age16plus: m.bool("age16plus")?,
    })
}
