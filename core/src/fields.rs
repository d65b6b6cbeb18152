//! The thin typed layer over Automerge maps: read a field as a type, write a record as one map.
//!
//! Every record is a map of scalar fields (strings, integers, booleans) and, rarely, nested maps.
//! Readers name the path of a bad field in their [`SchemaError`] so a writer's bug in another
//! implementation (the web app) is easy to find.

use std::str::FromStr;

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value};

use crate::currency::Currency;
use crate::error::SchemaError;
use crate::money::Money;
use crate::timestamp::Timestamp;

/// A map object of a document, read with typed getters.
pub(crate) struct MapReader<'a, D: ReadDoc> {
    doc: &'a D,
    obj: ObjId,
    path: String,
    /// Every field of a small map (a record), read in one pass; `None` for large containers,
    /// which are read key by key.
    fields: Option<Vec<(String, Value<'static>, ObjId)>>,
}

impl<'a, D: ReadDoc> MapReader<'a, D> {
    /// The map `obj`, known to readers' errors as `path`.
    pub(crate) fn new(doc: &'a D, obj: ObjId, path: impl Into<String>) -> Self {
        Self {
            doc,
            obj,
            path: path.into(),
            fields: None,
        }
    }

    /// The map `obj` with all its fields read at once: for records, whose fields are all read.
    fn prefetched(doc: &'a D, obj: ObjId, path: String) -> Self {
        let fields = entries(doc, &obj);
        Self {
            doc,
            obj,
            path,
            fields: Some(fields),
        }
    }

    /// The winning value under `key` and its object id.
    fn lookup(
        &self,
        key: &str,
    ) -> Result<Option<(Value<'static>, ObjId)>, automerge::AutomergeError> {
        match &self.fields {
            Some(fields) => Ok(fields
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, v, id)| (v.clone(), id.clone()))),
            None => Ok(self
                .doc
                .get(&self.obj, key)?
                .map(|(v, id)| (v.into_owned(), id))),
        }
    }

    /// The root map of the document.
    pub(crate) fn root(doc: &'a D) -> Self {
        Self::new(doc, automerge::ROOT, "")
    }

    /// The Automerge object of this map.
    pub(crate) fn obj(&self) -> &ObjId {
        &self.obj
    }

    fn field_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.path)
        }
    }

    fn invalid(&self, key: &str, problem: impl Into<String>) -> SchemaError {
        SchemaError::Invalid {
            path: self.field_path(key),
            problem: problem.into(),
        }
    }

    fn missing(&self, key: &str) -> SchemaError {
        SchemaError::Missing {
            path: self.field_path(key),
        }
    }

    fn scalar(&self, key: &str) -> Result<Option<ScalarValue>, SchemaError> {
        match self.lookup(key) {
            Ok(None) => Ok(None),
            Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
                ScalarValue::Null => Ok(None),
                other => Ok(Some(other.clone())),
            },
            Ok(Some((Value::Object(t), _))) => {
                Err(self.invalid(key, format!("is a {t}, not a scalar")))
            }
            Err(e) => Err(self.invalid(key, e.to_string())),
        }
    }

    /// A text field, `None` if absent or null.
    ///
    /// Accepts a scalar string (what this crate writes, `ImmutableString` in JS) and a text
    /// object (what `@automerge/automerge` writes for a plain JS string).
    pub(crate) fn opt_str(&self, key: &str) -> Result<Option<String>, SchemaError> {
        if let Ok(Some((Value::Object(ObjType::Text), id))) = self.lookup(key) {
            return self
                .doc
                .text(&id)
                .map(Some)
                .map_err(|e| self.invalid(key, e.to_string()));
        }
        match self.scalar(key)? {
            None => Ok(None),
            Some(ScalarValue::Str(s)) => Ok(Some(s.to_string())),
            Some(other) => Err(self.invalid(key, format!("expected text, found {other}"))),
        }
    }

    /// A required text field.
    pub(crate) fn str(&self, key: &str) -> Result<String, SchemaError> {
        self.opt_str(key)?.ok_or_else(|| self.missing(key))
    }

    /// An integer field, `None` if absent. Integral floats (as JS may write) are accepted.
    pub(crate) fn opt_i64(&self, key: &str) -> Result<Option<i64>, SchemaError> {
        match self.scalar(key)? {
            None => Ok(None),
            Some(ScalarValue::Int(i)) => Ok(Some(i)),
            Some(ScalarValue::Uint(u)) => i64::try_from(u)
                .map(Some)
                .map_err(|_| self.invalid(key, "integer too large")),
            Some(ScalarValue::F64(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            Some(ScalarValue::Timestamp(t)) => Ok(Some(t)),
            Some(other) => Err(self.invalid(key, format!("expected an integer, found {other}"))),
        }
    }

    /// A required integer field.
    pub(crate) fn i64(&self, key: &str) -> Result<i64, SchemaError> {
        self.opt_i64(key)?.ok_or_else(|| self.missing(key))
    }

    /// A boolean field, `None` if absent.
    pub(crate) fn opt_bool(&self, key: &str) -> Result<Option<bool>, SchemaError> {
        match self.scalar(key)? {
            None => Ok(None),
            Some(ScalarValue::Boolean(b)) => Ok(Some(b)),
            Some(other) => Err(self.invalid(key, format!("expected a boolean, found {other}"))),
        }
    }

    /// A required boolean field.
    pub(crate) fn bool(&self, key: &str) -> Result<bool, SchemaError> {
        self.opt_bool(key)?.ok_or_else(|| self.missing(key))
    }

    /// A time field (integer milliseconds since the Unix epoch), `None` if absent.
    pub(crate) fn opt_time(&self, key: &str) -> Result<Option<Timestamp>, SchemaError> {
        Ok(self.opt_i64(key)?.map(Timestamp))
    }

    /// A required time field.
    pub(crate) fn time(&self, key: &str) -> Result<Timestamp, SchemaError> {
        self.i64(key).map(Timestamp)
    }

    /// A text field parsed as `T` (an id, an enum), `None` if absent.
    pub(crate) fn opt_parse<T: FromStr>(&self, key: &str) -> Result<Option<T>, SchemaError> {
        match self.opt_str(key)? {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| self.invalid(key, format!("{text:?} is not valid here"))),
        }
    }

    /// A required text field parsed as `T`.
    pub(crate) fn parse<T: FromStr>(&self, key: &str) -> Result<T, SchemaError> {
        self.opt_parse(key)?.ok_or_else(|| self.missing(key))
    }

    /// The money of this record: `amount_minor` and `currency`.
    pub(crate) fn money(&self) -> Result<Money, SchemaError> {
        let minor = self.i64("amount_minor")?;
        let code = self.str("currency")?;
        let currency = Currency::new(&code)
            .map_err(|_| self.invalid("currency", format!("{code:?} is not ISO 4217")))?;
        Ok(Money::new(minor, currency))
    }

    /// The nested map under `key`, `None` if absent.
    pub(crate) fn opt_map(&self, key: &str) -> Result<Option<MapReader<'a, D>>, SchemaError> {
        match self.lookup(key) {
            Ok(None) => Ok(None),
            Ok(Some((Value::Object(ObjType::Map), id))) => {
                Ok(Some(MapReader::new(self.doc, id, self.field_path(key))))
            }
            Ok(Some((v, _))) => Err(self.invalid(key, format!("expected a map, found {v}"))),
            Err(e) => Err(self.invalid(key, e.to_string())),
        }
    }

    /// The required nested map under `key`.
    pub(crate) fn map(&self, key: &str) -> Result<MapReader<'a, D>, SchemaError> {
        self.opt_map(key)?.ok_or_else(|| self.missing(key))
    }

    /// Does the map have this key?
    pub(crate) fn has(&self, key: &str) -> bool {
        matches!(self.lookup(key), Ok(Some(_)))
    }

    /// The keys of this map, in order.
    pub(crate) fn keys(&self) -> Vec<String> {
        match &self.fields {
            Some(fields) => fields.iter().map(|(k, _, _)| k.clone()).collect(),
            None => self.doc.keys(&self.obj).collect(),
        }
    }

    /// Every entry of this map that is itself a map (the records of a ledger), by key, each
    /// read in one pass over its fields.
    pub(crate) fn records(&self) -> Result<Vec<(String, MapReader<'a, D>)>, SchemaError> {
        let mut out = Vec::new();
        for (key, value, id) in entries(self.doc, &self.obj) {
            if value != Value::Object(ObjType::Map) {
                return Err(self.invalid(&key, format!("expected a map, found {value}")));
            }
            let path = self.field_path(&key);
            out.push((key, MapReader::prefetched(self.doc, id, path)));
        }
        Ok(out)
    }
}

/// Every key of a map with its winning value and object id, in one pass.
fn entries<D: ReadDoc>(doc: &D, obj: &ObjId) -> Vec<(String, Value<'static>, ObjId)> {
    doc.map_range(obj, ..)
        .map(|item| {
            (
                item.key.to_string(),
                item.value.clone().into_value(),
                item.id(),
            )
        })
        .collect()
}

/// A scalar value for a record field.
pub(crate) enum Field {
    /// Text.
    Str(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
}

impl From<&str> for Field {
    fn from(s: &str) -> Self {
        Field::Str(s.to_owned())
    }
}
impl From<String> for Field {
    fn from(s: String) -> Self {
        Field::Str(s)
    }
}
impl From<i64> for Field {
    fn from(i: i64) -> Self {
        Field::Int(i)
    }
}
impl From<bool> for Field {
    fn from(b: bool) -> Self {
        Field::Bool(b)
    }
}
impl From<Timestamp> for Field {
    fn from(t: Timestamp) -> Self {
        Field::Int(t.millis())
    }
}

/// The fields of one record, in the order they are written; `None` values are left out.
#[derive(Default)]
pub(crate) struct Record(Vec<(&'static str, Field)>);

impl Record {
    /// An empty record.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a field.
    pub(crate) fn with(mut self, key: &'static str, value: impl Into<Field>) -> Self {
        self.0.push((key, value.into()));
        self
    }

    /// Adds a field if it has a value.
    pub(crate) fn with_opt<V: Into<Field>>(self, key: &'static str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.with(key, v),
            None => self,
        }
    }

    /// Adds `amount_minor` and `currency`.
    pub(crate) fn with_money(self, money: Money) -> Self {
        self.with("amount_minor", money.minor)
            .with("currency", money.currency.code())
    }

    /// Writes the record as a new map under `key` of `parent`, returning the new map.
    pub(crate) fn insert(
        self,
        tx: &mut impl Transactable,
        parent: &ObjId,
        key: &str,
    ) -> Result<ObjId, automerge::AutomergeError> {
        let obj = tx.put_object(parent, key, ObjType::Map)?;
        self.put_into(tx, &obj)?;
        Ok(obj)
    }

    /// Writes the fields into an existing map (last writer wins per field).
    pub(crate) fn put_into(
        self,
        tx: &mut impl Transactable,
        obj: &ObjId,
    ) -> Result<(), automerge::AutomergeError> {
        for (key, value) in self.0 {
            match value {
                Field::Str(s) => tx.put(obj, key, s)?,
                Field::Int(i) => tx.put(obj, key, i)?,
                Field::Bool(b) => tx.put(obj, key, b)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};

    use super::*;

    #[test]
    fn text_objects_and_scalar_strings_both_read_as_text() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "scalar", "GBP").expect("put");
        let text = doc.put_object(ROOT, "text", ObjType::Text).expect("put");
        doc.splice_text(&text, 0, 0, "Kim Ji-woo").expect("splice");
        let root = MapReader::root(&doc);
        assert_eq!(root.str("scalar").expect("read"), "GBP");
        assert_eq!(root.str("text").expect("read"), "Kim Ji-woo");
    }

    #[test]
    fn integers_written_as_integral_floats_read_as_integers_and_fractions_are_refused() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "whole", 1250.0_f64).expect("put");
        doc.put(ROOT, "fraction", 12.5_f64).expect("put");
        doc.put(ROOT, "name", "x").expect("put");
        let root = MapReader::root(&doc);
        assert_eq!(root.i64("whole").expect("read"), 1250);
        assert!(matches!(
            root.i64("fraction"),
            Err(SchemaError::Invalid { .. })
        ));
        assert!(
            matches!(root.i64("name"), Err(SchemaError::Invalid { path, .. }) if path == "name")
        );
        assert!(
            matches!(root.i64("absent"), Err(SchemaError::Missing { path }) if path == "absent")
        );
    }
}
