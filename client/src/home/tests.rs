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
