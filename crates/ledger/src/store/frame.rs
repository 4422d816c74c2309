//! Record framing shared by the ledger files: `len: u32 BE || bytes || crc: u32 BE`
//! where crc is CRC-32 (IEEE) of the length field and the bytes, so a damaged
//! length is caught as surely as damaged data.
//!
//! Deliberately stateless: deciding whether a bad frame is a torn tail or
//! corruption is the caller's business.

use super::RECORD_BYTES_MAX;

/// Bytes of framing around each record.
pub(crate) const FRAME_OVERHEAD: usize = 8;

/// Appends one framed record to `out`.
pub(crate) fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    debug_assert!(
        bytes.len() <= RECORD_BYTES_MAX,
        "caller checks record length"
    );
    let len = (bytes.len() as u32).to_be_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(bytes);
    out.extend_from_slice(&crc(&len, bytes).to_be_bytes());
}

/// Completes a frame written in place: `out[start..start + 4]` was reserved
/// for the length and the record bytes follow it to the end of `out`; writes
/// the length and appends the checksum. The caller checks the record limit.
pub(crate) fn seal(out: &mut Vec<u8>, start: usize) {
    let len_usize = out.len() - start - 4;
    // A record over u32::MAX is refused by the store's limit check; the
    // saturated length keeps the frame unreadable rather than wrapping.
    let len = u32::try_from(len_usize).unwrap_or(u32::MAX).to_be_bytes();
    out[start..start + 4].copy_from_slice(&len);
    let c = crc(&len, &out[start + 4..]);
    out.extend_from_slice(&c.to_be_bytes());
}

fn crc(len: &[u8; 4], bytes: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(len);
    h.update(bytes);
    h.finalize()
}

/// Outcome of reading one frame at the start of a buffer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame<'a> {
    /// A whole, valid record and the total frame length.
    Ok(&'a [u8], usize),
    /// The buffer ends inside the frame.
    Incomplete,
    /// The length field exceeds the record limit.
    BadLength,
    /// The checksum does not match.
    BadCrc,
}

/// Reads the frame at the start of `buf`.
pub(crate) fn get(buf: &[u8]) -> Frame<'_> {
    let Some(len_bytes) = buf.get(..4) else {
        return Frame::Incomplete;
    };
    let len_arr = [len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]];
    let len = u32::from_be_bytes(len_arr) as usize;
    if len > RECORD_BYTES_MAX {
        return Frame::BadLength;
    }
    let total = len + FRAME_OVERHEAD;
    let Some(frame) = buf.get(..total) else {
        return Frame::Incomplete;
    };
    let bytes = &frame[4..4 + len];
    let stored = u32::from_be_bytes([
        frame[4 + len],
        frame[5 + len],
        frame[6 + len],
        frame[7 + len],
    ]);
    if stored != crc(&len_arr, bytes) {
        return Frame::BadCrc;
    }
    Frame::Ok(bytes, total)
}

impl Frame<'_> {
    /// Why a frame is unusable, for error messages.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Frame::Ok(..) => "valid",
            Frame::Incomplete => "record is cut short",
            Frame::BadLength => "record length field exceeds the limit",
            Frame::BadCrc => "record checksum does not match",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_in_place_equals_put() {
        let mut a = Vec::new();
        put(&mut a, b"leaf");
        put(&mut a, b"");
        let mut b = Vec::new();
        for rec in [&b"leaf"[..], b""] {
            let start = b.len();
            b.extend_from_slice(&[0; 4]);
            b.extend_from_slice(rec);
            seal(&mut b, start);
        }
        assert_eq!(a, b);
    }

    #[test]
    fn round_trip_and_every_bit_flip_is_caught() {
        let mut buf = Vec::new();
        put(&mut buf, b"hello ledger");
        assert_eq!(get(&buf), Frame::Ok(b"hello ledger", buf.len()));
        for cut in 0..buf.len() {
            assert_eq!(get(&buf[..cut]), Frame::Incomplete, "cut {cut}");
        }
        for bit in 0..buf.len() * 8 {
            let mut b = buf.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            assert!(!matches!(get(&b), Frame::Ok(..)), "flip {bit} accepted");
        }
    }
}
