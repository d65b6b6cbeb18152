//! Fuzz target: arbitrary bytes into `codec::decode`.
//!
//! Decoding must never panic, whatever the bytes. When a frame does decode, encoding the message
//! and decoding that again must give the same message: the codec's lenient reading (floats for
//! integers, `undefined` for absent fields, `metadata` for `peerMetadata`) must all land on values
//! the strict writer can write.
#![no_main]

use clubsync_protocol::codec;
use libfuzzer_sys::fuzz_target;

/// Small enough that the fuzzer also exercises `FrameTooLarge`, large enough for real frames.
const LIMIT: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = codec::decode(data, LIMIT) else {
        return;
    };
    let frame = codec::encode(&message);
    // The encoded frame may be longer than the input (e.g. `metadata` becomes `peerMetadata`), so
    // decode it without the input's limit.
    let again = codec::decode(&frame, usize::MAX).expect("a frame we encoded must decode");
    assert_eq!(message, again, "decode(encode(m)) != m");
    assert_eq!(
        frame,
        codec::encode(&again),
        "encoding is not deterministic"
    );
});
