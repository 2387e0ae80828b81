//! Encryption at rest for stored credentials (Zoho refresh tokens): XChaCha20-Poly1305 with a
//! random 192-bit nonce per ciphertext, under keys the operator provides in `[secrets]`.
//!
//! Keys are versioned so they can be rotated: new ciphertexts use `secrets.current_key`, old
//! ones name the version that sealed them, and `ml-connector rotate-key` re-seals everything
//! under the current one. The associated data binds each ciphertext to its connection, its
//! field and its key version, so a ciphertext copied into another connection's row (or relabelled
//! with another version) fails to decrypt instead of handing one tenant's token to another.

use crate::config::SecretsConfig;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use std::collections::BTreeMap;

/// Bytes in a key (256 bits).
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
/// Domain separation: a ciphertext made by anything else never verifies here.
const AAD_CONTEXT: &[u8] = b"ml-connector/stored-secret/v1";

/// Why a key could not be loaded or a stored secret could not be opened. Messages name the
/// configuration key to fix; none carries key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("secrets.keys.{version}: {problem}; each key is 32 random bytes in base64, e.g. from `openssl rand -base64 32`")]
    BadKey { version: String, problem: String },
    #[error("secrets.current_key = {0} names no key: add secrets.keys.{0} or set current_key to one of the configured versions")]
    CurrentMissing(u32),
    #[error("secrets.keys holds several keys but secrets.current_key is not set: set it to the version new tokens should be encrypted with")]
    CurrentUnset,
    #[error("no encryption key for stored credentials is configured: set secrets.keys (e.g. MLC_SECRETS__KEYS__1=\"$(openssl rand -base64 32)\") and secrets.current_key = 1, and keep that key: tokens stored with it cannot be read without it")]
    NoKey,
    #[error("the stored {} of connection {connection} was encrypted with key version {version}, which is not configured: add that key back as secrets.keys.{version} (`ml-connector rotate-key` then moves it to the current key), or run `ml-connector connect --connection {connection}` to store a new one", .field.replace('_', " "))]
    UnknownVersion {
        connection: String,
        field: String,
        version: u32,
    },
    #[error("the stored {} of connection {connection} could not be decrypted with key version {version}: secrets.keys.{version} is not the key it was encrypted with, or the row was altered or copied from another connection. Restore the original key, or run `ml-connector connect --connection {connection}` to store a new one", .field.replace('_', " "))]
    Undecryptable {
        connection: String,
        field: String,
        version: u32,
    },
}

/// A sealed secret as stored: `nonce || ciphertext+tag`, and the key version that sealed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub key_version: u32,
}

/// The operator's keys, by version. `Debug` shows versions only.
pub struct Keyring {
    keys: BTreeMap<u32, SecretBox<[u8; KEY_LEN]>>,
    current: Option<u32>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("versions", &self.keys.keys().collect::<Vec<_>>())
            .field("current", &self.current)
            .finish()
    }
}

impl Keyring {
    /// Loads `[secrets]`. Having no key at all is allowed here (a deployment that keeps its
    /// refresh tokens in the file needs none); sealing or opening then fails with
    /// [`SecretsError::NoKey`].
    pub fn from_config(config: &SecretsConfig) -> Result<Keyring, SecretsError> {
        let mut keys = BTreeMap::new();
        for (version, encoded) in &config.keys {
            let bad = |problem: String| SecretsError::BadKey {
                version: version.clone(),
                problem,
            };
            let v: u32 = version
                .trim()
                .parse()
                .map_err(|_| bad("the version must be a whole number such as 1 or 2".into()))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded.expose_secret().trim())
                .map_err(|_| bad("is not valid base64".into()))?;
            let key: [u8; KEY_LEN] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| bad(format!("decodes to {} bytes, not {KEY_LEN}", bytes.len())))?;
            keys.insert(v, SecretBox::new(Box::new(key)));
        }
        let current = match config.current_key {
            Some(v) if keys.contains_key(&v) => Some(v),
            Some(v) => return Err(SecretsError::CurrentMissing(v)),
            None if keys.len() <= 1 => keys.keys().next().copied(),
            None => return Err(SecretsError::CurrentUnset),
        };
        Ok(Keyring { keys, current })
    }

    /// A keyring with one key (tests, the demo).
    pub fn single(version: u32, key: [u8; KEY_LEN]) -> Keyring {
        let mut keys = BTreeMap::new();
        keys.insert(version, SecretBox::new(Box::new(key)));
        Keyring {
            keys,
            current: Some(version),
        }
    }

    /// The version new secrets are sealed with; `None` when no key is configured.
    pub fn current_version(&self) -> Option<u32> {
        self.current
    }

    /// Whether `version` can be opened.
    pub fn has_version(&self, version: u32) -> bool {
        self.keys.contains_key(&version)
    }

    /// Fails with [`SecretsError::NoKey`] unless a current key exists; call before starting
    /// anything whose result must be stored (an OAuth code lives two minutes).
    pub fn require_current(&self) -> Result<u32, SecretsError> {
        self.current.ok_or(SecretsError::NoKey)
    }

    /// Encrypts `plaintext` for `field` of `connection` under the current key.
    pub fn seal(
        &self,
        connection: &str,
        field: &str,
        plaintext: &SecretString,
    ) -> Result<Sealed, SecretsError> {
        let version = self.require_current()?;
        let cipher = self.cipher(version).ok_or(SecretsError::NoKey)?;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = associated_data(connection, field, version);
        let ct = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.expose_secret().as_bytes(),
                    aad: &aad,
                },
            )
            // Encryption only fails for messages beyond 256 GiB.
            .map_err(|_| SecretsError::Undecryptable {
                connection: connection.into(),
                field: field.into(),
                version,
            })?;
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(Sealed {
            ciphertext: out,
            key_version: version,
        })
    }

    /// Decrypts what [`seal`](Self::seal) produced for the same connection, field and version.
    pub fn open(
        &self,
        connection: &str,
        field: &str,
        sealed: &Sealed,
    ) -> Result<SecretString, SecretsError> {
        let version = sealed.key_version;
        let undecryptable = || SecretsError::Undecryptable {
            connection: connection.into(),
            field: field.into(),
            version,
        };
        let cipher = self.cipher(version).ok_or_else(|| {
            if self.keys.is_empty() {
                SecretsError::NoKey
            } else {
                SecretsError::UnknownVersion {
                    connection: connection.into(),
                    field: field.into(),
                    version,
                }
            }
        })?;
        if sealed.ciphertext.len() < NONCE_LEN {
            return Err(undecryptable());
        }
        let (nonce, ct) = sealed.ciphertext.split_at(NONCE_LEN);
        let aad = associated_data(connection, field, version);
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: &aad })
            .map_err(|_| undecryptable())?;
        let text = String::from_utf8(plain).map_err(|_| undecryptable())?;
        Ok(SecretString::from(text))
    }

    fn cipher(&self, version: u32) -> Option<XChaCha20Poly1305> {
        self.keys
            .get(&version)
            .map(|k| XChaCha20Poly1305::new(Key::from_slice(k.expose_secret())))
    }
}

/// Length-prefixed (context, connection, field, version): unambiguous whatever the ids contain.
fn associated_data(connection: &str, field: &str, version: u32) -> Vec<u8> {
    let version = version.to_string();
    let mut aad = Vec::new();
    for part in [
        AAD_CONTEXT,
        connection.as_bytes(),
        field.as_bytes(),
        version.as_bytes(),
    ] {
        aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
        aad.extend_from_slice(part);
    }
    aad
}

/// A fresh random key in the form `secrets.keys` expects (for `rotate-key --generate` hints,
/// tests and the demo).
pub fn generate_key_base64() -> String {
    let key = XChaCha20Poly1305::generate_key(&mut OsRng);
    base64::engine::general_purpose::STANDARD.encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(entries: &[(&str, &str)], current: Option<u32>) -> Result<Keyring, SecretsError> {
        Keyring::from_config(&SecretsConfig {
            keys: entries
                .iter()
                .map(|(v, k)| (v.to_string(), SecretString::from(k.to_string())))
                .collect(),
            current_key: current,
        })
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn round_trip_and_fresh_nonce_per_seal() {
        let k = generate_key_base64();
        let r = ring(&[("1", &k)], Some(1)).unwrap();
        let a = r
            .seal("acme", "refresh_token", &secret("1000.abc.def"))
            .unwrap();
        let b = r
            .seal("acme", "refresh_token", &secret("1000.abc.def"))
            .unwrap();
        assert_ne!(a.ciphertext, b.ciphertext, "nonces must differ");
        assert!(
            !a.ciphertext.windows(8).any(|w| w == b"1000.abc"),
            "plaintext visible in ciphertext"
        );
        assert_eq!(
            r.open("acme", "refresh_token", &a).unwrap().expose_secret(),
            "1000.abc.def"
        );
    }

    #[test]
    fn bound_to_connection_field_and_version() {
        let (k1, k2) = (generate_key_base64(), generate_key_base64());
        let r = ring(&[("1", &k1), ("2", &k2)], Some(2)).unwrap();
        let sealed = r.seal("acme", "refresh_token", &secret("tok")).unwrap();
        assert!(matches!(
            r.open("globex", "refresh_token", &sealed),
            Err(SecretsError::Undecryptable { .. })
        ));
        assert!(matches!(
            r.open("acme", "access_token", &sealed),
            Err(SecretsError::Undecryptable { .. })
        ));
        let relabelled = Sealed {
            key_version: 1,
            ..sealed.clone()
        };
        assert!(matches!(
            r.open("acme", "refresh_token", &relabelled),
            Err(SecretsError::Undecryptable { .. })
        ));
        let mut flipped = sealed.clone();
        let last = flipped.ciphertext.len() - 1;
        flipped.ciphertext[last] ^= 1;
        assert!(r.open("acme", "refresh_token", &flipped).is_err());
        assert!(r
            .open(
                "acme",
                "refresh_token",
                &Sealed {
                    ciphertext: vec![1, 2],
                    key_version: 2
                }
            )
            .is_err());
    }

    #[test]
    fn missing_and_wrong_keys_say_what_to_do() {
        let k1 = generate_key_base64();
        let old = ring(&[("1", &k1)], None).unwrap();
        let sealed = old.seal("acme", "refresh_token", &secret("tok")).unwrap();

        let none = ring(&[], None).unwrap();
        let e = none
            .open("acme", "refresh_token", &sealed)
            .unwrap_err()
            .to_string();
        assert!(e.contains("set secrets.keys"), "{e}");
        assert!(none.seal("acme", "refresh_token", &secret("x")).is_err());

        let other = ring(&[("2", &generate_key_base64())], Some(2)).unwrap();
        let e = other
            .open("acme", "refresh_token", &sealed)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("connection acme was encrypted with key version 1, which is not configured"),
            "{e}"
        );

        let wrong = ring(&[("1", &generate_key_base64())], Some(1)).unwrap();
        let e = wrong
            .open("acme", "refresh_token", &sealed)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("secrets.keys.1 is not the key it was encrypted with"),
            "{e}"
        );
        assert!(!e.contains(&k1));
    }

    #[test]
    fn key_configuration_errors() {
        let e = ring(&[("1", "c2hvcnQ=")], None).unwrap_err().to_string();
        assert!(
            e.contains("secrets.keys.1") && e.contains("5 bytes, not 32"),
            "{e}"
        );
        assert!(ring(&[("1", "not base64!")], None)
            .unwrap_err()
            .to_string()
            .contains("base64"));
        assert!(ring(&[("one", &generate_key_base64())], None)
            .unwrap_err()
            .to_string()
            .contains("whole number"));
        assert!(matches!(
            ring(&[("1", &generate_key_base64())], Some(3)),
            Err(SecretsError::CurrentMissing(3))
        ));
        let two = [("1", generate_key_base64()), ("2", generate_key_base64())];
        let two: Vec<(&str, &str)> = two.iter().map(|(v, k)| (*v, k.as_str())).collect();
        assert!(matches!(ring(&two, None), Err(SecretsError::CurrentUnset)));
        let r = ring(&two, Some(2)).unwrap();
        assert_eq!(r.current_version(), Some(2));
        let dbg = format!("{r:?}");
        assert!(!dbg.contains(two[0].1) && dbg.contains("versions"), "{dbg}");
    }
}
