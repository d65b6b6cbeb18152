//! Checks on a peer's automerge sync message that automerge itself does not make.
//!
//! `automerge::sync::Message::decode` (automerge 0.12) accepts bloom filters whose parameters
//! break the *next* `generate_sync_message` for that peer: a filter with entries but no bits makes
//! `BloomFilter::get_probes` divide by zero (a panic), and a filter asking for billions of probes
//! makes it allocate and fill a `Vec` that large (memory exhaustion, which no `catch_unwind` can
//! stop). Both happen while *we* generate, long after the message was received, so one bad message
//! from any peer could take a server down. Every sync message from a peer goes through [`decode`]
//! or [`check`] before it is applied. Found by the `server_session` fuzz target.

use automerge::sync;

/// The most bloom filter probes accepted. automerge and automerge-repo use 7.
pub(crate) const MAX_BLOOM_PROBES: u64 = 64;

/// The most `have` entries (each a bloom filter) accepted in one sync message. automerge and
/// automerge-repo send one. automerge keeps every filter of the peer's last message and tests
/// each of the document's changes against every one of them whenever it generates a message
/// for that peer, so a message with thousands of filters made each later message cost changes
/// times filters.
pub(crate) const MAX_HAVES: usize = 8;

/// The most bytes the compressed changes of one message may inflate to, together. automerge
/// 0.12 inflates each compressed change of a received message with `read_to_end` before any
/// other check, so a message of a few hundred kilobytes of deflated zeros made it allocate
/// gigabytes.
pub(crate) const MAX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;

/// How much larger than its compressed form a change may be, past its first
/// [`ALWAYS_INFLATED_BYTES`]. Changes of club records deflate about 2 to 30 times; deflate
/// cannot exceed about 1,032 times, which only a bomb approaches.
pub(crate) const MAX_INFLATION_RATIO: u64 = 64;

/// What any one compressed change may inflate to whatever its ratio (a long text of one
/// repeated character deflates far better than 64 times, and is harmless at this size).
pub(crate) const ALWAYS_INFLATED_BYTES: u64 = 1024 * 1024;

/// The first bytes of every automerge chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// automerge's chunk type for a deflated change.
const COMPRESSED_CHANGE: u8 = 2;

/// Decodes a sync message and checks it; the error says what is wrong, for a log reader.
pub(crate) fn decode(data: &[u8]) -> Result<sync::Message, String> {
    let message = sync::Message::decode(data).map_err(|e| e.to_string())?;
    check(&message)?;
    Ok(message)
}

/// Checks a decoded sync message: every bloom filter must be one automerge can use safely.
pub(crate) fn check(message: &sync::Message) -> Result<(), String> {
    if message.have.len() > MAX_HAVES {
        return Err(format!(
            "{} bloom filters in one message (at most {MAX_HAVES} accepted)",
            message.have.len()
        ));
    }
    message
        .have
        .iter()
        .try_for_each(|have| check_bloom(&have.bloom.to_bytes()))?;
    let mut budget = MAX_INFLATED_BYTES;
    message
        .changes
        .iter()
        .try_for_each(|chunk| check_inflation(chunk, &mut budget))
}

/// Checks that every compressed change chunk in `bytes` (one entry of a message's changes)
/// inflates to at most [`ALWAYS_INFLATED_BYTES`] or [`MAX_INFLATION_RATIO`] times its size,
/// and within what is left of the message's `budget`, by inflating it into a counter.
/// Anything that does not parse as chunks is left to automerge, which refuses it.
fn check_inflation(bytes: &[u8], budget: &mut u64) -> Result<(), String> {
    use std::io::Read;
    let mut rest = bytes;
    while rest.len() > 9 && rest[..4] == MAGIC {
        let chunk_type = rest[8];
        let mut after = &rest[9..];
        let Ok(length) = read_leb128(&mut after) else {
            return Ok(());
        };
        let Some(data) = usize::try_from(length).ok().and_then(|n| after.get(..n)) else {
            return Ok(());
        };
        if chunk_type == COMPRESSED_CHANGE {
            let bound = (data.len() as u64)
                .saturating_mul(MAX_INFLATION_RATIO)
                .max(ALWAYS_INFLATED_BYTES)
                .min(*budget);
            let mut inflated = flate2::bufread::DeflateDecoder::new(data).take(bound + 1);
            let size = std::io::copy(&mut inflated, &mut std::io::sink()).unwrap_or(0);
            if size > bound {
                return Err(format!(
                    "a compressed change of {} bytes inflates past {bound} bytes",
                    data.len()
                ));
            }
            *budget -= size;
        }
        rest = &after[data.len()..];
    }
    Ok(())
}

/// Checks an encoded bloom filter: `num_entries`, `num_bits_per_entry`, `num_probes` (LEB128),
/// then the bits. An empty encoding is the empty filter, which is always safe.
fn check_bloom(encoded: &[u8]) -> Result<(), String> {
    let mut rest = encoded;
    if rest.is_empty() {
        return Ok(());
    }
    let entries = read_leb128(&mut rest)?;
    let _bits_per_entry = read_leb128(&mut rest)?;
    let probes = read_leb128(&mut rest)?;
    if entries == 0 {
        // automerge never reads the bits of a filter without entries.
        return Ok(());
    }
    if rest.is_empty() {
        return Err(format!("bloom filter of {entries} entries has no bits"));
    }
    // automerge computes the number of bits as a u32.
    if rest.len() > (u32::MAX / 8) as usize {
        return Err(format!("bloom filter of {} bytes is too large", rest.len()));
    }
    if probes > MAX_BLOOM_PROBES {
        return Err(format!(
            "bloom filter asks for {probes} probes per hash (at most {MAX_BLOOM_PROBES} accepted)"
        ));
    }
    Ok(())
}

fn read_leb128(input: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let Some((&byte, rest)) = input.split_first() else {
            break;
        };
        *input = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("bloom filter has a truncated or overlong number".into())
}

/// A first sync message whose one bloom filter is the encoded `bloom`, as a hostile peer would
/// send it. The peer has a change of its own, so the receiver's next `generate_sync_message`
/// consults the filter (for a peer with no heads, automerge sends the whole document instead).
#[cfg(test)]
pub(crate) fn message_with_bloom(bloom: &[u8]) -> sync::Message {
    use automerge::sync::{BloomFilter, Have, SyncDoc};
    use automerge::transaction::Transactable;
    let mut peer = automerge::Automerge::new();
    let mut tx = peer.transaction();
    tx.put(automerge::ROOT, "hostile", 1)
        .expect("put on a fresh doc");
    tx.commit();
    let mut message = peer
        .generate_sync_message(&mut sync::State::new())
        .expect("a first message");
    message.have = vec![Have {
        last_sync: Vec::new(),
        bloom: BloomFilter::try_from(bloom).expect("a parseable bloom filter"),
    }];
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT};

    #[test]
    fn real_messages_pass() {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(ROOT, "donation", 25).expect("put");
        tx.commit();
        let message = doc
            .generate_sync_message(&mut sync::State::new())
            .expect("a first message");
        assert!(!message.have[0].bloom.to_bytes().is_empty());
        assert_eq!(decode(&message.clone().encode()), Ok(message));
    }

    #[test]
    fn a_bloom_filter_without_bits_is_refused() {
        // One entry, zero bits per entry, seven probes: no bits at all.
        let message = message_with_bloom(&[1, 0, 7]);
        let error = decode(&message.encode()).expect_err("refused");
        assert!(error.contains("no bits"), "{error}");
    }

    #[test]
    fn a_bloom_filter_with_billions_of_probes_is_refused() {
        // One entry, ten bits per entry, u32::MAX probes, two bytes of bits.
        let message = message_with_bloom(&[1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0]);
        let error = check(&message).expect_err("refused");
        assert!(error.contains("probes"), "{error}");
    }

    #[test]
    fn a_message_with_thousands_of_bloom_filters_is_refused() {
        let mut message = real_message();
        let have = message.have[0].clone();
        message.have = vec![have; 5_000];
        let error = decode(&message.clone().encode()).expect_err("refused");
        assert!(error.contains("5000 bloom filters"), "{error}");
        message.have.truncate(MAX_HAVES);
        assert!(check(&message).is_ok(), "a few filters are fine");
    }

    fn real_message() -> sync::Message {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(ROOT, "donation", 25).expect("put");
        tx.commit();
        doc.generate_sync_message(&mut sync::State::new())
            .expect("a first message")
    }

    #[test]
    fn a_compressed_change_that_inflates_to_a_bomb_is_refused_and_real_ones_pass() {
        use std::io::Write;
        // A real change over 256 bytes, which automerge sends deflated.
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(ROOT, "note", "a long note ".repeat(100))
            .expect("put");
        tx.commit();
        let change = doc.get_last_local_change().expect("one").bytes().to_vec();
        assert_eq!(change[8], COMPRESSED_CHANGE, "automerge deflated it");
        let mut message = real_message();
        message.changes = vec![change].into();
        assert_eq!(check(&message), Ok(()));

        // 200 MiB of zeros, deflated to a few hundred kilobytes, in a compressed change chunk.
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..200 {
            encoder.write_all(&zeros).expect("deflate");
        }
        let data = encoder.finish().expect("deflated");
        let mut bomb = MAGIC.to_vec();
        bomb.extend([0, 0, 0, 0, COMPRESSED_CHANGE]);
        let mut length = data.len() as u64;
        loop {
            let byte = (length & 0x7f) as u8;
            length >>= 7;
            if length == 0 {
                bomb.push(byte);
                break;
            }
            bomb.push(byte | 0x80);
        }
        bomb.extend(&data);
        message.changes = vec![bomb].into();
        let error = check(&message).expect_err("refused");
        assert!(error.contains("inflates past"), "{error}");
    }

    #[test]
    fn leb128_that_never_ends_is_an_error() {
        assert!(check_bloom(&[0x80; 12]).is_err());
        assert!(check_bloom(&[0x81]).is_err());
    }
}
