//! FastCGI name-value pairs (the body of PARAMS, GET_VALUES and GET_VALUES_RESULT).
//!
//! Each pair is `name_len value_len name value`; a length below 128 takes one byte, a
//! longer one four bytes big-endian with the top bit set (FastCGI 1.0, section 3.4).
//! Names and values are bytes, never assumed to be UTF-8; order and duplicates are kept
//! (nginx sends a repeated header as two params with the same name).

use super::error::ProtocolError;

/// Largest length the 4-byte form can express.
const MAX_PAIR_LEN: usize = 0x7fff_ffff;

/// Appends one length in the 1- or 4-byte form.
fn encode_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        // Fits in 7 bits, the cast cannot truncate.
        out.push(len as u8);
    } else {
        // Lengths above 2^31-1 cannot be expressed; callers never hold such a buffer in
        // practice, and saturating keeps this function total.
        let len = len.min(MAX_PAIR_LEN) as u32;
        out.extend_from_slice(&(len | 0x8000_0000).to_be_bytes());
    }
}

/// Appends `pairs` in wire form, in order. Does not frame them into records.
pub fn encode_pairs(pairs: &[(&[u8], &[u8])], out: &mut Vec<u8>) {
    for (name, value) in pairs {
        encode_len(name.len(), out);
        encode_len(value.len(), out);
        out.extend_from_slice(name);
        out.extend_from_slice(value);
    }
}

/// Reads one length at `*at`, advancing past it.
fn decode_len(bytes: &[u8], at: &mut usize) -> Result<usize, ProtocolError> {
    let Some(&first) = bytes.get(*at) else {
        return Err(ProtocolError::MalformedPairs {
            reason: "truncated length",
        });
    };
    if first < 0x80 {
        *at += 1;
        return Ok(usize::from(first));
    }
    let Some(four) = bytes.get(*at..*at + 4) else {
        return Err(ProtocolError::MalformedPairs {
            reason: "truncated 4-byte length",
        });
    };
    *at += 4;
    let len = u32::from_be_bytes([four[0] & 0x7f, four[1], four[2], four[3]]);
    usize::try_from(len).map_err(|_| ProtocolError::MalformedPairs {
        reason: "length does not fit in memory",
    })
}

/// Decodes a complete pair block into owned `(name, value)` pairs, in order.
///
/// # Errors
///
/// `MalformedPairs` when a length is truncated or a name/value runs past the end of
/// `bytes`. An empty block is valid and yields no pairs.
pub fn decode_pairs(bytes: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>, ProtocolError> {
    let mut pairs = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let name_len = decode_len(bytes, &mut at)?;
        let value_len = decode_len(bytes, &mut at)?;
        // Checked arithmetic: both lengths come from the peer.
        let name_end = at
            .checked_add(name_len)
            .filter(|&end| end <= bytes.len())
            .ok_or(ProtocolError::MalformedPairs {
                reason: "name runs past the end",
            })?;
        let value_end = name_end
            .checked_add(value_len)
            .filter(|&end| end <= bytes.len())
            .ok_or(ProtocolError::MalformedPairs {
                reason: "value runs past the end",
            })?;
        pairs.push((
            bytes[at..name_end].to_vec(),
            bytes[name_end..value_end].to_vec(),
        ));
        at = value_end;
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_short_long_empty_and_duplicate_pairs() {
        let long_name = vec![b'N'; 128];
        let long_value = vec![0xffu8; 70_000];
        let pairs: Vec<(&[u8], &[u8])> = vec![
            (b"SCRIPT_FILENAME", b"/srv/www/index.php"),
            (b"CONTENT_LENGTH", b""),
            (b"HTTP_X_DUP", b"a"),
            (b"HTTP_X_DUP", b"b"),
            (&long_name, b"x"),
            (b"BIG", &long_value),
            (b"", b""),
            (b"\x00bin\xfe", b"\r\n\x80"),
        ];
        let mut wire = Vec::new();
        encode_pairs(&pairs, &mut wire);
        let decoded = decode_pairs(&wire).unwrap();
        let expected: Vec<(Vec<u8>, Vec<u8>)> = pairs
            .iter()
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn uses_the_short_form_below_128_and_the_long_form_from_128() {
        let v127 = vec![b'v'; 127];
        let v128 = vec![b'v'; 128];
        let mut wire = Vec::new();
        encode_pairs(&[(b"a", &v127)], &mut wire);
        assert_eq!(&wire[..2], &[1, 127]);
        wire.clear();
        encode_pairs(&[(b"a", &v128)], &mut wire);
        assert_eq!(&wire[..5], &[1, 0x80, 0, 0, 128]);
    }

    #[test]
    fn accepts_the_long_form_for_short_lengths() {
        // Senders may use the 4-byte form for any length.
        let wire = b"\x80\x00\x00\x01\x01ab";
        assert_eq!(
            decode_pairs(wire).unwrap(),
            vec![(b"a".to_vec(), b"b".to_vec())]
        );
    }

    #[test]
    fn rejects_truncated_and_overlong_blocks() {
        let cases: &[(&[u8], &str)] = &[
            (b"\x01", "truncated length"),
            (b"\x80\x00\x00", "truncated 4-byte length"),
            (b"\x01\x80\x00", "truncated 4-byte length"),
            (b"\x05\x00abc", "name runs past the end"),
            (b"\x01\x05abc", "value runs past the end"),
            (b"\xff\xff\xff\xff\x00", "name runs past the end"),
            (b"\x00\xff\xff\xff\xff", "value runs past the end"),
            (b"\x01\x01ab\x02", "truncated length"),
        ];
        for (wire, reason) in cases {
            assert_eq!(
                decode_pairs(wire),
                Err(ProtocolError::MalformedPairs { reason }),
                "{wire:?}"
            );
        }
        assert_eq!(decode_pairs(b"").unwrap(), vec![]);
    }
}
