//! The keyring: key ids and 256-bit keys, read from configuration or a key
//! file, never from the database. The first key seals new data; the others
//! only open what they sealed until `madoguchi admin rotate-key` is done.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// The first line of a key file Madoguchi generated for development; the
/// production profile refuses a file that carries it.
pub const DEVELOPMENT_KEY_MARKER: &str = "# madoguchi development key";

const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("no key: give at least one `id:base64-of-32-bytes`")]
    Empty,
    #[error("key {position}: expected `id:base64-of-32-bytes`")]
    Shape { position: usize },
    #[error("key {position}: the id must be 1 to 32 characters of a-z, A-Z, 0-9, `-` or `_`")]
    BadId { position: usize },
    #[error("key `{id}`: not base64 of exactly 32 bytes (generate one with `openssl rand -base64 32`)")]
    BadKey { id: String },
    #[error("key id `{0}` appears twice")]
    DuplicateId(String),
    #[error("cannot read the key file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write the development key file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

pub struct Keyring {
    /// In the order given; the first is current.
    keys: Vec<(String, [u8; KEY_LEN])>,
}

/// Where the keyring came from, for the start-up log line (never the keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Setting,
    File(PathBuf),
    GeneratedDevelopmentFile(PathBuf),
}

impl Keyring {
    /// Keys separated by commas or new lines, `#` comments ignored: `id:key`
    /// with the key in base64 (standard or URL-safe, padded or not).
    pub fn parse(text: &str) -> Result<Self, KeyringError> {
        let mut keys: Vec<(String, [u8; KEY_LEN])> = Vec::new();
        let entries = text.lines().filter(|line| !line.trim_start().starts_with('#')).flat_map(|line| line.split(','));
        for (index, entry) in entries.map(str::trim).filter(|entry| !entry.is_empty()).enumerate() {
            let position = index + 1;
            let (id, encoded) = entry.split_once(':').ok_or(KeyringError::Shape { position })?;
            let id = id.trim();
            if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(KeyringError::BadId { position });
            }
            let key = decode_key(encoded.trim()).ok_or_else(|| KeyringError::BadKey { id: id.to_owned() })?;
            if keys.iter().any(|(known, _)| known == id) {
                return Err(KeyringError::DuplicateId(id.to_owned()));
            }
            keys.push((id.to_owned(), key));
        }
        if keys.is_empty() {
            return Err(KeyringError::Empty);
        }
        Ok(Self { keys })
    }

    pub fn read_file(path: &Path) -> Result<Self, KeyringError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| KeyringError::Read { path: path.to_owned(), source })?;
        Self::parse(&text)
    }

    pub fn current_id(&self) -> &str {
        self.keys.first().map(|(id, _)| id.as_str()).unwrap_or_default()
    }

    pub(super) fn current_key(&self) -> &[u8; KEY_LEN] {
        self.keys.first().map(|(_, key)| key).unwrap_or(&[0; KEY_LEN])
    }

    pub(super) fn key(&self, id: &str) -> Option<&[u8; KEY_LEN]> {
        self.keys.iter().find(|(known, _)| known == id).map(|(_, key)| key)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }
}

fn decode_key(encoded: &str) -> Option<[u8; KEY_LEN]> {
    [URL_SAFE_NO_PAD, URL_SAFE, STANDARD, STANDARD_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(encoded).ok())
        .and_then(|bytes| <[u8; KEY_LEN]>::try_from(bytes).ok())
}

/// Reads the development key file, generating it (readable by its owner
/// only) when it does not exist yet. Returns whether it was generated.
pub fn generate_development_key_file(path: &Path) -> Result<(Keyring, bool), KeyringError> {
    if path.exists() {
        return Ok((Keyring::read_file(path)?, false));
    }
    let write_error = |source| KeyringError::Write { path: path.to_owned(), source };
    let mut key = [0u8; KEY_LEN];
    let mut id = [0u8; 3];
    getrandom::fill(&mut key).and_then(|()| getrandom::fill(&mut id)).map_err(|error| write_error(error.into()))?;
    let id = format!("dev-{}", crate::crypto::hex(&id));
    let text = format!(
        "{DEVELOPMENT_KEY_MARKER}, generated on first start. Not for production: a key kept beside\n\
         # the data it seals protects nothing. Losing this file makes the sealed data unreadable.\n\
         {id}:{}\n",
        URL_SAFE_NO_PAD.encode(key)
    );
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(write_error)?;
    }
    write_private(path, text.as_bytes()).map_err(write_error)?;
    Ok((Keyring::parse(&text)?, true))
}

/// Creates the file, failing if it exists, with mode 0600 where that exists.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_commas_or_lines_and_the_first_is_current() {
        let keys = "# comment\nk2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nk1:Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA";
        let ring = Keyring::parse(keys).expect("parses");
        assert_eq!(ring.current_id(), "k2");
        assert_eq!(ring.ids().collect::<Vec<_>>(), ["k2", "k1"]);
        let one_line = keys.trim_start_matches("# comment\n").replace('\n', ",");
        let ring = Keyring::parse(&one_line).expect("commas too");
        assert_eq!(ring.ids().count(), 2);
    }

    #[test]
    fn bad_keys_are_refused_with_a_reason() {
        assert!(matches!(Keyring::parse(""), Err(KeyringError::Empty)));
        assert!(matches!(Keyring::parse("nocolon"), Err(KeyringError::Shape { position: 1 })));
        assert!(matches!(Keyring::parse("bad id:AAAA"), Err(KeyringError::BadId { .. })));
        assert!(matches!(Keyring::parse("short:AAECAw"), Err(KeyringError::BadKey { .. })));
        let twice = "a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8,a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
        assert!(matches!(Keyring::parse(twice), Err(KeyringError::DuplicateId(_))));
    }

    #[test]
    fn the_development_key_file_is_generated_once_and_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys").join("development-sealing-keys");
        let (first, generated) = generate_development_key_file(&path).expect("generates");
        assert!(generated);
        assert!(first.current_id().starts_with("dev-"));
        let (again, generated) = generate_development_key_file(&path).expect("reads");
        assert!(!generated);
        assert_eq!(again.current_id(), first.current_id());
        assert!(std::fs::read_to_string(&path).expect("reads").starts_with(DEVELOPMENT_KEY_MARKER));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
