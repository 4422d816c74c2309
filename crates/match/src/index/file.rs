//! The index file and the model file beside it.
//!
//! `master.idx`: magic, format version, oldest readable version, section
//! count, then tagged sections (tag u32, length u64, little-endian arrays),
//! then the SHA-256 of everything before it and a closing magic.
//! `model.json`: `{"sha256": ..., "model": {...}}`, the digest taken over
//! the model's own JSON. Both are written to a temporary file, synced and
//! renamed. This module does not interpret the tables beyond their shape.

use super::{AddrRec, IndexError, IndexRow, MasterIndex, Names, Tokens};
use crate::model::Model;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"VOUCHIDX";
const MAGIC_END: &[u8; 8] = b"XDIHCUOV";
/// The format this code writes (3: interned names, blocks, model beside;
/// 4: delivery points and street spellings, unreadable returns kept;
/// 5: what can be read of unreadable returns, for hidden namesakes).
/// Older indexes are refused (they dropped unreadable returns, or what can
/// be read of them, either of which could let a false confirmation
/// through): rebuild them.
pub const FORMAT_VERSION: u32 = 5;
const HEADER_BYTES: usize = 8 + 4 + 4 + 4;
const FOOTER_BYTES: usize = 32 + 8;
const ROW_BYTES: usize = 19;
const ADDR_BYTES: usize = 32;
/// The file name inside an index directory.
pub const INDEX_FILE: &str = "master.idx";
/// The model file beside the index.
pub const MODEL_FILE: &str = "model.json";
/// A model file larger than this is not a model.
const MODEL_FILE_BYTES_MAX: u64 = 1 << 20;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    Rows = 1,
    Addrs = 2,
    TokenBytes = 3,
    TokenOffsets = 4,
    NamePool = 5,
    NameOffsets = 6,
    AddrTins = 7,
    Blocks = 8,
    SurnameTins = 9,
    Meta = 10,
    Points = 11,
    StreetTins = 12,
    Unreadable = 13,
    Hidden = 14,
}

const TAGS: [Tag; 14] = [
    Tag::Rows,
    Tag::Addrs,
    Tag::TokenBytes,
    Tag::TokenOffsets,
    Tag::NamePool,
    Tag::NameOffsets,
    Tag::AddrTins,
    Tag::Blocks,
    Tag::SurnameTins,
    Tag::Meta,
    Tag::Points,
    Tag::StreetTins,
    Tag::Unreadable,
    Tag::Hidden,
];

fn u32s(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn encode_row(r: &IndexRow) -> [u8; ROW_BYTES] {
    let mut b = [0u8; ROW_BYTES];
    b[0..4].copy_from_slice(&r.tin.to_le_bytes());
    b[4..8].copy_from_slice(&r.dob.to_le_bytes());
    b[8..12].copy_from_slice(&r.name.to_le_bytes());
    b[12..16].copy_from_slice(&r.addr.to_le_bytes());
    b[16..18].copy_from_slice(&r.year.to_le_bytes());
    b[18] = r.suffix;
    b
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le64(b: &[u8]) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[..8]);
    u64::from_le_bytes(x)
}

fn decode_row(b: &[u8]) -> IndexRow {
    IndexRow {
        tin: le32(&b[0..]),
        dob: le32(&b[4..]),
        name: le32(&b[8..]),
        addr: le32(&b[12..]),
        year: u16::from_le_bytes([b[16], b[17]]),
        suffix: b[18],
    }
}

fn sections(ix: &MasterIndex) -> Vec<(Tag, Vec<u8>)> {
    let rows: Vec<u8> = ix.rows.par_iter().flat_map_iter(encode_row).collect();
    let addrs: Vec<u8> = ix
        .addrs
        .par_iter()
        .flat_map_iter(|a| {
            a.exact
                .to_le_bytes()
                .into_iter()
                .chain(a.building.to_le_bytes())
                .chain(a.zip5.to_le_bytes())
                .chain(a.street.to_le_bytes())
        })
        .collect();
    let points: Vec<u8> = ix
        .point_keys
        .par_iter()
        .zip(&ix.point_ids)
        .flat_map_iter(|(k, id)| k.to_le_bytes().into_iter().chain(id.to_le_bytes()))
        .collect();
    let streets: Vec<u8> = ix
        .street_tins
        .par_iter()
        .flat_map_iter(|x| x.0.to_le_bytes().into_iter().chain([x.1]))
        .collect();
    let unreadable: Vec<u8> = ix.unreadable.iter().flat_map(|x| x.to_le_bytes()).collect();
    let hidden: Vec<u8> = ix
        .hidden
        .iter()
        .flat_map(|h| {
            h.key
                .to_le_bytes()
                .into_iter()
                .chain(h.code.to_le_bytes())
                .chain(h.tin.to_le_bytes())
                .chain(h.dob.to_le_bytes())
                .chain([h.suffix])
        })
        .collect();
    let at: Vec<u8> = ix
        .addr_tins
        .par_iter()
        .flat_map_iter(|x| x.0.to_le_bytes().into_iter().chain(x.1.to_le_bytes()))
        .collect();
    let bl: Vec<u8> = ix
        .blocks
        .par_iter()
        .flat_map_iter(|x| x.0.to_le_bytes().into_iter().chain(x.1.to_le_bytes()))
        .collect();
    let meta: Vec<u8> = ix
        .taxpayers
        .to_le_bytes()
        .into_iter()
        .chain(ix.unkeyable.to_le_bytes())
        .collect();
    vec![
        (Tag::Rows, rows),
        (Tag::Addrs, addrs),
        (Tag::TokenBytes, ix.tokens.bytes.clone()),
        (Tag::TokenOffsets, u32s(&ix.tokens.offsets)),
        (Tag::NamePool, u32s(&ix.names.pool)),
        (Tag::NameOffsets, u32s(&ix.names.offsets)),
        (Tag::AddrTins, at),
        (Tag::Blocks, bl),
        (Tag::SurnameTins, u32s(&ix.surname_tins)),
        (Tag::Meta, meta),
        (Tag::Points, points),
        (Tag::StreetTins, streets),
        (Tag::Unreadable, unreadable),
        (Tag::Hidden, hidden),
    ]
}

fn write_atomic(
    dir: &Path,
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), IndexError> {
    let io = |e: std::io::Error| IndexError::Io {
        path: path.to_path_buf(),
        why: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-index-")
        .tempfile_in(dir)
        .map_err(io)?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 22, tmp.as_file_mut());
        write(&mut w).map_err(io)?;
        w.flush().map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io)
}

pub(super) fn save(ix: &MasterIndex, dir: &Path) -> Result<PathBuf, IndexError> {
    let model_path = dir.join(MODEL_FILE);
    let body = model_bytes(&ix.model);
    write_atomic(dir, &model_path, |w| w.write_all(&body))?;
    let path = dir.join(INDEX_FILE);
    let secs = sections(ix);
    write_atomic(dir, &path, |w| {
        let mut h = Sha256::new();
        let mut put = |w: &mut dyn Write, b: &[u8]| -> std::io::Result<()> {
            h.update(b);
            w.write_all(b)
        };
        put(w, MAGIC)?;
        put(w, &FORMAT_VERSION.to_le_bytes())?;
        put(w, &FORMAT_VERSION.to_le_bytes())?;
        put(w, &(secs.len() as u32).to_le_bytes())?;
        for (tag, bytes) in &secs {
            put(w, &(*tag as u32).to_le_bytes())?;
            put(w, &(bytes.len() as u64).to_le_bytes())?;
            put(w, bytes)?;
        }
        let digest: [u8; 32] = h.finalize().into();
        w.write_all(&digest)?;
        w.write_all(MAGIC_END)
    })?;
    Ok(path)
}

fn model_bytes(model: &Model) -> Vec<u8> {
    let inner = serde_json::to_vec(model).unwrap_or_default();
    let digest = hex(&Sha256::digest(&inner));
    let wrapper = serde_json::json!({ "sha256": digest, "model": model });
    serde_json::to_vec_pretty(&wrapper).unwrap_or_default()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[derive(serde::Deserialize)]
struct ModelFile {
    sha256: String,
    model: Model,
}

pub(super) fn load(dir: &Path) -> Result<MasterIndex, IndexError> {
    let path = dir.join(INDEX_FILE);
    let bytes = std::fs::read(&path).map_err(|e| IndexError::Io {
        path: path.clone(),
        why: e.to_string(),
    })?;
    let mut ix = parse(&path, &bytes)?;
    drop(bytes);
    ix.model = load_model(&dir.join(MODEL_FILE))?;
    Ok(ix)
}

pub(crate) fn load_model(path: &Path) -> Result<Model, IndexError> {
    let io = |e: std::io::Error| IndexError::Io {
        path: path.to_path_buf(),
        why: e.to_string(),
    };
    let corrupt = |why| IndexError::Corrupt {
        path: path.to_path_buf(),
        why,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(f, MODEL_FILE_BYTES_MAX + 1),
        &mut bytes,
    )
    .map_err(io)?;
    if bytes.len() as u64 > MODEL_FILE_BYTES_MAX {
        return Err(corrupt("model file too large"));
    }
    let file: ModelFile =
        serde_json::from_slice(&bytes).map_err(|_| corrupt("model file is not a vouch model"))?;
    let inner =
        serde_json::to_vec(&file.model).map_err(|_| corrupt("model file is not a vouch model"))?;
    if hex(&Sha256::digest(&inner)) != file.sha256 {
        return Err(corrupt("model checksum mismatch"));
    }
    file.model.validate().map_err(corrupt)?;
    if !crate::model::model_version_compatible(&file.model.model_version) {
        return Err(IndexError::ModelVersion {
            path: path.to_path_buf(),
            found: file.model.model_version,
            expected: crate::MODEL_VERSION,
        });
    }
    Ok(file.model)
}

pub(super) fn parse(path: &Path, bytes: &[u8]) -> Result<MasterIndex, IndexError> {
    let corrupt = |why| IndexError::Corrupt {
        path: path.to_path_buf(),
        why,
    };
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(IndexError::Foreign {
            path: path.to_path_buf(),
        });
    }
    if bytes.len() < HEADER_BYTES + FOOTER_BYTES {
        return Err(corrupt("truncated header"));
    }
    let (written, oldest) = (le32(&bytes[8..]), le32(&bytes[12..]));
    if oldest > FORMAT_VERSION || written < FORMAT_VERSION {
        return Err(IndexError::Version {
            path: path.to_path_buf(),
            found: written,
            supported: FORMAT_VERSION,
        });
    }
    let body_end = bytes.len() - FOOTER_BYTES;
    if &bytes[body_end + 32..] != MAGIC_END {
        return Err(corrupt("truncated or missing footer"));
    }
    let digest: [u8; 32] = Sha256::digest(&bytes[..body_end]).into();
    if digest[..] != bytes[body_end..body_end + 32] {
        return Err(corrupt("checksum mismatch"));
    }
    let secs =
        split_sections(&bytes[HEADER_BYTES..body_end], le32(&bytes[16..])).map_err(corrupt)?;
    let mut ix = decode(secs).map_err(corrupt)?;
    ix.validate().map_err(corrupt)?;
    ix.derive();
    Ok(ix)
}

fn split_sections(mut b: &[u8], count: u32) -> Result<HashMap<u32, &[u8]>, &'static str> {
    let mut out = HashMap::new();
    for _ in 0..count {
        if b.len() < 12 {
            return Err("truncated section header");
        }
        let (tag, len) = (le32(b), le64(&b[4..]));
        let len = usize::try_from(len).map_err(|_| "section too long")?;
        if b.len() - 12 < len {
            return Err("section longer than the file");
        }
        if out.insert(tag, &b[12..12 + len]).is_some() {
            return Err("section repeated");
        }
        b = &b[12 + len..];
    }
    if !b.is_empty() {
        return Err("bytes after the last section");
    }
    if TAGS.iter().any(|t| !out.contains_key(&(*t as u32))) {
        return Err("section missing");
    }
    Ok(out)
}

fn sized<'a>(s: &HashMap<u32, &'a [u8]>, tag: Tag, unit: usize) -> Result<&'a [u8], &'static str> {
    let b = s.get(&(tag as u32)).copied().ok_or("section missing")?;
    if b.len() % unit != 0 {
        return Err("section length is not a whole number of records");
    }
    Ok(b)
}

fn read_u32s(b: &[u8]) -> Vec<u32> {
    b.par_chunks_exact(4).map(le32).collect()
}

fn decode(s: HashMap<u32, &[u8]>) -> Result<MasterIndex, &'static str> {
    let rows = sized(&s, Tag::Rows, ROW_BYTES)?
        .par_chunks_exact(ROW_BYTES)
        .map(decode_row)
        .collect();
    let addrs = sized(&s, Tag::Addrs, ADDR_BYTES)?
        .par_chunks_exact(ADDR_BYTES)
        .map(|c| {
            let mut e = [0u8; 16];
            e.copy_from_slice(&c[..16]);
            AddrRec {
                exact: u128::from_le_bytes(e),
                building: le64(&c[16..]),
                zip5: le32(&c[24..]),
                street: le32(&c[28..]),
            }
        })
        .collect();
    let pairs32 = |b: &[u8]| -> Vec<(u32, u32)> {
        b.par_chunks_exact(8)
            .map(|c| (le32(c), le32(&c[4..])))
            .collect()
    };
    let meta = sized(&s, Tag::Meta, 16)?;
    if meta.len() != 16 {
        return Err("meta section malformed");
    }
    Ok(MasterIndex {
        rows,
        addrs,
        tokens: Tokens {
            bytes: sized(&s, Tag::TokenBytes, 1)?.to_vec(),
            offsets: read_u32s(sized(&s, Tag::TokenOffsets, 4)?),
            ids: HashMap::new(),
        },
        names: Names {
            pool: read_u32s(sized(&s, Tag::NamePool, 4)?),
            offsets: read_u32s(sized(&s, Tag::NameOffsets, 4)?),
            ids: HashMap::new(),
        },
        addr_tins: pairs32(sized(&s, Tag::AddrTins, 8)?),
        blocks: sized(&s, Tag::Blocks, 12)?
            .par_chunks_exact(12)
            .map(|c| (le64(c), le32(&c[8..])))
            .collect(),
        surname_tins: read_u32s(sized(&s, Tag::SurnameTins, 4)?),
        point_keys: sized(&s, Tag::Points, 12)?
            .par_chunks_exact(12)
            .map(le64)
            .collect(),
        point_ids: sized(&s, Tag::Points, 12)?
            .par_chunks_exact(12)
            .map(|c| le32(&c[8..]))
            .collect(),
        street_tins: sized(&s, Tag::StreetTins, 9)?
            .par_chunks_exact(9)
            .map(|c| (le64(c), c[8]))
            .collect(),
        unreadable: sized(&s, Tag::Unreadable, 8)?
            .par_chunks_exact(8)
            .map(le64)
            .collect(),
        hidden: sized(&s, Tag::Hidden, super::HIDDEN_BYTES)?
            .par_chunks_exact(super::HIDDEN_BYTES)
            .map(|c| super::Hidden {
                key: le64(c),
                code: le64(&c[8..]),
                tin: le32(&c[16..]),
                dob: le32(&c[20..]),
                suffix: c[24],
            })
            .collect(),
        taxpayers: le64(meta),
        unkeyable: le64(&meta[8..]),
        model: Model::default(),
        lookup: super::Lookup::default(),
    })
}
