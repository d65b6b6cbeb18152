//! Measures the store with realistic volumes: recording donations one saved change at a time,
//! and opening a collection of many donations and a petition of many signatures, beside loading
//! the same bytes with the automerge crate alone (the floor).
//!
//! ```text
//! cargo run --release -p clubsync-core --example store_bench -- record 100000 20000 /tmp/bench.db
//! cargo run --release -p clubsync-core --example store_bench -- open /tmp/bench.db
//! cargo run --release -p clubsync-core --example store_bench -- floor /tmp/bench.db
//! ```
//!
//! `open` and `floor` run in their own process so that the peak memory (VmHWM) is theirs.

use std::error::Error;
use std::path::Path;
use std::time::Instant;

use automerge::Automerge;
use clubsync_core::collection::{DonationSource, NewCollection, NewDonation, StreetCollection};
use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{DonationId, MemberId, SignatureId};
use clubsync_core::money::Money;
use clubsync_core::petition::{NewPetition, NewSignature, Petition, SignatureSource};
use clubsync_core::store::{DocumentStore, SqliteStore};
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::ids::DocumentId;

const T0: i64 = 1_773_482_400_000;

fn ids(store: &SqliteStore) -> Result<(DocumentId, DocumentId), Box<dyn Error>> {
    let mut collection = None;
    let mut petition = None;
    for id in store.documents()? {
        let doc = store.load(&id)?.ok_or("listed document missing")?;
        match clubsync_core::document::DocumentKind::of(&doc)? {
            clubsync_core::document::DocumentKind::StreetCollection => collection = Some(id),
            clubsync_core::document::DocumentKind::Petition => petition = Some(id),
            _ => {}
        }
    }
    Ok((
        collection.ok_or("no collection")?,
        petition.ok_or("no petition")?,
    ))
}

fn file_size(path: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
        .map(|m| m.len())
        .sum()
}

fn peak_kib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_owned())
        })
        .unwrap_or_else(|| "?".into())
}

fn record(donations: i64, signatures: i64, path: &Path) -> Result<(), Box<dyn Error>> {
    let gbp = Currency::new("GBP")?;
    let mut store = SqliteStore::open(path)?;
    let collector = MemberId::new_v7(Timestamp(T0));
    let new = NewCollection {
        club: DocumentId::random(),
        title: "Bench".into(),
        currency: gbp,
    };
    let mut c = StreetCollection::create(None, &new, Timestamp(T0))?;
    let cid = DocumentId::random();
    store.append_chunk(&cid, &c.automerge().save())?;
    let start = Instant::now();
    for i in 0..donations {
        let at = Timestamp(T0 + i * 1000);
        let before = c.heads();
        c.record_donation(&NewDonation {
            id: DonationId::new_v7(at),
            source: DonationSource::Card,
            amount: Money::new(100 + i % 5000, gbp),
            at,
            collector,
            device: "bench".into(),
            note: None,
        })?;
        store.append_chunk(&cid, &c.changes_since(&before))?;
    }
    let took = start.elapsed();
    println!(
        "record: {donations} donations, each its own change and SQLite transaction: {:.1} s ({:.0} µs each), store {:.1} MiB",
        took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / donations as f64,
        file_size(path) as f64 / 1048576.0
    );
    let start = Instant::now();
    let done = store.compact(&cid)?;
    println!(
        "compact: {} chunks into a {:.1} MiB snapshot in {:.1} s, store {:.1} MiB",
        done.chunks_folded,
        done.snapshot_bytes as f64 / 1048576.0,
        start.elapsed().as_secs_f64(),
        file_size(path) as f64 / 1048576.0
    );

    let new = NewPetition {
        club: DocumentId::random(),
        title: "Bench".into(),
        text: "Text".into(),
        deadline: None,
        retain_until: None,
    };
    let mut p = Petition::create(None, &new, Timestamp(T0))?;
    let pid = DocumentId::random();
    for i in 0..signatures {
        let at = Timestamp(T0 + i * 1000);
        p.sign(&NewSignature {
            id: SignatureId::new_v7(at),
            name: format!("Signer {i}"),
            postcode: Some(format!("LS{} {}AB", i % 30, i % 10)),
            town: None,
            email: None,
            phone: None,
            at,
            collector,
            event: None,
            source: SignatureSource::Device,
            comment: None,
        })?;
    }
    store.append_chunk(&pid, &p.automerge().save())?;
    store.compact(&pid)?;
    println!(
        "store with both documents: {:.1} MiB",
        file_size(path) as f64 / 1048576.0
    );
    Ok(())
}

fn open(path: &Path) -> Result<(), Box<dyn Error>> {
    let store = SqliteStore::open(path)?;
    let (cid, pid) = ids(&store)?;
    let start = Instant::now();
    let c = StreetCollection::from_automerge(store.load(&cid)?.ok_or("collection")?)?;
    let p = Petition::from_automerge(store.load(&pid)?.ok_or("petition")?)?;
    let opened = start.elapsed();
    let start = Instant::now();
    let total = c.donations_outside_tins_total()?;
    let signatures = p.signatures()?.len();
    let read = start.elapsed();
    println!(
        "open: {:.3} s to load both documents from the store; {:.3} s more to read every donation ({total}) and {signatures} signatures; peak {} KiB",
        opened.as_secs_f64(),
        read.as_secs_f64(),
        peak_kib()
    );
    Ok(())
}

fn floor(path: &Path) -> Result<(), Box<dyn Error>> {
    let conn = rusqlite::Connection::open(path)?;
    let mut stmt = conn.prepare("SELECT bytes FROM snapshots")?;
    let blobs: Vec<Vec<u8>> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let start = Instant::now();
    let docs: Vec<Automerge> = blobs
        .iter()
        .map(|b| Automerge::load(b))
        .collect::<Result<_, _>>()?;
    println!(
        "floor: {:.3} s for Automerge::load of the same {} snapshots; peak {} KiB",
        start.elapsed().as_secs_f64(),
        docs.len(),
        peak_kib()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("record") if args.len() == 5 => {
            record(args[2].parse()?, args[3].parse()?, Path::new(&args[4]))
        }
        Some("open") if args.len() == 3 => open(Path::new(&args[2])),
        Some("floor") if args.len() == 3 => floor(Path::new(&args[2])),
        _ => Err(
            "usage: store_bench record DONATIONS SIGNATURES FILE | open FILE | floor FILE".into(),
        ),
    }
}
