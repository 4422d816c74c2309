//! The service's keys, outside the state store.
//!
//! vouch signs checkpoints (the ledger key) and responses (the response
//! key), and keys three hashes with secrets: TINs in the ledger and the hold
//! list, people and addresses in the probing history, and the encryption of
//! recorded explanations. Whoever holds a hashing key can brute-force a TIN
//! out of a ledger leaf (10^9 candidates), so none of them may sit beside
//! the data it protects: they live in files in a directory of their own
//! (`STATE/keys/` by default), each file mode 0600 in a directory mode 0700,
//! one line of base64 each. Loading refuses a file or directory that others
//! can read, a missing file and a malformed one: a key is never generated
//! where one was expected ([`ServiceKeys::init`] is the only place keys are
//! made, and it never overwrites).
//!
//! The state store keeps only each key's public id ([`KeyId`]; for a signing
//! key, its public key), so a key file swapped for another is detected
//! (`vouch-app` compares them) and a verifier can be given without the
//! secret.
#![deny(missing_docs)]

use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One of the service's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyName {
    /// Signs the ledger's checkpoints (Ed25519 seed).
    Ledger,
    /// Signs every response (Ed25519 seed).
    Response,
    /// Keys the HMAC of TINs in ledger leaves and on the hold list.
    TinHmac,
    /// Keys the HMAC of people and addresses in the probing history.
    ProbeHmac,
    /// Encrypts the explanations recorded at lookup time.
    Explain,
}

impl KeyName {
    /// Every key, in the order `vouch keys` lists them.
    pub const ALL: [KeyName; 5] = [
        KeyName::Ledger,
        KeyName::Response,
        KeyName::TinHmac,
        KeyName::ProbeHmac,
        KeyName::Explain,
    ];

    /// The key's name (its file is `NAME.key`; the state store's secret of
    /// earlier versions had the same name).
    pub fn as_str(self) -> &'static str {
        match self {
            KeyName::Ledger => "ledger",
            KeyName::Response => "service",
            KeyName::TinHmac => "tin-hmac",
            KeyName::ProbeHmac => "probe-hmac",
            KeyName::Explain => "explain",
        }
    }

    /// Parses [`KeyName::as_str`].
    pub fn parse(s: &str) -> Option<KeyName> {
        KeyName::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The key's file name.
    pub fn file_name(self) -> String {
        format!("{}.key", self.as_str())
    }

    /// Whether it is an Ed25519 signing key (its public half may be shown).
    pub fn is_signing(self) -> bool {
        matches!(self, KeyName::Ledger | KeyName::Response)
    }
}

/// A key's public identity: for a signing key, the hex of its public key;
/// for a secret, the hex of a hash that commits to it without revealing it
/// (SHA-256 of a domain string, the key's name and the key; the key has 256
/// random bits, so the hash cannot be searched back).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyId(pub String);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why the keys could not be made or read. Messages name files and keys,
/// never a key's bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A key file is missing.
    #[error("{path}: missing: the service's {name} key is not there (run `vouch keys init` on a new installation; a key is never made silently)")]
    Missing {
        /// The file that should hold it.
        path: PathBuf,
        /// The key.
        name: &'static str,
    },
    /// A key file or the directory can be read by others than its owner.
    #[error("{path}: mode {mode:o}: keys must be readable by their owner only (files 0600 in a 0700 directory)")]
    Exposed {
        /// The file or directory.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A key file is not one line of base64 of 32 bytes.
    #[error("{0}")]
    Malformed(#[from] vouch_formats::FormatError),
    /// The directory already holds a key that initialisation would write.
    #[error("{path}: a key is already there; keys are never overwritten")]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// The file system refused.
    #[error("{path}: {why}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        why: String,
    },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> KeyError + '_ {
    move |e| KeyError::Io {
        path: path.to_path_buf(),
        why: e.to_string(),
    }
}

/// The service's keys, read from their directory.
#[derive(Clone)]
pub struct ServiceKeys {
    dir: PathBuf,
    ledger: SigningKey,
    response: SigningKey,
    tin_hmac: [u8; 32],
    probe_hmac: [u8; 32],
    explain: [u8; 32],
}

impl fmt::Debug for ServiceKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the keys themselves.
        f.debug_struct("ServiceKeys")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// What [`ServiceKeys::init`] did for each key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Made {
    /// Generated from the operating system's random source.
    Generated,
    /// Carried over from the state store of an earlier version (so that
    /// its ledger still verifies and its hold list still matches).
    CarriedOver,
}

impl ServiceKeys {
    /// Creates the key directory (mode 0700) and every key file (0600,
    /// never overwriting one that exists), taking a key from `earlier` (the
    /// state store's secrets of an earlier version) where it has one, else
    /// generating it. Returns what was done for each key.
    pub fn init(
        dir: &Path,
        earlier: impl Fn(KeyName) -> Option<[u8; 32]>,
    ) -> Result<Vec<(KeyName, Made)>, KeyError> {
        for k in KeyName::ALL {
            let path = dir.join(k.file_name());
            if path.exists() {
                return Err(KeyError::Exists { path });
            }
        }
        create_private_dir(dir)?;
        let mut made = Vec::new();
        for k in KeyName::ALL {
            let (key, how) = match earlier(k) {
                Some(key) => (key, Made::CarriedOver),
                None => {
                    let mut key = [0u8; 32];
                    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
                    (key, Made::Generated)
                }
            };
            write_key(&dir.join(k.file_name()), &key)?;
            made.push((k, how));
        }
        sync_dir(dir)?;
        Ok(made)
    }

    /// Reads every key from `dir`, refusing a missing, malformed or exposed
    /// one.
    pub fn load(dir: &Path) -> Result<ServiceKeys, KeyError> {
        check_private(dir, 0o077)?;
        let read = |k: KeyName| read_key(&dir.join(k.file_name()), k.as_str());
        Ok(ServiceKeys {
            dir: dir.to_path_buf(),
            ledger: SigningKey::from_bytes(&read(KeyName::Ledger)?),
            response: SigningKey::from_bytes(&read(KeyName::Response)?),
            tin_hmac: read(KeyName::TinHmac)?,
            probe_hmac: read(KeyName::ProbeHmac)?,
            explain: read(KeyName::Explain)?,
        })
    }

    /// Replaces a signing key by a new one; the old file is kept as
    /// `retired/NAME-ID.key` (0600). Secrets cannot be rotated: everything
    /// keyed with them (the hold list, the probing history, the ledger's TIN
    /// hashes, recorded explanations) would stop matching.
    pub fn rotate(dir: &Path, name: KeyName) -> Result<(KeyId, KeyId), KeyError> {
        let keys = ServiceKeys::load(dir)?;
        if !name.is_signing() {
            return Err(KeyError::Io {
                path: dir.join(name.file_name()),
                why: format!(
                    "the {} key cannot be rotated: what it keyed would stop matching",
                    name.as_str()
                ),
            });
        }
        let old = keys.id(name);
        let retired = dir.join("retired");
        create_private_dir(&retired)?;
        let from = dir.join(name.file_name());
        let to = retired.join(format!("{}-{}.key", name.as_str(), old.0));
        if to.exists() {
            return Err(KeyError::Exists { path: to });
        }
        std::fs::rename(&from, &to).map_err(io(&from))?;
        sync_dir(&retired)?;
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        write_key(&from, &key)?;
        sync_dir(dir)?;
        let new = ServiceKeys::load(dir)?.id(name);
        Ok((old, new))
    }

    /// The directory the keys were read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key that signs the ledger's checkpoints.
    pub fn ledger(&self) -> &SigningKey {
        &self.ledger
    }

    /// The key that signs responses.
    pub fn response(&self) -> &SigningKey {
        &self.response
    }

    /// The HMAC key of TINs.
    pub fn tin_hmac(&self) -> &[u8; 32] {
        &self.tin_hmac
    }

    /// The HMAC key of the probing history.
    pub fn probe_hmac(&self) -> &[u8; 32] {
        &self.probe_hmac
    }

    /// The key that encrypts recorded explanations.
    pub fn explain(&self) -> &[u8; 32] {
        &self.explain
    }

    /// A key's public id.
    pub fn id(&self, name: KeyName) -> KeyId {
        match name {
            KeyName::Ledger => signing_id(&self.ledger),
            KeyName::Response => signing_id(&self.response),
            KeyName::TinHmac => secret_id(name, &self.tin_hmac),
            KeyName::ProbeHmac => secret_id(name, &self.probe_hmac),
            KeyName::Explain => secret_id(name, &self.explain),
        }
    }
}

/// Makes a person's own Ed25519 key pair (a disclosure officer's decision
/// key, a letter signer's key): `path` holds the private seed (one base64
/// line, 0600, written only if absent) and `path.pub` the public key, the one
/// an administrator registers. Neither file is ever overwritten.
pub fn make_personal_key(path: &Path) -> Result<ed25519_dalek::VerifyingKey, KeyError> {
    let public = public_path(path);
    for p in [path, public.as_path()] {
        if p.symlink_metadata().is_ok() {
            return Err(KeyError::Exists {
                path: p.to_path_buf(),
            });
        }
    }
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    let key = SigningKey::from_bytes(&seed);
    write_key(path, &seed)?;
    seed.fill(0);
    let verifying = key.verifying_key();
    vouch_formats::atomic::write_atomic(
        &public,
        vouch_formats::keys::encode_base64_line(&verifying.to_bytes()).as_bytes(),
    )
    .map_err(io(&public))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        sync_dir(dir)?;
    }
    Ok(verifying)
}

/// Where [`make_personal_key`] puts the public half of the key at `path`.
pub fn public_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".pub");
    PathBuf::from(p)
}

/// The id of a signing key: the hex of its public key.
pub fn signing_id(key: &SigningKey) -> KeyId {
    KeyId(hex::encode(key.verifying_key().to_bytes()))
}

fn secret_id(name: KeyName, key: &[u8; 32]) -> KeyId {
    let mut h = Sha256::new();
    h.update(b"vouch key id v1\n");
    h.update(name.as_str().as_bytes());
    h.update(b"\n");
    h.update(key);
    KeyId(hex::encode(&h.finalize()[..16]))
}

fn create_private_dir(dir: &Path) -> Result<(), KeyError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(io(dir))?;
    // An existing directory keeps its mode: make it private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io(dir))?;
    }
    Ok(())
}

fn write_key(path: &Path, key: &[u8; 32]) -> Result<(), KeyError> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => KeyError::Exists {
            path: path.to_path_buf(),
        },
        _ => io(path)(e),
    })?;
    f.write_all(vouch_formats::keys::encode_base64_line(key).as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io(path))
}

fn sync_dir(dir: &Path) -> Result<(), KeyError> {
    vouch_formats::atomic::sync_dir(dir).map_err(io(dir))
}

/// Refuses `path` when any of the permission bits in `forbidden` is set.
fn check_private(path: &Path, forbidden: u32) -> Result<(), KeyError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(KeyError::Missing {
                path: path.to_path_buf(),
                name: "directory of the",
            })
        }
        Err(e) => return Err(io(path)(e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & forbidden != 0 {
            return Err(KeyError::Exposed {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (meta, forbidden);
    Ok(())
}

fn read_key(path: &Path, name: &'static str) -> Result<[u8; 32], KeyError> {
    if !path.exists() {
        return Err(KeyError::Missing {
            path: path.to_path_buf(),
            name,
        });
    }
    check_private(path, 0o077)?;
    Ok(vouch_formats::keys::read_private_seed(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_personal_key_is_private_matches_its_public_half_and_is_never_overwritten() {
        use ed25519_dalek::{Signer, Verifier};
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("irs-do-1.key");
        let public = make_personal_key(&path).unwrap();
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        let seed = vouch_formats::keys::read_private_seed(&path).unwrap();
        let read_back = vouch_formats::keys::read_public_key(&public_path(&path)).unwrap();
        assert_eq!(read_back, public.to_bytes());
        let sig = SigningKey::from_bytes(&seed).sign(b"statement");
        assert!(public.verify(b"statement", &sig).is_ok());
        // A second call refuses, and both files stay as they were.
        let before = std::fs::read(&path).unwrap();
        assert!(matches!(
            make_personal_key(&path),
            Err(KeyError::Exists { .. })
        ));
        assert_eq!(std::fs::read(&path).unwrap(), before);
        // A public file already there (someone else's) is not overwritten either.
        let other = tmp.path().join("other.key");
        std::fs::write(public_path(&other), "x").unwrap();
        assert!(matches!(
            make_personal_key(&other),
            Err(KeyError::Exists { .. })
        ));
        assert!(
            !other.exists(),
            "no private key left without its public half"
        );
        // Two keys differ.
        let second = make_personal_key(&tmp.path().join("irs-do-2.key")).unwrap();
        assert_ne!(second, public);
    }

    #[test]
    fn init_makes_private_files_and_load_reads_them_back() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let made = ServiceKeys::init(&dir, |_| None).unwrap();
        assert!(made.iter().all(|(_, m)| *m == Made::Generated));
        #[cfg(unix)]
        {
            assert_eq!(mode(&dir), 0o700);
            for k in KeyName::ALL {
                assert_eq!(mode(&dir.join(k.file_name())), 0o600, "{k:?}");
            }
        }
        let a = ServiceKeys::load(&dir).unwrap();
        let b = ServiceKeys::load(&dir).unwrap();
        for k in KeyName::ALL {
            assert_eq!(a.id(k), b.id(k));
        }
        assert_ne!(a.tin_hmac(), a.probe_hmac(), "independent keys");
        assert!(!format!("{a:?}").contains(&hex::encode(a.tin_hmac())));
    }

    #[test]
    fn init_never_overwrites_and_carries_over_earlier_secrets() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        ServiceKeys::init(&dir, |k| (k == KeyName::TinHmac).then_some([7u8; 32])).unwrap();
        let keys = ServiceKeys::load(&dir).unwrap();
        assert_eq!(keys.tin_hmac(), &[7u8; 32]);
        let before = std::fs::read(dir.join("ledger.key")).unwrap();
        assert!(matches!(
            ServiceKeys::init(&dir, |_| None),
            Err(KeyError::Exists { .. })
        ));
        assert_eq!(std::fs::read(dir.join("ledger.key")).unwrap(), before);
    }

    #[test]
    fn a_missing_malformed_or_exposed_key_is_an_error_never_a_new_key() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        assert!(matches!(
            ServiceKeys::load(&dir),
            Err(KeyError::Missing { .. })
        ));
        ServiceKeys::init(&dir, |_| None).unwrap();
        let tin = dir.join("tin-hmac.key");
        std::fs::remove_file(&tin).unwrap();
        let e = ServiceKeys::load(&dir).unwrap_err();
        assert!(
            matches!(
                e,
                KeyError::Missing {
                    name: "tin-hmac",
                    ..
                }
            ),
            "{e}"
        );
        assert!(!tin.exists(), "nothing was made in its place");
        write_key(&tin, &[1; 32]).unwrap();
        std::fs::write(dir.join("probe-hmac.key"), "not base64\n").unwrap();
        assert!(matches!(
            ServiceKeys::load(&dir),
            Err(KeyError::Malformed(_))
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::remove_file(dir.join("probe-hmac.key")).unwrap();
            write_key(&dir.join("probe-hmac.key"), &[2; 32]).unwrap();
            std::fs::set_permissions(&tin, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                ServiceKeys::load(&dir),
                Err(KeyError::Exposed { mode: 0o644, .. })
            ));
            std::fs::set_permissions(&tin, std::fs::Permissions::from_mode(0o600)).unwrap();
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
            assert!(matches!(
                ServiceKeys::load(&dir),
                Err(KeyError::Exposed { mode: 0o755, .. })
            ));
        }
    }

    #[test]
    fn rotation_replaces_a_signing_key_keeps_the_old_and_refuses_secrets() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        ServiceKeys::init(&dir, |_| None).unwrap();
        let before = ServiceKeys::load(&dir).unwrap();
        let (old, new) = ServiceKeys::rotate(&dir, KeyName::Ledger).unwrap();
        assert_eq!(old, before.id(KeyName::Ledger));
        assert_ne!(old, new);
        let kept = dir.join("retired").join(format!("ledger-{old}.key"));
        assert!(kept.exists());
        let after = ServiceKeys::load(&dir).unwrap();
        assert_eq!(after.id(KeyName::TinHmac), before.id(KeyName::TinHmac));
        assert!(ServiceKeys::rotate(&dir, KeyName::TinHmac).is_err());
    }
}
