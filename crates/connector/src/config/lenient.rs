//! Text settings that may look like numbers when they come from the environment.
//!
//! figment parses an environment value that looks like a number into one
//! (SergioBenitez/Figment#42, #70), so `MLC_SERVER__ADMIN_PASSWORD=123456` would fail as "expected
//! a string" and `007` would even become `7`. The fields below accept a number while
//! deserializing, and [`overlay_raw`] then puts back the exact text of the variable.

use secrecy::SecretString;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(untagged)]
enum Text {
    S(String),
    U(u64),
    I(i64),
    F(f64),
}

impl Text {
    fn into_string(self) -> String {
        match self {
            Text::S(s) => s,
            Text::U(n) => n.to_string(),
            Text::I(n) => n.to_string(),
            Text::F(n) => n.to_string(),
        }
    }
}

pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Text::deserialize(d)?.into_string())
}

pub fn opt_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<Text>::deserialize(d)?.map(|t| SecretString::from(t.into_string())))
}

pub fn secret_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, SecretString>, D::Error> {
    Ok(BTreeMap::<String, Text>::deserialize(d)?
        .into_iter()
        .map(|(k, v)| (k, SecretString::from(v.into_string())))
        .collect())
}

/// The exact text of the environment variables behind the text settings, over what figment
/// made of them.
pub fn overlay_raw(config: &mut super::Config, prefix: &str) {
    let var = |name: &str| std::env::var(format!("{prefix}{name}")).ok();
    if let Some(v) = var("SERVER__ADMIN_PASSWORD") {
        config.server.admin_password = Some(SecretString::from(v));
    }
    if let Some(v) = var("ZOHO__CLIENT_ID") {
        config.zoho.client_id = v;
    }
    if let Some(v) = var("ZOHO__CLIENT_SECRET") {
        config.zoho.client_secret = Some(SecretString::from(v));
    }
    for (name, value) in std::env::vars() {
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        if let Some(dc) = rest.strip_prefix("ZOHO__CLIENT_SECRETS__") {
            config
                .zoho
                .client_secrets
                .insert(dc.to_ascii_lowercase(), SecretString::from(value));
        } else if let Some(version) = rest.strip_prefix("SECRETS__KEYS__") {
            config
                .secrets
                .keys
                .insert(version.to_ascii_lowercase(), SecretString::from(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::{Env, Serialized};
    use figment::Figment;
    use secrecy::ExposeSecret;

    #[test]
    fn numeric_looking_secrets_from_the_environment_keep_their_exact_text() {
        // A prefix of this test's own, so no other test sees these variables.
        std::env::set_var("MLCLENIENT_SERVER__ADMIN_PASSWORD", "007");
        std::env::set_var("MLCLENIENT_ZOHO__CLIENT_SECRET", "123456");
        std::env::set_var("MLCLENIENT_ZOHO__CLIENT_ID", "1000.50");
        std::env::set_var("MLCLENIENT_SECRETS__KEYS__1", "42");
        let mut config: crate::config::Config =
            Figment::from(Serialized::defaults(crate::config::Config::defaults()))
                .merge(Env::prefixed("MLCLENIENT_").split("__"))
                .extract()
                .expect("numbers are accepted for text settings");
        overlay_raw(&mut config, "MLCLENIENT_");
        let password = config.server.admin_password.expect("password");
        assert_eq!(password.expose_secret(), "007");
        assert_eq!(
            config.zoho.client_secret.expect("secret").expose_secret(),
            "123456"
        );
        assert_eq!(config.zoho.client_id, "1000.50");
        assert_eq!(config.secrets.keys["1"].expose_secret(), "42");
    }
}
