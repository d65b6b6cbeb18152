//! Measures what checking a received change against the record rules costs, beside what
//! applying it costs: the server does both for every change a device sends.
//!
//! ```text
//! cargo run --release -p clubsync-core --example rules_bench -- 1000 100000
//! ```
//!
//! For each size N given, a phone's collection holds N card donations and the server's copy is
//! the same; then the phone records 2,000 more, one change each, and the server applies each
//! change (`Automerge::apply_changes`, as a received sync message does) and checks it
//! (`rules::check_changes`). Prints the mean and 99th percentile of both, per change.

use std::error::Error;
use std::time::{Duration, Instant};

use clubsync_core::collection::{DonationSource, NewCollection, NewDonation, StreetCollection};
use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{DonationId, MemberId};
use clubsync_core::money::Money;
use clubsync_core::rules::{Writer, check_changes};
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::ids::DocumentId;

const T0: i64 = 1_773_482_400_000;
const MEASURED: usize = 2_000;

fn donation(i: usize, collector: MemberId, gbp: Currency) -> NewDonation {
    let at = Timestamp(T0 + i as i64);
    NewDonation {
        id: DonationId::new_v7(at),
        source: DonationSource::Card,
        amount: Money::new(100 + (i % 5000) as i64, gbp),
        at,
        collector,
        device: "phone-1".into(),
        note: None,
    }
}

fn summary(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len().max(1) as u32;
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    (mean, p99)
}

fn main() -> Result<(), Box<dyn Error>> {
    let gbp = Currency::new("GBP")?;
    let collector = MemberId::new_v7(Timestamp(T0));
    let writer = Writer {
        member: collector,
        device: "phone-1".into(),
        club_document: None,
        coordinator: false,
    };
    println!(
        "| donations already in the collection | apply, mean | apply, p99 | check, mean | check, p99 | check / apply (mean) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for arg in std::env::args().skip(1) {
        let n: usize = arg.parse()?;
        let new = NewCollection {
            club: DocumentId::random(),
            title: "Rules bench".into(),
            currency: gbp,
        };
        let mut phone = StreetCollection::create(None, &new, Timestamp(T0))?;
        for i in 0..n {
            phone.record_donation(&donation(i, collector, gbp))?;
        }
        let mut server = phone.automerge().fork();
        let (mut apply, mut check) = (Vec::new(), Vec::new());
        for i in n..n + MEASURED {
            let before = phone.heads();
            phone.record_donation(&donation(i, collector, gbp))?;
            let change = phone.automerge().get_changes(&before);
            let server_before = server.get_heads();
            let started = Instant::now();
            server.apply_changes(change)?;
            apply.push(started.elapsed());
            let started = Instant::now();
            check_changes(&server, &server_before, &writer)?;
            check.push(started.elapsed());
        }
        let (apply_mean, apply_p99) = summary(apply);
        let (check_mean, check_p99) = summary(check);
        println!(
            "| {n} | {apply_mean:.1?} | {apply_p99:.1?} | {check_mean:.1?} | {check_p99:.1?} | {:.2} |",
            check_mean.as_secs_f64() / apply_mean.as_secs_f64()
        );
    }
    Ok(())
}
