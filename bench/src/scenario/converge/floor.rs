//! The floor the converge scenario is measured against: automerge alone merging the same
//! donations, with no network and no store, and the donations themselves.

use super::*;

/// The same data as the devices', merged by automerge alone: a base collection forked once per
/// device, N donations recorded on each fork through core (one change each), then every fork
/// merged into one hub, then the hub merged back into every fork. Checks the result as the
/// devices are checked. `device_ids` are the devices' ids, in order, which their donations
/// name here too, so the floor merges the same data.
pub(super) fn floor(
    device_ids: &[String],
    donations: usize,
    expected_total: i64,
) -> anyhow::Result<Floor> {
    let devices = device_ids.len();
    // No server sees these documents (they are merged in this process alone), so the club
    // they name needs to be no real club.
    let new = NewCollection {
        club: DocumentId::random(),
        title: "Converge".into(),
        currency: gbp()?,
    };
    let base = StreetCollection::create(None, &new, clubsync_client::now())
        .map_err(|e| anyhow!("cannot create the collection: {e}"))?;
    let mut replicas: Vec<Automerge> = Vec::with_capacity(devices);
    for (i, device) in device_ids.iter().enumerate() {
        let mut c = StreetCollection::from_automerge(base.automerge().fork())
            .map_err(|e| anyhow!("a fork: {e}"))?;
        let collector = MemberId::new_v7(clubsync_client::now());
        for k in 0..donations {
            c.record_donation(&donation(i, k, donations, collector, device)?)
                .map_err(|e| anyhow!("a donation: {e}"))?;
        }
        replicas.push(std::mem::take(c.automerge_mut()));
    }
    let mut hub = base.automerge().fork();

    let started = Instant::now();
    for replica in &mut replicas {
        hub.merge(replica)?;
    }
    let merge_in = started.elapsed();
    let started = Instant::now();
    for replica in &mut replicas {
        replica.merge(&mut hub)?;
    }
    let merge_out = started.elapsed();

    let heads = hub.get_heads();
    if replicas.iter().any(|r| r.get_heads() != heads) {
        bail!("the floor: a replica has other heads than the hub");
    }
    let hub = StreetCollection::from_automerge(hub).map_err(|e| anyhow!("the hub: {e}"))?;
    let count = hub.donations()?.len();
    let total = hub.donations_outside_tins_total()?.minor;
    if count != devices * donations || total != expected_total {
        bail!("the floor: {count} donations totalling {total} pence after merging");
    }
    Ok(Floor {
        merge_in,
        merge_out,
    })
}

/// Donation `k` of device `i`: a card donation whose amount (1.00 to 10.99) depends on both, so
/// the total checks that each was counted exactly once. `device` is the id of the device that
/// records it (`Membership::device_id`): the server refuses a new record naming another device.
pub(super) fn donation(
    i: usize,
    k: usize,
    per_device: usize,
    collector: MemberId,
    device: &str,
) -> anyhow::Result<NewDonation> {
    let at: Timestamp = clubsync_client::now();
    Ok(NewDonation {
        id: DonationId::new_v7(at),
        source: DonationSource::Card,
        amount: Money::new(100 + ((i * per_device + k) % 1000) as i64, gbp()?),
        at,
        collector,
        device: device.to_owned(),
        note: None,
    })
}

pub(super) fn gbp() -> anyhow::Result<Currency> {
    Currency::new("GBP").map_err(|e| anyhow!("GBP: {e}"))
}
