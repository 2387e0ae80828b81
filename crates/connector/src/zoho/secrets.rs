//! Refresh tokens at rest: sealed with the operator's key (see `crypto`), bound to their
//! connection row, checked on start, re-sealed by `rotate-key`.

use crate::clock::SharedClock;
use crate::config::Config;
use crate::crypto::{Keyring, Sealed};
use crate::store::{ConnectionRow, GrantRow, Store};
use crate::zoho::tokens::RefreshTokenSource;
use anyhow::Context;
use secrecy::SecretString;
use std::sync::Arc;

/// The field name every refresh-token ciphertext is bound to.
pub const REFRESH_TOKEN_FIELD: &str = "refresh_token";

fn sealed_of(row: &ConnectionRow) -> anyhow::Result<Option<Sealed>> {
    match (&row.refresh_token_ct, row.key_version) {
        (None, _) => Ok(None),
        (Some(ct), Some(v)) if v >= 0 => Ok(Some(Sealed { ciphertext: ct.clone(), key_version: v as u32 })),
        (Some(_), _) => anyhow::bail!(
            "the stored refresh token of connection {} has no valid key version; run `ml-connector connect --connection {}` to store a new one",
            row.id,
            row.id
        ),
    }
}

/// Opens the refresh token stored for `row`, if any.
pub fn open_row(keyring: &Keyring, row: &ConnectionRow) -> anyhow::Result<Option<SecretString>> {
    match sealed_of(row)? {
        Some(sealed) => Ok(Some(keyring.open(&row.id, REFRESH_TOKEN_FIELD, &sealed)?)),
        None => Ok(None),
    }
}

/// A connection's refresh token: the one `connect` stored (encrypted) in the database, else
/// `connections.zoho.refresh_token` from the file. Read on every refresh (once an hour), so a
/// reconnect takes effect without a restart.
pub struct StoredRefreshToken {
    store: Store,
    keyring: Arc<Keyring>,
    connection: String,
    fallback: Option<SecretString>,
}

impl StoredRefreshToken {
    pub fn new(
        store: Store,
        keyring: Arc<Keyring>,
        connection: impl Into<String>,
        fallback: Option<SecretString>,
    ) -> Self {
        Self {
            store,
            keyring,
            connection: connection.into(),
            fallback,
        }
    }
}

#[async_trait::async_trait]
impl RefreshTokenSource for StoredRefreshToken {
    async fn refresh_token(&self) -> anyhow::Result<Option<SecretString>> {
        let row = self.store.connection_row(&self.connection).await?;
        match row
            .as_ref()
            .map(|r| open_row(&self.keyring, r))
            .transpose()?
            .flatten()
        {
            Some(token) => Ok(Some(token)),
            None => Ok(self.fallback.clone()),
        }
    }
}

/// Start-up check: every configured connection's stored token opens with the configured keys,
/// and was connected in the data centre the configuration names. Fails with what to fix rather
/// than letting workers discover it job by job.
pub async fn verify_stored_tokens(
    store: &Store,
    keyring: &Keyring,
    config: &Config,
) -> anyhow::Result<()> {
    for row in store.connection_rows().await? {
        let Some(conn) = config.connection(&row.id) else {
            if row.refresh_token_ct.is_some() {
                tracing::warn!(connection = %row.id, "a refresh token is stored for a connection that is not configured; ignoring it");
            }
            continue;
        };
        if open_row(keyring, &row)?.is_none() {
            continue;
        }
        if let Some(stored_dc) = row.data_centre.as_deref() {
            if !stored_dc.eq_ignore_ascii_case(&conn.zoho.data_centre) {
                anyhow::bail!(
                    "connection {id} was connected to a Zoho account in data centre {stored}, but its configuration says \
                     data_centre = \"{configured}\" (refresh tokens only work in their own data centre): set \
                     connections.zoho.data_centre = \"{stored}\" for {id}, or run `ml-connector connect --connection {id}` again",
                    id = row.id,
                    stored = stored_dc,
                    configured = conn.zoho.data_centre,
                );
            }
        }
        if let Some(org) = row.organization_id.as_deref() {
            if org != conn.zoho.organization_id {
                tracing::warn!(
                    connection = %row.id, stored = org, configured = %conn.zoho.organization_id,
                    "the organization chosen at connect differs from connections.zoho.organization_id; the configuration wins"
                );
            }
        }
    }
    Ok(())
}

/// What a rotation did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Tokens re-sealed under the current key.
    pub resealed: usize,
    /// Tokens already under the current key.
    pub current: usize,
    /// Tokens changed by a concurrent `connect` while rotating (already under the current key).
    pub raced: usize,
}

/// Re-seals every stored refresh token under `secrets.current_key`. Stops at the first token
/// that cannot be opened, naming it, so no key is retired while a token still needs it.
pub async fn rotate(
    store: &Store,
    keyring: &Keyring,
    clock: &SharedClock,
) -> anyhow::Result<Rotation> {
    let current = keyring.require_current()?;
    let mut report = Rotation::default();
    for row in store.connection_rows().await? {
        let Some(sealed) = sealed_of(&row)? else {
            continue;
        };
        if sealed.key_version == current {
            report.current += 1;
            continue;
        }
        let token = keyring.open(&row.id, REFRESH_TOKEN_FIELD, &sealed)?;
        let resealed = keyring.seal(&row.id, REFRESH_TOKEN_FIELD, &token)?;
        let done = store
            .reseal_refresh_token(
                &row.id,
                &sealed.ciphertext,
                &resealed.ciphertext,
                resealed.key_version,
                clock.now_ms(),
            )
            .await
            .with_context(|| {
                format!(
                    "could not store the re-encrypted token of connection {}",
                    row.id
                )
            })?;
        if done {
            report.resealed += 1;
        } else {
            report.raced += 1;
        }
    }
    // Stored access tokens follow the key too; one that cannot be opened is dropped (a new
    // one is fetched when needed) rather than blocking the rotation.
    for row in store.token_rows().await? {
        let (Some(ct), Some(v)) = (&row.access_token_ct, row.key_version) else {
            continue;
        };
        if v == current as i64 {
            continue;
        }
        let field = crate::zoho::tokens::ACCESS_TOKEN_FIELD;
        let sealed = Sealed {
            ciphertext: ct.clone(),
            key_version: u32::try_from(v).unwrap_or(u32::MAX),
        };
        let resealed = keyring
            .open(&row.connection_id, field, &sealed)
            .and_then(|t| keyring.seal(&row.connection_id, field, &t))
            .ok();
        store
            .reseal_access_token(
                &row.connection_id,
                ct,
                resealed
                    .as_ref()
                    .map(|s| (s.ciphertext.as_slice(), s.key_version)),
            )
            .await
            .with_context(|| {
                format!(
                    "could not re-encrypt the stored access token of connection {}",
                    row.connection_id
                )
            })?;
    }
    Ok(report)
}

/// Seals and stores a new grant for a connection (replacing its previous refresh token), then
/// lets jobs parked for a reconnect run again.
#[allow(clippy::too_many_arguments)]
pub async fn save_grant(
    store: &Store,
    keyring: &Keyring,
    clock: &SharedClock,
    connection_id: &str,
    organization_id: &str,
    data_centre: zoho_books::DataCentre,
    api_domain: &str,
    refresh_token: &SecretString,
) -> anyhow::Result<u64> {
    let sealed = keyring.seal(connection_id, REFRESH_TOKEN_FIELD, refresh_token)?;
    let now = clock.now_ms();
    store
        .save_grant(
            &GrantRow {
                connection_id,
                organization_id,
                data_centre: data_centre.code(),
                api_domain,
                refresh_token_ct: &sealed.ciphertext,
                key_version: sealed.key_version,
            },
            now,
        )
        .await
        .context("could not store the connection's refresh token")?;
    super::status::reactivate(store, connection_id, now).await
}

#[cfg(test)]
mod tests;
