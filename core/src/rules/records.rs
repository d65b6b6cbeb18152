//! The second pass: each record a batch wrote or changed, read back from the document and
//! checked for what it holds (types, ranges, the records it names, the writer it names).
//!
//! The fields are read with the same readers the typed documents use (`read_donation`,
//! `read_count`, ...), so a record that passes here is one every device can read.

use automerge::Automerge;

use super::ops::{Touch, Written};
use super::shape::{self, Entries};
use super::{Refusal, Rule, Writer};
use crate::collection::{read_count, read_custody, read_donation, read_entry};
use crate::currency::Currency;
use crate::document::{self, DocumentKind};
use crate::error::SchemaError;
use crate::fields::MapReader;
use crate::ids::{MemberId, TinNumber};
use crate::money::Money;
use crate::petition::{read_consent, read_signature};
use crate::resolution::read_resolution;

/// Checks every record `written` names (every record, for a new document) and the root.
pub(crate) fn check(
    doc: &Automerge,
    kind: DocumentKind,
    written: &Written,
    writer: &Writer,
) -> Result<(), Refusal> {
    let records = Records { doc, kind, writer };
    if written.whole {
        return records.check_whole();
    }
    for ((container, key), touch) in &written.records {
        records.check_record(container, key, *touch)?;
    }
    for (container, record, map, key) in &written.added {
        records.check_added(container, record, map, key)?;
    }
    if kind == DocumentKind::Petition
        && (written.root.contains("text") || written.root.contains("text_hash"))
        && !records
            .root()
            .map("signatures")
            .map_err(invalid)?
            .keys()
            .is_empty()
    {
        return Err(Refusal::new(
            "text",
            Rule::TextFrozen,
            "the petition already has signatures",
        ));
    }
    Ok(())
}

fn record_id<T: std::str::FromStr>(path: &str, key: &str) -> Result<T, Refusal> {
    key.parse()
        .map_err(|_| Refusal::new(path, Rule::InvalidRecord, "the key is not a valid id"))
}

fn invalid(e: SchemaError) -> Refusal {
    let path = match &e {
        SchemaError::Missing { path } | SchemaError::Invalid { path, .. } => path.clone(),
        _ => String::new(),
    };
    Refusal::new(path, Rule::InvalidRecord, e.to_string())
}

struct Records<'a> {
    doc: &'a Automerge,
    kind: DocumentKind,
    writer: &'a Writer,
}

impl<'a> Records<'a> {
    fn root(&self) -> MapReader<'a, Automerge> {
        MapReader::root(self.doc)
    }

    fn exists(&self, container: &str, key: &str) -> Result<bool, Refusal> {
        Ok(self.root().map(container).map_err(invalid)?.has(key))
    }

    fn must_exist(&self, path: &str, container: &str, key: &str) -> Result<(), Refusal> {
        if self.exists(container, key)? {
            Ok(())
        } else {
            Err(Refusal::new(
                path,
                Rule::UnknownReference,
                format!("there is no {container}/{key}"),
            ))
        }
    }

    fn currency(&self) -> Result<Currency, Refusal> {
        let code = self.root().str("currency").map_err(invalid)?;
        Currency::new(&code).map_err(|_| {
            Refusal::new(
                "currency",
                Rule::InvalidRecord,
                format!("{code:?} is not ISO 4217"),
            )
        })
    }

    fn money(&self, path: &str, money: Money, positive: bool) -> Result<(), Refusal> {
        if money.minor < 0 || (positive && money.minor == 0) {
            return Err(Refusal::new(
                path,
                Rule::AmountNotPositive,
                format!("{} minor units", money.minor),
            ));
        }
        let expected = self.currency()?;
        if money.currency != expected {
            return Err(Refusal::new(
                path,
                Rule::CurrencyMismatch,
                format!(
                    "{} in a document kept in {}",
                    money.currency.code(),
                    expected.code()
                ),
            ));
        }
        Ok(())
    }

    fn device(&self, path: &str, device: &str, touch: Touch) -> Result<(), Refusal> {
        if touch == Touch::New && device != self.writer.device {
            return Err(Refusal::new(
                path,
                Rule::WrongDevice,
                format!(
                    "the record names device {device:?}, but device {:?} sent it",
                    self.writer.device
                ),
            ));
        }
        Ok(())
    }

    /// A new document: its root, and every record in it as new.
    fn check_whole(&self) -> Result<(), Refusal> {
        let shape = shape::of(self.kind);
        let names: Vec<&str> = shape
            .containers
            .iter()
            .map(|c| c.name)
            .filter(|name| !shape.added_later.contains(name))
            .collect();
        document::check_document(self.doc, self.kind, &names)
            .map_err(|e| Refusal::new("", Rule::NotAClubsyncDocument, e.to_string()))?;
        if self.kind != DocumentKind::Club
            && let Some(club) = self.writer.club_document
        {
            let named = self.root().str("club").map_err(invalid)?;
            if named != club.to_string() {
                return Err(Refusal::new(
                    "club",
                    Rule::NotAClubsyncDocument,
                    format!("the document names club {named}, not the device's club {club}"),
                ));
            }
        }
        for container in shape.containers {
            if let Entries::Records { .. } = container.entries {
                let Some(records) = self.root().opt_map(container.name).map_err(invalid)? else {
                    continue; // a container added later, which the server adds
                };
                for key in records.keys() {
                    self.check_record(container.name, &key, Touch::New)?;
                }
            }
        }
        Ok(())
    }

    /// One record of `container` under `key`.
    fn check_record(&self, container: &str, key: &str, touch: Touch) -> Result<(), Refusal> {
        let path = format!("{container}/{key}");
        let r = self
            .root()
            .map(container)
            .and_then(|c| c.map(key))
            .map_err(invalid)?;
        match (self.kind, container) {
            (DocumentKind::StreetCollection, "tins") => {
                let number = r.i64("number").map_err(invalid)?;
                let tin = TinNumber::parse(key)
                    .map_err(|e| Refusal::new(&path, Rule::InvalidRecord, e))?;
                if i64::from(tin.0) != number {
                    return Err(Refusal::new(
                        &path,
                        Rule::InvalidRecord,
                        "the key is not the tin's number",
                    ));
                }
            }
            (DocumentKind::StreetCollection, "custody") => {
                let custody = read_custody(record_id(&path, key)?, &r).map_err(invalid)?;
                self.must_exist(&path, "tins", &custody.tin.key())?;
            }
            (DocumentKind::StreetCollection, "donations") => {
                let d = read_donation(record_id(&path, key)?, &r, false, false).map_err(invalid)?;
                self.money(&path, d.amount, true)?;
                self.device(&path, &d.device, touch)?;
                if let crate::collection::DonationSource::Tin(tin) = d.source {
                    self.must_exist(&path, "tins", &tin.key())?;
                    let custody = d.custody.ok_or_else(|| {
                        Refusal::new(
                            &path,
                            Rule::InvalidRecord,
                            "a tin donation names its custody",
                        )
                    })?;
                    self.must_exist(&path, "custody", &custody.key())?;
                }
            }
            (DocumentKind::StreetCollection, "reversals") => {
                let donation = r.str("donation").map_err(invalid)?;
                self.must_exist(&path, "donations", &donation)?;
                if r.str("reason").map_err(invalid)?.trim().is_empty() {
                    return Err(Refusal::new(
                        &path,
                        Rule::InvalidRecord,
                        "a reversal says why",
                    ));
                }
                r.parse::<MemberId>("by").map_err(invalid)?;
                r.time("at").map_err(invalid)?;
            }
            (DocumentKind::StreetCollection, "counts") => self.check_count(&path, key, &r)?,
            (DocumentKind::StreetCollection, "ledger") => {
                let e = read_entry(record_id(&path, key)?, &r).map_err(invalid)?;
                self.money(&path, e.amount, true)?;
                self.device(&path, &e.device, touch)?;
                if let Some(reverses) = e.reverses {
                    self.must_exist(&path, "ledger", &reverses.key())?;
                }
                if e.kind == crate::collection::LedgerKind::Difference
                    && e.note.as_deref().is_none_or(|n| n.trim().is_empty())
                {
                    return Err(Refusal::new(
                        &path,
                        Rule::InvalidRecord,
                        "a difference says why, in its note",
                    ));
                }
            }
            (DocumentKind::StreetCollection, "returns") => {
                r.time("submitted_at").map_err(invalid)?;
                r.parse::<MemberId>("submitted_by").map_err(invalid)?;
            }
            (DocumentKind::Petition, "signatures") => {
                let s = read_signature(record_id(&path, key)?, &r).map_err(invalid)?;
                if s.name.trim().is_empty() {
                    return Err(Refusal::new(
                        &path,
                        Rule::InvalidRecord,
                        "a signature has a name",
                    ));
                }
                if s.postcode.is_none() && s.town.is_none() {
                    return Err(Refusal::new(
                        &path,
                        Rule::InvalidRecord,
                        "a signature has a postcode or a town",
                    ));
                }
            }
            (DocumentKind::Petition, "consents") => {
                let c = read_consent(record_id(&path, key)?, &r).map_err(invalid)?;
                self.must_exist(&path, "signatures", &c.event.person)?;
                for superseded in &c.supersedes {
                    self.must_exist(&path, "consents", &superseded.key())?;
                }
            }
            (DocumentKind::Club, "members") => {
                crate::club::read_member(record_id(&path, key)?, &r).map_err(invalid)?;
            }
            (DocumentKind::Club, "documents") => {
                r.str("kind").map_err(invalid)?;
                r.str("title").map_err(invalid)?;
            }
            (DocumentKind::Event, "assignments") => {
                let shift = r.str("shift").map_err(invalid)?;
                self.must_exist(&path, "shifts", &shift)?;
                r.parse::<MemberId>("member").map_err(invalid)?;
            }
            (DocumentKind::SponsoredActivity, "pledges") => {
                self.money(&path, r.money().map_err(invalid)?, true)?;
                let blank = |key| {
                    r.opt_str(key)
                        .map(|v| v.is_none_or(|s| s.trim().is_empty()))
                        .map_err(invalid)
                };
                if r.bool("gift_aid").map_err(invalid)? && (blank("house")? || blank("postcode")?) {
                    return Err(Refusal::new(
                        &path,
                        Rule::InvalidRecord,
                        "a Gift Aid pledge gives the sponsor's house and postcode",
                    ));
                }
            }
            (DocumentKind::SponsoredActivity, "payments") => {
                let pledge = r.str("pledge").map_err(invalid)?;
                self.must_exist(&path, "pledges", &pledge)?;
                self.money(&path, r.money().map_err(invalid)?, true)?;
                self.device(&path, &r.str("device").map_err(invalid)?, touch)?;
            }
            (_, crate::resolution::CONTAINER) => self.check_resolution(&path, key, &r, touch)?,
            (DocumentKind::MaterialsStock, "movements") => {
                let item = r.str("item").map_err(invalid)?;
                self.must_exist(&path, "items", &item)?;
                r.i64("quantity").map_err(invalid)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn check_count(
        &self,
        path: &str,
        key: &str,
        r: &MapReader<'_, Automerge>,
    ) -> Result<(), Refusal> {
        let count = read_count(record_id(path, key)?, r, false).map_err(invalid)?;
        if count.counter1 == count.counter2 {
            return Err(Refusal::new(
                path,
                Rule::SameCounterTwice,
                format!("{} is named as both counters", count.counter1),
            ));
        }
        self.must_exist(path, "custody", &count.custody.key())?;
        self.money(path, count.total, false)?;
        let counted: i64 = count
            .denominations
            .iter()
            .map(|d| d.value_minor.saturating_mul(d.quantity))
            .fold(0i64, i64::saturating_add);
        if count
            .denominations
            .iter()
            .any(|d| d.value_minor <= 0 || d.quantity <= 0)
            || counted != count.total.minor
        {
            return Err(Refusal::new(
                path,
                Rule::InvalidRecord,
                "amount_minor is not the sum of the denominations",
            ));
        }
        if let Some(supersede) = &count.supersedes {
            for replaced in &supersede.counts {
                self.must_exist(path, "counts", &replaced.key())?;
            }
        }
        if let Some(signatures) = r.opt_map("signatures").map_err(invalid)? {
            for signer in signatures.keys() {
                if signer != count.counter1.key() && signer != count.counter2.key() {
                    return Err(Refusal::new(
                        format!("{path}/signatures/{signer}"),
                        Rule::SignedForAnother,
                        "only the two counters sign a count",
                    ));
                }
            }
        }
        Ok(())
    }

    /// A flag resolution: a flag kind a note may resolve, what it names present in the
    /// document, and written by a coordinator in their own name from their own device.
    fn check_resolution(
        &self,
        path: &str,
        key: &str,
        r: &MapReader<'_, Automerge>,
        touch: Touch,
    ) -> Result<(), Refusal> {
        let resolution = read_resolution(record_id(path, key)?, r).map_err(invalid)?;
        if resolution.kind == "two_active_counts" {
            return Err(Refusal::new(
                path,
                Rule::InvalidRecord,
                "two active counts are resolved by a count that supersedes the others",
            ));
        }
        if resolution.note.trim().is_empty() {
            return Err(Refusal::new(
                path,
                Rule::InvalidRecord,
                "a resolution says how",
            ));
        }
        self.device(path, &resolution.device, touch)?;
        if touch == Touch::New && (!self.writer.coordinator || resolution.by != self.writer.member)
        {
            return Err(Refusal::new(
                path,
                Rule::NotACoordinator,
                format!(
                    "resolved in the name of member {} from a device of member {}{}",
                    resolution.by,
                    self.writer.member,
                    if self.writer.coordinator {
                        ""
                    } else {
                        ", who is not a coordinator"
                    }
                ),
            ));
        }
        let shape = shape::of(self.kind);
        for named in &resolution.records {
            if let Some((container, record)) = named.split_once('/')
                && shape
                    .container(container)
                    .is_some_and(|c| matches!(c.entries, Entries::Records { .. }))
            {
                self.must_exist(path, container, record)?;
            }
        }
        Ok(())
    }

    /// A key added to an add-only map of an existing record (a count signed later).
    fn check_added(
        &self,
        container: &str,
        record: &str,
        map: &str,
        key: &str,
    ) -> Result<(), Refusal> {
        if (self.kind, container, map) == (DocumentKind::StreetCollection, "counts", "signatures") {
            let path = format!("{container}/{record}/{map}/{key}");
            if key != self.writer.member.key() {
                return Err(Refusal::new(
                    path,
                    Rule::SignedForAnother,
                    format!(
                        "member {} signed from a device of member {}",
                        key, self.writer.member
                    ),
                ));
            }
        }
        self.check_record(container, record, Touch::Changed)
    }
}
