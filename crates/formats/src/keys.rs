//! Key and signature files: one line of standard base64 each.
//!
//! Public keys and private seeds are 32 raw bytes (Ed25519), signatures 64.
//! This module decodes bytes only; verifying a signature is `vouch-policy`'s job.

use crate::error::{FormatError, FormatErrorKind};
use base64::Engine;
use std::io::Read;
use std::path::Path;
use vouch_core::limits;

/// Reads a whole file, refusing one larger than `limit_bytes`.
pub fn read_bounded(path: &Path, limit_bytes: u64) -> Result<Vec<u8>, FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, &e))?;
    let mut buf = Vec::new();
    file.take(limit_bytes + 1)
        .read_to_end(&mut buf)
        .map_err(|e| FormatError::io(path, &e))?;
    if buf.len() as u64 > limit_bytes {
        return Err(FormatError::file(
            path,
            FormatErrorKind::FileTooLarge { limit_bytes },
        ));
    }
    Ok(buf)
}

/// Decodes one line of base64 into exactly `N` bytes.
pub fn decode_base64_line<const N: usize>(
    path: &Path,
    field: &str,
    bytes: &[u8],
) -> Result<[u8; N], FormatError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| FormatError::at(path, 1, field, FormatErrorKind::NotUtf8))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let line = lines
        .next()
        .ok_or_else(|| FormatError::at(path, 1, field, FormatErrorKind::Empty))?;
    if lines.next().is_some() {
        return Err(FormatError::at(
            path,
            2,
            field,
            FormatErrorKind::Malformed("expected exactly one line of base64".into()),
        ));
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(line.trim())
        .map_err(|_| {
            FormatError::at(
                path,
                1,
                field,
                FormatErrorKind::Malformed("not valid base64".into()),
            )
        })?;
    raw.try_into().map_err(|v: Vec<u8>| {
        FormatError::at(
            path,
            1,
            field,
            FormatErrorKind::Malformed(format!("decodes to {} bytes, expected {N}", v.len())),
        )
    })
}

/// Reads a public-key file: base64 of a raw 32-byte Ed25519 public key.
pub fn read_public_key(path: &Path) -> Result<[u8; 32], FormatError> {
    let bytes = read_bounded(path, limits::KEY_FILE_BYTES_MAX)?;
    decode_base64_line(path, "public_key", &bytes)
}

/// Reads a private-seed file: base64 of a raw 32-byte Ed25519 seed.
pub fn read_private_seed(path: &Path) -> Result<[u8; 32], FormatError> {
    let bytes = read_bounded(path, limits::KEY_FILE_BYTES_MAX)?;
    decode_base64_line(path, "private_key", &bytes)
}

/// Reads `request.json.sig`: base64 of a raw 64-byte Ed25519 signature.
pub fn read_signature(path: &Path) -> Result<[u8; 64], FormatError> {
    let bytes = read_bounded(path, limits::SIGNATURE_FILE_BYTES_MAX)?;
    decode_base64_line(path, "signature", &bytes)
}

/// Encodes bytes as one line of standard base64 with a trailing newline.
pub fn encode_base64_line(bytes: &[u8]) -> String {
    let mut s = base64::engine::general_purpose::STANDARD.encode(bytes);
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_key_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.pub");
        std::fs::write(&p, encode_base64_line(&[7u8; 32])).unwrap();
        assert_eq!(read_public_key(&p).unwrap(), [7u8; 32]);
    }

    #[test]
    fn wrong_length_names_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.pub");
        std::fs::write(&p, encode_base64_line(&[7u8; 31])).unwrap();
        let e = read_public_key(&p).unwrap_err().to_string();
        assert!(e.contains("k.pub: line 1: field public_key"), "{e}");
        assert!(e.contains("31 bytes"), "{e}");
    }

    #[test]
    fn garbage_and_oversized_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sig");
        std::fs::write(&p, "not base64 !!!\n").unwrap();
        assert!(matches!(
            read_signature(&p).unwrap_err().kind,
            FormatErrorKind::Malformed(_)
        ));
        std::fs::write(&p, vec![b'A'; 5000]).unwrap();
        assert!(matches!(
            read_signature(&p).unwrap_err().kind,
            FormatErrorKind::FileTooLarge { .. }
        ));
        assert!(matches!(
            read_signature(&dir.path().join("absent")).unwrap_err().kind,
            FormatErrorKind::Io(_)
        ));
    }
}
