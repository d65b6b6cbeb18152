//! The club and the documents the cases start from: every state a phone meets in a street
//! collection (tins out, returned, counted, closed by a return) and in a petition (open, signed,
//! past its deadline), built with core's own writers.

use clubsync_core::club::{Club, ClubProfile, ClubType, Member, Role};
use clubsync_core::collection::{
    Denomination, DonationSource, IssueTin, NewCollection, NewCount, NewDonation, NewReturn,
    StreetCollection, TinReturn,
};
use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{
    CountId, CustodyId, DonationId, MemberId, ReturnId, ReversalId, SignatureId, TinNumber,
};
use clubsync_core::money::Money;
use clubsync_core::petition::{NewPetition, NewSignature, Petition, SignatureSource};
use clubsync_core::rules::Writer;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::ids::DocumentId;

/// 2026-03-14 10:00 UTC.
pub const T0: Timestamp = Timestamp(1_773_482_400_000);

/// `minutes` after `T0`.
pub fn at(minutes: i64) -> Timestamp {
    Timestamp(T0.0 + minutes * 60_000)
}

fn gbp(minor: i64) -> Money {
    Money::new(minor, Currency::new("GBP").expect("GBP"))
}

/// The club: Ana (the coordinator) and Ben, both 16 or over, and Kid, under 16.
pub struct World {
    pub club: Club,
    pub club_id: DocumentId,
    pub ana: MemberId,
    pub ben: MemberId,
    pub kid: MemberId,
}

/// The documents of the cases, each at a known state.
pub struct Collections {
    /// Tins 1 to 3, none issued.
    pub fresh: StreetCollection,
    /// Tin 1 out with Ana (`out_custody`), two taps into it, the second reversed.
    pub out: StreetCollection,
    pub out_custody: CustodyId,
    pub out_donation: DonationId,
    pub out_reversed: DonationId,
    /// Tin 1 returned (`returned_custody`); tin 2 out with Ben (`ben_custody`).
    pub returned: StreetCollection,
    pub returned_custody: CustodyId,
    pub ben_custody: CustodyId,
    /// `returned` with tin 1 counted by Ana and Ben, signed by Ana only.
    pub counted: StreetCollection,
    pub count: CountId,
    /// `counted` with card money, a return submitted, and entries after it: one made later,
    /// one made offline before it and merged after.
    pub closed: StreetCollection,
}

pub struct Petitions {
    /// No signature yet: the text is not frozen.
    pub open: Petition,
    /// One signature (`signature`) with its consent.
    pub signed: Petition,
    pub signature: SignatureId,
    /// Its deadline was `at(60)`.
    pub deadline: Timestamp,
}

impl World {
    pub fn new() -> Self {
        let profile = ClubProfile {
            name: "Leeds Community".into(),
            club_type: ClubType::Community,
            country: "GB".into(),
            time_zone: "Europe/London".into(),
            currency: Currency::new("GBP").expect("GBP"),
        };
        let mut club = Club::create(None, &profile, T0).expect("club");
        let mut add = |name: &str, role, age16plus| {
            let id = MemberId::new_v7(T0);
            let member = Member {
                id,
                display_name: name.into(),
                contact: None,
                role,
                age16plus,
            };
            club.add_member(&member, T0).expect("member");
            id
        };
        let ana = add("Ana", Role::Coordinator, true);
        let ben = add("Ben", Role::Volunteer, true);
        let kid = add("Kid", Role::Volunteer, false);
        World {
            club,
            club_id: DocumentId::random(),
            ana,
            ben,
            kid,
        }
    }

    /// The phone of `member`, as the server knows it.
    pub fn writer(&self, member: MemberId) -> Writer {
        Writer {
            member,
            device: device_of(member),
            club_document: Some(self.club_id),
            coordinator: member == self.ana,
        }
    }

    pub fn collections(&self) -> Collections {
        let new = NewCollection {
            club: self.club_id,
            title: "Briggate, 14 March".into(),
            currency: Currency::new("GBP").expect("GBP"),
        };
        let mut fresh = StreetCollection::create(None, &new, T0).expect("collection");
        for n in 1..=3 {
            fresh.add_tin(TinNumber(n), None, T0).expect("tin");
        }

        let mut out = fresh.clone();
        let out_custody = self.issue(&mut out, 1, self.ana, "S-1", 1);
        let out_donation = self.tap(&mut out, 1, self.ana, 500, 2);
        let out_reversed = self.tap(&mut out, 1, self.ana, 200, 3);
        out.reverse_donation(
            ReversalId::new_v7(at(4)),
            out_reversed,
            "Tapped twice",
            self.ana,
            at(4),
        )
        .expect("reversal");

        let mut returned = out.clone();
        returned
            .return_tin(
                out_custody,
                &TinReturn {
                    at: at(30),
                    to: self.ana,
                    seal_intact: true,
                },
            )
            .expect("returned");
        let ben_custody = self.issue(&mut returned, 2, self.ben, "S-2", 31);
        self.tap(&mut returned, 2, self.ben, 1000, 32);

        let mut counted = returned.clone();
        let count = CountId::new_v7(at(40));
        counted
            .record_count(
                &NewCount {
                    id: count,
                    custody: out_custody,
                    place: "Club room".into(),
                    at: at(40),
                    counter1: self.ana,
                    counter2: self.ben,
                    related_reason: None,
                    denominations: vec![
                        Denomination {
                            value_minor: 200,
                            quantity: 3,
                        },
                        Denomination {
                            value_minor: 50,
                            quantity: 5,
                        },
                    ],
                    non_cash: None,
                    supersedes: None,
                },
                &self.club,
            )
            .expect("count");
        counted.sign_count(count, self.ana, at(41)).expect("signed");

        let mut closed = counted.clone();
        self.card(&mut closed, 2500, 42);
        let mut offline = StreetCollection::from_automerge(closed.automerge().fork())
            .expect("a copy on another phone");
        self.card(&mut offline, 700, 43);
        closed
            .submit_return(&NewReturn {
                id: ReturnId::new_v7(at(50)),
                reference: Some("LCC-2026-114".into()),
                by: self.ana,
                at: at(50),
            })
            .expect("return");
        self.card(&mut closed, 300, 51);
        self.tap(&mut closed, 2, self.ben, 100, 52);
        closed.merge(&mut offline).expect("merged");

        Collections {
            fresh,
            out,
            out_custody,
            out_donation,
            out_reversed,
            returned,
            returned_custody: out_custody,
            ben_custody,
            counted,
            count,
            closed,
        }
    }

    pub fn petitions(&self) -> Petitions {
        let deadline = at(60);
        let new = NewPetition {
            club: self.club_id,
            title: "Protect defectors in transit".into(),
            text: "We ask the Foreign Secretary to press for the protection of North Korean \
                   defectors in transit."
                .into(),
            deadline: Some(deadline),
            retain_until: None,
        };
        let open = Petition::create(None, &new, T0).expect("petition");
        let mut signed = open.clone();
        let signature = SignatureId::new_v7(at(5));
        signed
            .sign(&NewSignature {
                id: signature,
                name: "Kim Min-jun".into(),
                postcode: Some("LS1 4AP".into()),
                town: None,
                email: None,
                phone: None,
                at: at(5),
                collector: self.ana,
                event: None,
                source: SignatureSource::Device,
                comment: None,
            })
            .expect("signed");
        Petitions {
            open,
            signed,
            signature,
            deadline,
        }
    }

    pub fn issue(
        &self,
        c: &mut StreetCollection,
        tin: u32,
        to: MemberId,
        seal: &str,
        minute: i64,
    ) -> CustodyId {
        let issue = IssueTin {
            id: CustodyId::new_v7(at(minute)),
            tin: TinNumber(tin),
            collector: to,
            seal: seal.into(),
            issued_by: to,
            at: at(minute),
        };
        c.issue_tin(&issue, &self.club).expect("issued")
    }

    fn tap(
        &self,
        c: &mut StreetCollection,
        tin: u32,
        by: MemberId,
        minor: i64,
        minute: i64,
    ) -> DonationId {
        self.donate(c, DonationSource::Tin(TinNumber(tin)), by, minor, minute)
    }

    pub fn card(&self, c: &mut StreetCollection, minor: i64, minute: i64) -> DonationId {
        self.donate(c, DonationSource::Card, self.ana, minor, minute)
    }

    fn donate(
        &self,
        c: &mut StreetCollection,
        source: DonationSource,
        by: MemberId,
        minor: i64,
        minute: i64,
    ) -> DonationId {
        let new = NewDonation {
            id: DonationId::new_v7(at(minute)),
            source,
            amount: gbp(minor),
            at: at(minute),
            collector: by,
            device: device_of(by),
            note: None,
        };
        c.record_donation(&new).expect("donation")
    }
}

/// The device id of a member's phone.
pub fn device_of(member: MemberId) -> String {
    // A v7 id starts with its time, and the members were made in the same millisecond.
    let key = member.key();
    format!("phone-{}", &key[key.len() - 8..])
}
