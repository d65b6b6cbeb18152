//! Property test: however three devices interleave offline donations and partial syncs, with
//! duplicated and reordered deliveries, once everything is delivered every device holds the
//! same donations, and the total is the sum of what was recorded, each counted once.

mod fixtures;

use clubsync_core::collection::StreetCollection;
use clubsync_core::document::TypedDocument;
use fixtures::{card_donation, replica, world};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    /// Device `0` records a donation of `1` minor units.
    Record(usize, i64),
    /// Device `0` delivers all its changes to device `1`, `2` times (duplicates).
    Deliver(usize, usize, u8),
    /// Device `0` delivers only its last change to device `1` (out of order, may not apply yet).
    DeliverLast(usize, usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..3usize, 1..100_000i64).prop_map(|(d, m)| Step::Record(d, m)),
        (0..3usize, 0..3usize, 1..3u8).prop_map(|(a, b, n)| Step::Deliver(a, b, n)),
        (0..3usize, 0..3usize).prop_map(|(a, b)| Step::DeliverLast(a, b)),
    ]
}

fn deliver_all(devices: &mut [StreetCollection], from: usize, to: usize) {
    let changes = devices[from].automerge().get_changes(&[]);
    devices[to]
        .automerge_mut()
        .apply_changes(changes)
        .expect("changes apply");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_device_converges_on_every_donation_counted_once(steps in proptest::collection::vec(step(), 1..40)) {
        let w = world();
        let mut devices = vec![replica(&w.collection), replica(&w.collection), replica(&w.collection)];
        let mut recorded = 0i64;
        let mut count = 0usize;
        for (i, s) in steps.iter().enumerate() {
            match *s {
                Step::Record(d, minor) => {
                    devices[d].record_donation(&card_donation(minor, w.ana, i as i64)).expect("recorded");
                    recorded += minor;
                    count += 1;
                }
                Step::Deliver(a, b, times) => {
                    for _ in 0..times {
                        deliver_all(&mut devices, a, b);
                    }
                }
                Step::DeliverLast(a, b) => {
                    if let Some(change) = devices[a].automerge().get_last_local_change() {
                        devices[b].automerge_mut().apply_changes([change]).expect("queued or applied");
                    }
                }
            }
        }
        // Finally everything reaches everyone.
        for _ in 0..2 {
            for a in 0..3 {
                for b in 0..3 {
                    deliver_all(&mut devices, a, b);
                }
            }
        }
        let expected = devices[0].donations().expect("readable");
        prop_assert_eq!(expected.len(), count);
        for d in &devices {
            prop_assert_eq!(d.heads(), devices[0].heads());
            prop_assert_eq!(&d.donations().expect("readable"), &expected);
            prop_assert_eq!(d.donations_outside_tins_total().expect("total").minor, recorded);
        }
    }
}
