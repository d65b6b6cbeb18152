//! Which device owns each Automerge actor id: the first device whose change under that actor
//! reached the server. A change under an actor another device owns is refused, so no device
//! can write changes that look like another device's (or make another device's next change
//! look like a duplicate).
//!
//! The book is shared by every document's host and lives in memory; it is loaded at start from
//! the provenance rows the committer stores with each change (`actors` in `documents.sqlite`),
//! and a claim made here is stored with the first commit of a change under that actor. A claim
//! whose commit fails stays in memory for the same device, which sends the change again.

use std::collections::HashMap;
use std::sync::Mutex;

use automerge::ActorId;
use tracing::warn;

use crate::identity::DeviceId;

/// Actor ids and the devices that own them.
#[derive(Debug, Default)]
pub struct ActorBook {
    owners: Mutex<HashMap<ActorId, DeviceId>>,
}

impl ActorBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// The book as storage left it: (actor, device id) pairs. A device id that does not parse
    /// is skipped with a warning (its actor is then claimed again by the next device to use it).
    pub fn from_stored(pairs: Vec<(ActorId, String)>) -> Self {
        let mut owners = HashMap::with_capacity(pairs.len());
        for (actor, device) in pairs {
            match device.parse::<DeviceId>() {
                Ok(device) => {
                    owners.insert(actor, device);
                }
                Err(e) => warn!(%actor, %device, %e, "an actor's device id does not parse"),
            }
        }
        Self {
            owners: Mutex::new(owners),
        }
    }

    /// Claims every actor of `actors` for `device`, all or none: `Err` names the first actor
    /// another device owns, and that device.
    pub fn claim(&self, actors: &[ActorId], device: DeviceId) -> Result<(), (ActorId, DeviceId)> {
        // A panic elsewhere while holding the lock leaves the map whole: keep using it.
        let mut owners = self.owners.lock().unwrap_or_else(|e| e.into_inner());
        for actor in actors {
            if let Some(owner) = owners.get(actor)
                && *owner != device
            {
                return Err((actor.clone(), *owner));
            }
        }
        for actor in actors {
            owners.entry(actor.clone()).or_insert(device);
        }
        Ok(())
    }

    /// How many actors the book knows.
    pub fn len(&self) -> usize {
        self.owners.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when the book knows no actor.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn device(n: u8) -> DeviceId {
        DeviceId::from_uuid(Uuid::from_bytes([n; 16]))
    }

    #[test]
    fn the_first_device_to_use_an_actor_owns_it() {
        let book = ActorBook::new();
        let (a, b) = (ActorId::random(), ActorId::random());
        assert_eq!(book.claim(std::slice::from_ref(&a), device(1)), Ok(()));
        assert_eq!(book.claim(std::slice::from_ref(&a), device(1)), Ok(()));
        assert_eq!(
            book.claim(&[b.clone(), a.clone()], device(2)),
            Err((a, device(1)))
        );
        // All or none: the refused claim did not take `b` either.
        assert_eq!(book.claim(&[b], device(3)), Ok(()));
        assert_eq!(book.len(), 2);
    }

    #[test]
    fn the_book_is_read_back_from_storage() {
        let a = ActorId::random();
        let book = ActorBook::from_stored(vec![
            (a.clone(), device(1).to_string()),
            (ActorId::random(), "not a device".into()),
        ]);
        assert_eq!(book.len(), 1);
        assert_eq!(
            book.claim(std::slice::from_ref(&a), device(2)),
            Err((a, device(1)))
        );
    }
}
