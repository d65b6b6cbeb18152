//! The text of the protocol `error` a server sends when it refuses a document's changes by one
//! of its record rules, and how a device recognises it: the one place both ends agree on it.
//!
//! `error` carries only a message, so the document it is about is written first, in a form a
//! device can read back: `document <id>: the server refused a change: <what and why>`.

use crate::ids::DocumentId;

const MARK: &str = ": the server refused a change: ";

/// The message of the `error` refusing a change of `document`, with `why` (the record's path,
/// the rule and what was wrong).
pub fn refused_change(document: &DocumentId, why: &str) -> String {
    format!("document {document}{MARK}{why}")
}

/// The document and the reason of a refused change, if `message` is one (the device's transport
/// may prefix it with its own words).
pub fn parse_refused_change(message: &str) -> Option<(DocumentId, &str)> {
    let (head, why) = message.split_once(MARK)?;
    let id = head.rsplit("document ").next()?.trim();
    Some((id.parse().ok()?, why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_read_back_even_behind_the_devices_own_words() {
        let doc = DocumentId::random();
        let text = refused_change(
            &doc,
            "donations/x: records are never deleted (record_deleted)",
        );
        let wrapped = format!("the other side reported an error: {text}");
        assert_eq!(
            parse_refused_change(&wrapped),
            Some((
                doc,
                "donations/x: records are never deleted (record_deleted)"
            ))
        );
        assert_eq!(
            parse_refused_change("document nonsense: something else"),
            None
        );
    }
}
