//! `[secrets]`: the keys that encrypt credentials stored in the database.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Encryption keys for refresh tokens stored by `connect`, by version.
///
/// ```toml
/// [secrets]
/// keys = { "1" = "<32 random bytes, base64>" }   # openssl rand -base64 32
/// current_key = 1
/// ```
/// or `MLC_SECRETS__KEYS__1=...` and `MLC_SECRETS__CURRENT_KEY=1`. To rotate: add a new
/// version, point `current_key` at it, run `ml-connector rotate-key`, then remove the old one.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    /// Version → key (32 bytes, standard base64). Keep every version that still seals a stored
    /// token: a token whose key is gone can only be replaced by connecting again.
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "super::lenient::secret_map"
    )]
    pub keys: BTreeMap<String, SecretString>,
    /// The version that encrypts new tokens; may be omitted when there is exactly one key.
    #[serde(default)]
    pub current_key: Option<u32>,
}

impl std::fmt::Debug for SecretsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsConfig")
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .field("current_key", &self.current_key)
            .finish()
    }
}
