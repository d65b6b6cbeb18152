//! Flag resolution cases: a coordinator resolves a doubly issued tin and an overbooked shift;
//! an empty note, two active counts and a document an earlier build made (no `resolutions` yet)
//! are refused, by the app's writer as by core's.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT};
use clubsync_core::collection::StreetCollection;
use clubsync_core::document::TypedDocument;
use clubsync_core::flags::Flag;
use clubsync_core::ids::ResolutionId;
use clubsync_core::resolution::{NewResolution, Resolvable, Resolved};
use serde_json::{Value, json};

use crate::event::Events;
use crate::world::{World, at};
use crate::{Case, Outcome};

fn args(id: ResolutionId, flag: &Flag, how: Resolved, note: &str, w: &World) -> Value {
    json!({
        "id": id.key(),
        "flag": { "kind": flag.kind(), "records": flag.records(), "resolvable": flag.resolvable() },
        "how": how.as_str(), "note": note, "by": w.ana.key(),
        "device": w.writer(w.ana).device, "at": at(90).millis(),
    })
}

fn resolve<D: Resolvable + Clone>(
    name: &str,
    w: &World,
    doc: &D,
    flag: Flag,
    how: Resolved,
    note: &str,
) -> Case {
    let id = ResolutionId::new_v7(at(90));
    let device = w.writer(w.ana).device;
    let by = w.ana;
    let owned = note.to_owned();
    Case::on(
        name,
        "resolveFlag",
        args(id, &flag, how, note, w),
        w.writer(w.ana),
        doc,
        move |d: &mut D| -> Outcome {
            d.resolve_flag(&NewResolution {
                id,
                flag: &flag,
                how,
                note: &owned,
                by,
                device: &device,
                at: at(90),
            })?;
            Ok(())
        },
    )
}

/// A collection with tin 3 given to Ana and to Ben at once, on two phones, merged.
fn doubly_issued(w: &World) -> (StreetCollection, Flag) {
    let fresh = w.collections().fresh;
    let mut a = fresh.clone();
    let mut b = StreetCollection::from_automerge(fresh.automerge().fork()).expect("a copy");
    w.issue(&mut a, 3, w.ana, "S-31", 60);
    w.issue(&mut b, 3, w.ben, "S-32", 61);
    a.merge(&mut b).expect("merged");
    let flag = a
        .flags()
        .expect("flags")
        .into_iter()
        .find(|f| matches!(f, Flag::TinIssuedTwice { .. }))
        .expect("tin 3 is flagged");
    (a, flag)
}

/// A collection as a build before resolutions made it: no `resolutions` container.
fn earlier_collection(w: &World) -> StreetCollection {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    for (key, value) in [
        ("kind", "street_collection"),
        ("currency", "GBP"),
        ("title", "Old"),
    ] {
        tx.put(ROOT, key, value).expect("put");
    }
    tx.put(ROOT, "club", w.club_id.to_string()).expect("put");
    tx.put(ROOT, "schema_version", 1).expect("put");
    tx.put(ROOT, "created_at", at(0).millis()).expect("put");
    for c in [
        "permit",
        "status",
        "tins",
        "custody",
        "donations",
        "reversals",
        "counts",
        "ledger",
        "returns",
    ] {
        tx.put_object(ROOT, c, ObjType::Map).expect("container");
    }
    tx.commit();
    StreetCollection::from_automerge(doc).expect("an earlier collection opens")
}

pub fn cases(w: &World) -> Vec<Case> {
    let (doubled, tin_flag) = doubly_issued(w);
    let events = Events::new(w);
    let shift_flag = events
        .overbooked
        .flags()
        .expect("flags")
        .into_iter()
        .next()
        .expect("the steward shift is overbooked");
    let counts = Flag::TwoActiveCounts {
        tin: clubsync_core::ids::TinNumber(3),
        custody: clubsync_core::ids::CustodyId::new_v7(at(60)),
        counts: Vec::new(),
    };
    vec![
        resolve(
            "tin_out_twice_explained",
            w,
            &doubled,
            tin_flag.clone(),
            Resolved::Explained,
            "Ana handed tin 3 to Ben at 11:00",
        ),
        resolve(
            "overbooked_shift_corrected",
            w,
            &events.overbooked,
            shift_flag,
            Resolved::Corrected,
            "  Asked Ben to steward the next shift  ",
        ),
        resolve(
            "resolution_without_a_note",
            w,
            &doubled,
            tin_flag.clone(),
            Resolved::Explained,
            "   ",
        ),
        resolve(
            "two_counts_by_a_note",
            w,
            &doubled,
            counts,
            Resolved::Explained,
            "fine",
        ),
        resolve(
            "on_a_collection_an_earlier_build_made",
            w,
            &earlier_collection(w),
            Flag::NegativeStock {
                item: clubsync_core::ids::ItemId::new_v7(at(0)),
                quantity: -1,
            },
            Resolved::Explained,
            "recounted",
        ),
    ]
}
