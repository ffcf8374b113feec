//! Sealing personal data at rest: XChaCha20-Poly1305 under a keyring held
//! outside the database. Text is stored as `mg1:<key id>:<base64url(nonce ‖
//! ciphertext)>` in its own column; files carry a small header with the key
//! id. The associated data names the place (table, column, row id), so a
//! ciphertext moved to another row or column does not open.

mod keyring;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

pub use keyring::{DEVELOPMENT_KEY_MARKER, KeySource, Keyring, KeyringError, generate_development_key_file};

const TEXT_PREFIX: &str = "mg1:";
const FILE_MAGIC: &[u8; 4] = b"MGF1";
const NONCE_LEN: usize = 24;

/// Where a sealed value lives: bound into the ciphertext as associated data.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub table: &'static str,
    pub column: &'static str,
    pub row: &'a str,
}

impl Place<'_> {
    fn associated_data(&self) -> Vec<u8> {
        format!("{}.{}:{}", self.table, self.column, self.row).into_bytes()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("sealed under key `{0}`, which is not in the keyring")]
    UnknownKey(String),
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value does not open: tampered, moved from another row, or a different key with the same id")]
    DoesNotOpen,
    #[error("sealing failed")]
    SealFailed,
    #[error("no randomness for a nonce: {0}")]
    NoRandomness(getrandom::Error),
}

/// Seals and opens personal data. Built once at start-up from the settings
/// and passed explicitly.
pub struct Sealer {
    keyring: Keyring,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer").field("current_key", &self.keyring.current_id()).finish_non_exhaustive()
    }
}

impl Sealer {
    pub fn new(keyring: Keyring) -> Self {
        Self { keyring }
    }

    /// The id of the key that seals new data.
    pub fn current_key_id(&self) -> &str {
        self.keyring.current_id()
    }

    pub fn seal(&self, place: Place<'_>, plaintext: &str) -> Result<String, SealError> {
        let sealed = self.seal_bytes_raw(place, plaintext.as_bytes())?;
        Ok(format!("{TEXT_PREFIX}{}:{}", self.current_key_id(), URL_SAFE_NO_PAD.encode(sealed)))
    }

    pub fn seal_optional(&self, place: Place<'_>, plaintext: Option<&str>) -> Result<Option<String>, SealError> {
        plaintext.map(|text| self.seal(place, text)).transpose()
    }

    /// Opens a stored value. A value without the `mg1:` prefix was written
    /// before sealing existed and is returned as it is, until
    /// `madoguchi admin rotate-key` seals it.
    pub fn open(&self, place: Place<'_>, stored: &str) -> Result<String, SealError> {
        let Some(rest) = stored.strip_prefix(TEXT_PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (key_id, encoded) = rest.split_once(':').ok_or(SealError::Malformed)?;
        let sealed = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| SealError::Malformed)?;
        let plaintext = self.open_bytes_raw(key_id, place, &sealed)?;
        String::from_utf8(plaintext).map_err(|_| SealError::Malformed)
    }

    pub fn open_optional(&self, place: Place<'_>, stored: Option<&str>) -> Result<Option<String>, SealError> {
        stored.map(|text| self.open(place, text)).transpose()
    }

    /// Whether a stored value is plaintext or sealed under an older key.
    pub fn needs_resealing(&self, stored: &str) -> bool {
        text_key_id(stored) != Some(self.current_key_id())
    }

    /// A whole file, sealed: `MGF1`, the key id's length and the key id, then nonce ‖ ciphertext.
    pub fn seal_file(&self, place: Place<'_>, bytes: &[u8]) -> Result<Vec<u8>, SealError> {
        let key_id = self.current_key_id().as_bytes();
        let sealed = self.seal_bytes_raw(place, bytes)?;
        let mut out = Vec::with_capacity(FILE_MAGIC.len() + 1 + key_id.len() + sealed.len());
        out.extend_from_slice(FILE_MAGIC);
        out.push(u8::try_from(key_id.len()).map_err(|_| SealError::Malformed)?);
        out.extend_from_slice(key_id);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open_file(&self, place: Place<'_>, stored: &[u8]) -> Result<Vec<u8>, SealError> {
        let (key_id, sealed) = split_file(stored).ok_or(SealError::Malformed)?;
        self.open_bytes_raw(key_id, place, sealed)
    }

    /// Whether a stored file is sealed under an older key (or not sealed).
    pub fn file_needs_resealing(&self, stored: &[u8]) -> bool {
        split_file(stored).map(|(key_id, _)| key_id) != Some(self.current_key_id())
    }

    fn seal_bytes_raw(&self, place: Place<'_>, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(SealError::NoRandomness)?;
        let aad = place.associated_data();
        let cipher = XChaCha20Poly1305::new(self.keyring.current_key().into());
        let ciphertext = cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad: &aad })
            .map_err(|_| SealError::SealFailed)?;
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    fn open_bytes_raw(&self, key_id: &str, place: Place<'_>, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        let key = self.keyring.key(key_id).ok_or_else(|| SealError::UnknownKey(key_id.to_owned()))?;
        if sealed.len() < NONCE_LEN {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::from(<[u8; NONCE_LEN]>::try_from(nonce).map_err(|_| SealError::Malformed)?);
        let aad = place.associated_data();
        XChaCha20Poly1305::new(key.into())
            .decrypt(&nonce, Payload { msg: ciphertext, aad: &aad })
            .map_err(|_| SealError::DoesNotOpen)
    }
}

impl Sealer {
    /// The keyring the settings name: `privacy.keys`, else `privacy.key_file`,
    /// else (never in production) a development key generated under the data
    /// folder, announced loudly because it sits beside the data it seals.
    pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<(Self, KeySource)> {
        use anyhow::Context;
        use secrecy::ExposeSecret;
        let privacy = &settings.privacy;
        let production = settings.profile == crate::config::Profile::Production;
        if !privacy.keys.expose_secret().trim().is_empty() {
            let keyring = Keyring::parse(privacy.keys.expose_secret()).context("invalid setting `privacy.keys`")?;
            return Ok((Self::new(keyring), KeySource::Setting));
        }
        if let Some(path) = &privacy.key_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the key file {} (privacy.key_file)", path.display()))?;
            if production && text.starts_with(DEVELOPMENT_KEY_MARKER) {
                anyhow::bail!(
                    "invalid setting `privacy.key_file`: {} is a generated development key; production needs a \
                     key of its own, kept and backed up apart from the database (a lost key makes the sealed \
                     data unrecoverable)",
                    path.display()
                );
            }
            let keyring = Keyring::parse(&text).with_context(|| format!("invalid key file {}", path.display()))?;
            return Ok((Self::new(keyring), KeySource::File(path.clone())));
        }
        if production {
            anyhow::bail!("invalid setting `privacy.keys`: production refuses to generate a development key");
        }
        let path = crate::config::PrivacySettings::development_key_file(&settings.storage.data_dir);
        let (keyring, generated) = generate_development_key_file(&path)?;
        if generated {
            tracing::warn!(
                path = %path.display(),
                "GENERATED A DEVELOPMENT KEY for personal data; it sits beside the data and is not for \
                 production; losing it makes the sealed data unrecoverable"
            );
        }
        Ok((Self::new(keyring), KeySource::GeneratedDevelopmentFile(path)))
    }
}

/// The key id of a sealed text, or `None` for plaintext.
pub fn text_key_id(stored: &str) -> Option<&str> {
    stored.strip_prefix(TEXT_PREFIX).and_then(|rest| rest.split_once(':')).map(|(key_id, _)| key_id)
}

/// Whether a stored file is sealed at all (else it predates sealing).
pub fn is_sealed_file(stored: &[u8]) -> bool {
    split_file(stored).is_some()
}

fn split_file(stored: &[u8]) -> Option<(&str, &[u8])> {
    let rest = stored.strip_prefix(FILE_MAGIC.as_slice())?;
    let (&len, rest) = rest.split_first()?;
    let len = usize::from(len);
    if rest.len() < len {
        return None;
    }
    let (key_id, sealed) = rest.split_at(len);
    Some((std::str::from_utf8(key_id).ok()?, sealed))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "a1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    const KEY_B: &str = "b2:Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA";

    fn sealer(keys: &str) -> Sealer {
        Sealer::new(Keyring::parse(keys).expect("test keys parse"))
    }

    fn place(row: &str) -> Place<'_> {
        Place { table: "case_identities", column: "passport_number", row }
    }

    #[test]
    fn text_round_trips_and_names_its_key() {
        let sealer = sealer(KEY_A);
        let sealed = sealer.seal(place("r1"), "TK1234567 グエン").expect("seals");
        assert!(sealed.starts_with("mg1:a1:"), "{sealed}");
        assert!(!sealed.contains("TK1234567"));
        assert_eq!(sealer.open(place("r1"), &sealed).expect("opens"), "TK1234567 グエン");
        assert!(!sealer.needs_resealing(&sealed));
    }

    #[test]
    fn the_same_text_seals_differently_each_time() {
        let sealer = sealer(KEY_A);
        assert_ne!(sealer.seal(place("r1"), "same").expect("seals"), sealer.seal(place("r1"), "same").expect("seals"));
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_or_column_does_not_open() {
        let sealer = sealer(KEY_A);
        let sealed = sealer.seal(place("r1"), "secret").expect("seals");
        assert!(matches!(sealer.open(place("r2"), &sealed), Err(SealError::DoesNotOpen)));
        let other_column = Place { table: "case_identities", column: "email", row: "r1" };
        assert!(matches!(sealer.open(other_column, &sealed), Err(SealError::DoesNotOpen)));
    }

    #[test]
    fn a_tampered_ciphertext_does_not_open() {
        let sealer = sealer(KEY_A);
        let sealed = sealer.seal(place("r1"), "secret").expect("seals");
        let (head, body) = sealed.rsplit_once(':').expect("has a body");
        let mut bytes = URL_SAFE_NO_PAD.decode(body).expect("base64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = format!("{head}:{}", URL_SAFE_NO_PAD.encode(bytes));
        assert!(matches!(sealer.open(place("r1"), &tampered), Err(SealError::DoesNotOpen)));
        assert!(matches!(sealer.open(place("r1"), "mg1:a1:!!"), Err(SealError::Malformed)));
    }

    #[test]
    fn an_unknown_key_id_is_named_and_a_reused_id_with_another_key_does_not_open() {
        let sealed = sealer(KEY_A).seal(place("r1"), "secret").expect("seals");
        match sealer(KEY_B).open(place("r1"), &sealed) {
            Err(SealError::UnknownKey(id)) => assert_eq!(id, "a1"),
            other => panic!("expected an unknown key, got {other:?}"),
        }
        let impostor = format!("a1:{}", KEY_B.split_once(':').expect("id").1);
        assert!(matches!(sealer(&impostor).open(place("r1"), &sealed), Err(SealError::DoesNotOpen)));
    }

    #[test]
    fn after_rotation_old_values_open_and_need_resealing() {
        let old = sealer(KEY_A).seal(place("r1"), "secret").expect("seals");
        let rotated = sealer(&format!("{KEY_B},{KEY_A}"));
        assert_eq!(rotated.current_key_id(), "b2");
        assert_eq!(rotated.open(place("r1"), &old).expect("old key still opens"), "secret");
        assert!(rotated.needs_resealing(&old));
        assert!(rotated.needs_resealing("plaintext from before sealing"));
        assert_eq!(
            rotated.open(place("r1"), "plaintext from before sealing").expect("passes"),
            "plaintext from before sealing"
        );
    }

    #[test]
    fn files_round_trip_with_their_key_in_the_header() {
        let sealer = sealer(KEY_A);
        let file = Place { table: "evidence", column: "file", row: "e1" };
        let bytes = b"\x89PNG known pattern 0xDEADBEEF".to_vec();
        let sealed = sealer.seal_file(file, &bytes).expect("seals");
        assert!(sealed.starts_with(b"MGF1\x02a1"));
        assert!(!sealed.windows(13).any(|w| w == b"known pattern"));
        assert_eq!(sealer.open_file(file, &sealed).expect("opens"), bytes);
        assert!(!sealer.file_needs_resealing(&sealed));
        assert!(sealer.file_needs_resealing(&bytes));
        let other = Place { table: "evidence", column: "file", row: "e2" };
        assert!(matches!(sealer.open_file(other, &sealed), Err(SealError::DoesNotOpen)));
    }
}
