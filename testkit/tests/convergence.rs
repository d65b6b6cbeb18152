//! Convergence under a hostile network, on the server's shipping document host: three devices
//! and a server edit and sync while frames are dropped, duplicated, delayed, reordered,
//! connections are cut and the server crashes (also between a commit and its acknowledgement);
//! once the network heals, every replica (and the server's committed store) holds the same heads
//! and the same content, and no device was ever told of a head that was not committed.
//!
//! 500 cases run in the normal test run; set `CLUBSYNC_PROPTEST_CASES` for more.

use clubsync_protocol::DocumentId;
use clubsync_testkit::sim::{Dir, World, content};
use proptest::prelude::*;

const CLIENTS: usize = 3;

#[derive(Clone, Debug)]
enum Op {
    Edit {
        client: usize,
        doc: usize,
        key: u8,
        value: u64,
    },
    Deliver {
        client: usize,
        dir: Dir,
    },
    Drop {
        client: usize,
        dir: Dir,
    },
    Duplicate {
        client: usize,
        dir: Dir,
    },
    Reorder {
        client: usize,
        dir: Dir,
    },
    Delay {
        client: usize,
        dir: Dir,
    },
    Cut {
        client: usize,
    },
    Connect {
        client: usize,
    },
    Commit,
    /// The server process dies: what was not committed is lost from its memory.
    Crash,
    /// The disk completes the waiting commits, and the server dies before acknowledging them.
    CommitThenCrash,
}

fn dir() -> impl Strategy<Value = Dir> {
    prop_oneof![Just(Dir::ToServer), Just(Dir::ToClient)]
}

fn op() -> impl Strategy<Value = Op> {
    let client = 0..CLIENTS;
    prop_oneof![
        4 => (client.clone(), 0..2usize, 0..6u8, any::<u64>())
            .prop_map(|(client, doc, key, value)| Op::Edit { client, doc, key, value }),
        12 => (client.clone(), dir()).prop_map(|(client, dir)| Op::Deliver { client, dir }),
        1 => (client.clone(), dir()).prop_map(|(client, dir)| Op::Drop { client, dir }),
        1 => (client.clone(), dir()).prop_map(|(client, dir)| Op::Duplicate { client, dir }),
        1 => (client.clone(), dir()).prop_map(|(client, dir)| Op::Reorder { client, dir }),
        1 => (client.clone(), dir()).prop_map(|(client, dir)| Op::Delay { client, dir }),
        1 => client.clone().prop_map(|client| Op::Cut { client }),
        2 => client.prop_map(|client| Op::Connect { client }),
        3 => Just(Op::Commit),
        1 => Just(Op::Crash),
        1 => Just(Op::CommitThenCrash),
    ]
}

fn cases() -> u32 {
    std::env::var("CLUBSYNC_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    run_in(World::new(CLIENTS), ops)
}

fn run_in(mut world: World, ops: &[Op]) -> Result<(), TestCaseError> {
    // 1. Two documents: the first every device holds from the start, the second only device 0
    //    has; the others ask the server for it.
    let docs = [
        DocumentId::from_bytes([1; 16]),
        DocumentId::from_bytes([2; 16]),
    ];
    for c in 0..CLIENTS {
        world.edit(c, docs[0], &format!("made-by-{c}"), c as u64);
        world.open(c, docs[1]);
        world.connect(c);
    }
    world.edit(0, docs[1], "created", 1);

    // 2. Edits and syncing on a network that misbehaves.
    for op in ops {
        match *op {
            Op::Edit {
                client,
                doc,
                key,
                value,
            } => world.edit(client, docs[doc], &format!("k{key}"), value),
            Op::Deliver { client, dir } => {
                world.deliver(client, dir);
            }
            Op::Drop { client, dir } => world.drop_frame(client, dir),
            Op::Duplicate { client, dir } => world.duplicate_frame(client, dir),
            Op::Reorder { client, dir } => world.reorder(client, dir),
            Op::Delay { client, dir } => world.delay(client, dir),
            Op::Cut { client } => world.cut(client),
            Op::Connect { client } => world.connect(client),
            Op::Commit => world.commit(),
            Op::Crash => world.crash_server(),
            Op::CommitThenCrash => world.commit_then_crash(),
        }
        prop_assert!(
            world.server.violations.is_empty(),
            "durability rule broken: {:?}",
            world.server.violations
        );
    }

    // 3. The network heals: every device reconnects and syncs until nothing moves.
    world.heal();

    // 4. Every replica has the server's heads and content, and so does the server's store.
    for doc in &docs {
        let server_heads = world.server_heads(doc);
        prop_assert!(!server_heads.is_empty(), "the server lost document {doc}");
        let reloaded = world.server_reloaded(doc);
        prop_assert_eq!(
            reloaded.get_heads(),
            server_heads.clone(),
            "store differs from memory"
        );
        let expected = content(&reloaded);
        for (i, client) in world.clients.iter().enumerate() {
            let replica = client
                .docs
                .get(doc)
                .expect("every device holds both documents");
            prop_assert_eq!(
                replica.get_heads(),
                server_heads.clone(),
                "device {} heads",
                i
            );
            prop_assert_eq!(content(replica), expected.clone(), "device {} content", i);
            // The device knows it: the server has told it these heads, so its records show as
            // saved on the server.
            let mut told = world.heads_told_to(i, doc).unwrap_or_default();
            told.sort();
            let mut expected_heads = server_heads.clone();
            expected_heads.sort();
            prop_assert_eq!(
                told,
                expected_heads,
                "device {} was not told its changes are saved",
                i
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn replicas_converge_after_a_hostile_network_heals(ops in prop::collection::vec(op(), 0..120)) {
        run(&ops)?;
    }
}

#[test]
fn the_property_fails_when_the_shipping_host_acknowledges_before_committing() {
    // The same world, with the durability gate taken out of the server's host: a device hears
    // its change is saved, and the server crashes before committing it.
    let ops: Vec<Op> = (0..20)
        .map(|i| Op::Deliver {
            client: 0,
            dir: if i % 2 == 0 {
                Dir::ToServer
            } else {
                Dir::ToClient
            },
        })
        .collect();
    let mut sound = World::new(CLIENTS);
    sound.server.break_durability = false;
    assert!(
        run_in(sound, &ops).is_ok(),
        "the shipping host keeps the rule"
    );
    let mut broken = World::new(CLIENTS);
    broken.server.break_durability = true;
    let failed = run_in(broken, &ops).expect_err("acknowledging before commit is caught");
    assert!(
        failed.to_string().contains("durability rule broken"),
        "{failed}"
    );
}

#[test]
fn edits_made_while_disconnected_all_arrive() {
    let doc = DocumentId::from_bytes([9; 16]);
    let mut world = World::new(CLIENTS);
    // Each device records ten donations with nobody connected.
    for c in 0..CLIENTS {
        for i in 0..10 {
            world.edit(c, doc, &format!("donation-{c}-{i}"), (c * 100 + i) as u64);
        }
    }
    world.heal();
    let expected = content(&world.server_reloaded(&doc));
    assert_eq!(
        expected.len(),
        30,
        "every donation reached the server's store"
    );
    for client in &world.clients {
        assert_eq!(content(&client.docs[&doc]), expected);
    }
}
