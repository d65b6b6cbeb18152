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

/// automerge's chunk type for a whole document.
const DOCUMENT: u8 = 0;

/// The bit of a column's specification that says its data is deflated.
const DEFLATE_BIT: u64 = 0b1000;

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

/// Checks that the saved Automerge bytes `bytes` (a document, changes, or both concatenated, as
/// a device uploads its copy) inflate to at most [`MAX_INFLATED_BYTES`] together, each part
/// within [`MAX_INFLATION_RATIO`] of its size: what [`check`] asks of one sync message.
pub fn check_saved_bytes(bytes: &[u8]) -> Result<(), String> {
    let mut budget = MAX_INFLATED_BYTES;
    check_inflation(bytes, &mut budget)
}

/// Checks that every deflated part of the chunks in `bytes` (one entry of a message's changes)
/// inflates to at most [`ALWAYS_INFLATED_BYTES`] or [`MAX_INFLATION_RATIO`] times its size,
/// and within what is left of the message's `budget`, by inflating it into a counter. The
/// deflated parts are a compressed change chunk (type 2) and the deflated columns of a
/// document chunk (type 0: automerge sends a whole document to a peer that has nothing, and
/// inflates each deflated column with `read_to_end`). Anything that does not parse as chunks
/// is left to automerge, which refuses it.
fn check_inflation(bytes: &[u8], budget: &mut u64) -> Result<(), String> {
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
        match chunk_type {
            COMPRESSED_CHANGE => inflate_bounded(data, budget, "a compressed change")?,
            DOCUMENT => {
                for column in deflated_columns(data) {
                    inflate_bounded(column, budget, "a deflated column of a document")?;
                }
            }
            _ => {}
        }
        rest = &after[data.len()..];
    }
    Ok(())
}

/// Inflates `data` into a counter, refusing it past its bound (or past the `budget` left).
fn inflate_bounded(data: &[u8], budget: &mut u64, what: &str) -> Result<(), String> {
    use std::io::Read;
    let bound = (data.len() as u64)
        .saturating_mul(MAX_INFLATION_RATIO)
        .max(ALWAYS_INFLATED_BYTES)
        .min(*budget);
    let mut inflated = flate2::bufread::DeflateDecoder::new(data).take(bound + 1);
    let size = std::io::copy(&mut inflated, &mut std::io::sink()).unwrap_or(0);
    if size > bound {
        return Err(format!(
            "{what} of {} bytes inflates past {bound} bytes",
            data.len()
        ));
    }
    *budget -= size;
    Ok(())
}

/// The deflated columns of a document chunk's `data`: after the actors and the heads come the
/// change columns' and the operation columns' specifications and lengths, then their data in
/// that order. A column is deflated when its specification has [`DEFLATE_BIT`]. What does not
/// parse ends the list (automerge refuses such a chunk before inflating anything past it).
fn deflated_columns(data: &[u8]) -> Vec<&[u8]> {
    fn take<'a>(input: &mut &'a [u8], n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        let (taken, rest) = (input.get(..n)?, input.get(n..)?);
        *input = rest;
        Some(taken)
    }
    let mut rest = data;
    let mut columns = Vec::new();
    let mut parse = || -> Option<()> {
        let actors = read_leb128(&mut rest).ok()?;
        for _ in 0..actors {
            let length = read_leb128(&mut rest).ok()?;
            take(&mut rest, length)?;
        }
        let heads = read_leb128(&mut rest).ok()?;
        take(&mut rest, heads.checked_mul(32)?)?;
        let mut specs = Vec::new();
        for _ in 0..2 {
            let count = read_leb128(&mut rest).ok()?;
            for _ in 0..count {
                let spec = read_leb128(&mut rest).ok()?;
                let length = read_leb128(&mut rest).ok()?;
                specs.push((spec, length));
            }
        }
        for (spec, length) in specs {
            let column = take(&mut rest, length)?;
            if spec & DEFLATE_BIT != 0 {
                columns.push(column);
            }
        }
        Some(())
    };
    let _ = parse();
    columns
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

/// A LEB128 number (what automerge's chunks and bloom filters are written in).
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
    Err("a truncated or overlong number".into())
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
        message.changes = vec![chunk(COMPRESSED_CHANGE, &deflated_zeros(200))].into();
        let error = check(&message).expect_err("refused");
        assert!(error.contains("inflates past"), "{error}");
    }

    #[test]
    fn a_document_whose_deflated_column_inflates_to_a_bomb_is_refused_and_real_ones_pass() {
        // A real document with columns over 256 bytes, which automerge saves deflated.
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        for i in 0..2000_i64 {
            tx.put(ROOT, format!("donation-{i}"), i).expect("put");
        }
        tx.commit();
        let saved = doc.save();
        assert_eq!(saved[8], DOCUMENT);
        let mut data = &saved[9..];
        let length = read_leb128(&mut data).expect("a chunk length");
        let columns = deflated_columns(&data[..length as usize]);
        assert!(!columns.is_empty(), "automerge deflated a column");
        let mut message = real_message();
        message.changes = vec![saved.clone()].into();
        assert_eq!(check(&message), Ok(()));
        assert_eq!(check_saved_bytes(&saved), Ok(()));

        // No actors, no heads, one change column (id 1, deflated) of 200 MiB of zeros.
        let zeros = deflated_zeros(200);
        let mut body = vec![0, 0, 1, (1 << 4) | DEFLATE_BIT as u8];
        body.extend(leb128(zeros.len() as u64));
        body.push(0);
        body.extend(&zeros);
        let bomb = chunk(DOCUMENT, &body);
        message.changes = vec![bomb.clone()].into();
        let error = check(&message).expect_err("refused");
        assert!(error.contains("a deflated column of a document"), "{error}");
        let error = check_saved_bytes(&[saved, bomb].concat()).expect_err("refused");
        assert!(error.contains("inflates past"), "{error}");
    }

    /// `mib` MiB of zeros, deflated.
    fn deflated_zeros(mib: usize) -> Vec<u8> {
        use std::io::Write;
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..mib {
            encoder.write_all(&zeros).expect("deflate");
        }
        encoder.finish().expect("deflated")
    }

    /// A chunk of `chunk_type` around `data` (the checksum is not checked before inflating).
    fn chunk(chunk_type: u8, data: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend([0, 0, 0, 0, chunk_type]);
        out.extend(leb128(data.len() as u64));
        out.extend(data);
        out
    }

    fn leb128(mut n: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }

    #[test]
    fn leb128_that_never_ends_is_an_error() {
        assert!(check_bloom(&[0x80; 12]).is_err());
        assert!(check_bloom(&[0x81]).is_err());
    }
}
