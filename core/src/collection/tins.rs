//! Tins and their custody log: a tin is added once, then issued to a collector with a seal and
//! returned, any number of times. Custody entries are append-only; the return is written into
//! the entry once.

use automerge::Automerge;

use super::{StreetCollection, parse_key};
use crate::club::Club;
use crate::document;
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::ids::{CustodyId, MemberId, TinNumber};
use crate::timestamp::Timestamp;

/// A numbered collection tin.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Tin {
    /// The number painted on the tin.
    pub number: TinNumber,
    /// The beneficiary label on the tin.
    pub beneficiary: Option<String>,
}

/// An issue of a tin to a collector, to record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IssueTin {
    /// The new custody entry's id, made on the device.
    pub id: CustodyId,
    /// The tin issued.
    pub tin: TinNumber,
    /// Who takes the tin (must be 16 or over).
    pub collector: MemberId,
    /// The number of the seal put on the tin.
    pub seal: String,
    /// Who hands the tin out.
    pub issued_by: MemberId,
    /// When.
    pub at: Timestamp,
}

/// The return of a tin, as written into its custody entry.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TinReturn {
    /// When the tin came back.
    pub at: Timestamp,
    /// Who took it back.
    pub to: MemberId,
    /// Whether the seal was intact.
    pub seal_intact: bool,
}

/// A custody entry: one issue of a tin and, once it came back, its return.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Custody {
    /// The entry's id.
    pub id: CustodyId,
    /// The tin.
    pub tin: TinNumber,
    /// Who had the tin.
    pub collector: MemberId,
    /// The seal number.
    pub seal: String,
    /// When the tin was issued.
    pub issued_at: Timestamp,
    /// Who issued it.
    pub issued_by: MemberId,
    /// The return, once recorded.
    pub returned: Option<TinReturn>,
}

impl StreetCollection {
    /// Adds a tin to the collection. Refused for tin 0 (tins are numbered from 1) and a number
    /// taken.
    pub fn add_tin(
        &mut self,
        number: TinNumber,
        beneficiary: Option<&str>,
        at: Timestamp,
    ) -> Result<(), RecordError> {
        TinNumber::parse(&number.key()).map_err(RecordError::InvalidTin)?;
        let tins = self.container("tins")?;
        if self.reader("tins")?.has(&number.key()) {
            return Err(RecordError::TinExists(number));
        }
        let record = Record::new()
            .with("number", i64::from(number.0))
            .with_opt("beneficiary", beneficiary)
            .with("added_at", at);
        document::write(&mut self.doc, at, |tx| {
            record.insert(tx, &tins, &number.key()).map(|_| ())
        })
    }

    /// The tins, by number.
    pub fn tins(&self) -> Result<Vec<Tin>, SchemaError> {
        let mut tins = self
            .reader("tins")?
            .records()?
            .into_iter()
            .map(|(key, t)| {
                let number = t.i64("number")?;
                let number = u32::try_from(number)
                    .ok()
                    .filter(|n| n.to_string() == key)
                    .ok_or_else(|| SchemaError::Invalid {
                        path: format!("tins/{key}/number"),
                        problem: "does not match its key".into(),
                    })?;
                Ok(Tin {
                    number: TinNumber(number),
                    beneficiary: t.opt_str("beneficiary")?,
                })
            })
            .collect::<Result<Vec<_>, SchemaError>>()?;
        tins.sort_by_key(|t| t.number);
        Ok(tins)
    }

    /// Issues a tin to a collector. Refused for an unknown tin, a tin still out with someone,
    /// an unknown member, a collector under 16, or an empty seal number.
    pub fn issue_tin(&mut self, issue: &IssueTin, club: &Club) -> Result<CustodyId, RecordError> {
        if issue.seal.trim().is_empty() {
            return Err(RecordError::EmptyField("seal number"));
        }
        if !self.reader("tins")?.has(&issue.tin.key()) {
            return Err(RecordError::UnknownTin(issue.tin));
        }
        if self.active_custody(issue.tin)?.is_some() {
            return Err(RecordError::TinAlreadyIssued(issue.tin));
        }
        let seal = issue.seal.trim();
        if let Some(used) = self
            .custody_log()?
            .into_iter()
            .find(|c| c.seal.trim() == seal)
        {
            return Err(RecordError::SealReused {
                seal: seal.to_owned(),
                tin: used.tin,
            });
        }
        let collector = club
            .member(issue.collector)?
            .ok_or(RecordError::UnknownMember(issue.collector))?;
        if !collector.age16plus {
            return Err(RecordError::CollectorUnder16(issue.collector));
        }
        club.member(issue.issued_by)?
            .ok_or(RecordError::UnknownMember(issue.issued_by))?;
        let custody = self.container("custody")?;
        if self.reader("custody")?.has(&issue.id.key()) {
            return Err(RecordError::DuplicateId(issue.id.key()));
        }
        let record = Record::new()
            .with("tin", i64::from(issue.tin.0))
            .with("collector", issue.collector.key())
            .with("seal", issue.seal.trim())
            .with("issued_at", issue.at)
            .with("issued_by", issue.issued_by.key());
        document::write(&mut self.doc, issue.at, |tx| {
            record.insert(tx, &custody, &issue.id.key()).map(|_| ())
        })?;
        Ok(issue.id)
    }

    /// Records the return of a tin into its custody entry. Refused if already returned.
    pub fn return_tin(&mut self, custody: CustodyId, ret: &TinReturn) -> Result<(), RecordError> {
        let entry = self
            .custody_entry(custody)?
            .ok_or(RecordError::UnknownCustody(custody))?;
        if entry.returned.is_some() {
            return Err(RecordError::AlreadyReturned(custody));
        }
        let obj = self.reader("custody")?.map(&custody.key())?.obj().clone();
        let record = Record::new()
            .with("returned_at", ret.at)
            .with("returned_to", ret.to.key())
            .with("seal_intact", ret.seal_intact);
        document::write(&mut self.doc, ret.at, |tx| record.put_into(tx, &obj))
    }

    /// The custody entry with this id.
    pub fn custody_entry(&self, id: CustodyId) -> Result<Option<Custody>, SchemaError> {
        match self.reader("custody")?.opt_map(&id.key())? {
            None => Ok(None),
            Some(c) => read_custody(id, &c).map(Some),
        }
    }

    /// Every custody entry, in order of issue.
    pub fn custody_log(&self) -> Result<Vec<Custody>, SchemaError> {
        let mut log = self
            .reader("custody")?
            .records()?
            .iter()
            .map(|(key, c)| read_custody(parse_key("custody", key)?, c))
            .collect::<Result<Vec<_>, SchemaError>>()?;
        log.sort_by_key(|c| (c.issued_at, c.id));
        Ok(log)
    }

    /// The custody entry of this tin that has no return yet, if any (the latest if several).
    pub fn active_custody(&self, tin: TinNumber) -> Result<Option<Custody>, SchemaError> {
        Ok(self
            .custody_log()?
            .into_iter()
            .rfind(|c| c.tin == tin && c.returned.is_none()))
    }
}

pub(crate) fn read_custody(
    id: CustodyId,
    c: &MapReader<'_, Automerge>,
) -> Result<Custody, SchemaError> {
    let tin = u32::try_from(c.i64("tin")?).map_err(|_| SchemaError::Invalid {
        path: format!("custody/{id}/tin"),
        problem: "not a tin number".into(),
    })?;
    let returned = match c.opt_time("returned_at")? {
        None => None,
        Some(at) => Some(TinReturn {
            at,
            to: c.parse("returned_to")?,
            seal_intact: c.bool("seal_intact")?,
        }),
    };
    Ok(Custody {
        id,
        tin: TinNumber(tin),
        collector: c.parse("collector")?,
        seal: c.str("seal")?,
        issued_at: c.time("issued_at")?,
        issued_by: c.parse("issued_by")?,
        returned,
    })
}
