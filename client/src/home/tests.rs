//! What the device directory reads of documents: pending changes and titles.

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT};

use super::*;

#[test]
fn a_title_is_read_as_a_string_or_as_collaborative_text() {
    let mut scalar = Automerge::new();
    scalar
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, "title", "High Street")?;
            Ok(())
        })
        .expect("written");
    let mut text = Automerge::new();
    text.transact::<_, _, automerge::AutomergeError>(|tx| {
        let title = tx.put_object(ROOT, "title", ObjType::Text)?;
        tx.splice_text(&title, 0, 0, "Market Square")?;
        Ok(())
    })
    .expect("written");
    assert_eq!(title_of(&scalar).as_deref(), Some("High Street"));
    assert_eq!(title_of(&text).as_deref(), Some("Market Square"));
    assert_eq!(title_of(&Automerge::new()), None);
}

#[test]
fn pending_counts_the_changes_the_server_has_not_confirmed() {
    let mut doc = Automerge::new();
    let mut heads = Vec::new();
    for i in 0..3 {
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, format!("k{i}"), i)?;
            Ok(())
        })
        .expect("written");
        if i == 0 {
            heads = doc.get_heads();
        }
    }
    assert_eq!(pending_changes(&doc, &[]), 3, "nothing confirmed");
    assert_eq!(pending_changes(&doc, &heads), 2, "the first confirmed");
    assert_eq!(pending_changes(&doc, &doc.get_heads()), 0, "all confirmed");
    let unknown = ChangeHash([7; 32]);
    assert_eq!(
        pending_changes(&doc, &[unknown]),
        3,
        "heads this device has not received count as nothing confirmed of its own"
    );
}

#[test]
fn titles_are_read_once_and_again_only_when_the_document_changed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut home = DeviceHome::open(dir.path()).expect("opens");
    let id = DocumentId::random();
    let mut doc = Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "kind", "street_collection")?;
        tx.put(ROOT, "title", "High Street")?;
        Ok(())
    })
    .expect("written");
    home.store_mut()
        .append_chunk(&id, &doc.save())
        .expect("stored");
    home.track("club", &[id]).expect("tracked");
    let missing = DocumentId::random();
    home.track("club", &[missing]).expect("tracked");

    let described = home.describe("club").expect("described");
    let found = described.iter().find(|d| d.id == id).expect("listed");
    assert_eq!(found.kind, Some(DocumentKind::StreetCollection));
    assert_eq!(found.title.as_deref(), Some("High Street"));
    let absent = described.iter().find(|d| d.id == missing).expect("listed");
    assert_eq!((absent.kind, absent.title.as_deref()), (None, None));

    // Unchanged, the document is not read again: what the table says is what is listed.
    home.db
        .execute("UPDATE titles SET title = 'from the table'", [])
        .expect("updated");
    let again = home.describe("club").expect("described");
    assert_eq!(
        again
            .iter()
            .find(|d| d.id == id)
            .and_then(|d| d.title.as_deref()),
        Some("from the table")
    );

    // A change stored (a new title) is read at the next call.
    let before = doc.get_heads();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "title", "Market Square")?;
        Ok(())
    })
    .expect("written");
    home.store_mut()
        .append_chunk(&id, &doc.save_after(&before))
        .expect("stored");
    let changed = home.describe("club").expect("described");
    assert_eq!(
        changed
            .iter()
            .find(|d| d.id == id)
            .and_then(|d| d.title.as_deref()),
        Some("Market Square")
    );
}
