//! Hostile bytes as an attacker would craft them, for the tests that send each attack.

/// A document chunk with no actors or heads and one change column, marked deflated, of `mib`
/// MiB of zeros deflated (about a thousand times smaller).
pub fn deflated_column_bomb(mib: usize) -> Vec<u8> {
    use std::io::Write;
    let leb = |mut n: usize| {
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
    };
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..mib {
        encoder.write_all(&zeros).expect("deflate");
    }
    let column = encoder.finish().expect("deflated");
    // Actors 0, heads 0, one change column (id 1, deflate bit 0b1000), no operation columns.
    let mut body = vec![0, 0, 1, (1 << 4) | 0b1000];
    body.extend(leb(column.len()));
    body.push(0);
    body.extend(&column);
    // With its checksum (the first bytes of SHA-256 over type, length and data), as an attacker
    // would send it; automerge inflates the columns before it checks the checksum anyway.
    use sha2::Digest;
    let length = leb(body.len());
    let hash = sha2::Sha256::digest([&[0u8][..], &length, &body].concat());
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83];
    chunk.extend(&hash[..4]);
    chunk.push(0);
    chunk.extend(length);
    chunk.extend(body);
    chunk
}
