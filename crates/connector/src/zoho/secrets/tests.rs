use super::*;
use crate::clock::{ManualClock, SharedClock};
use crate::config::{Config, DatabaseConfig};
use crate::crypto::{generate_key_base64, Keyring};
use secrecy::ExposeSecret;
use zoho_books::DataCentre;

fn keyring(entries: &[(&str, &str)], current: u32) -> Keyring {
    Keyring::from_config(&crate::config::SecretsConfig {
        keys: entries
            .iter()
            .map(|(v, k)| (v.to_string(), SecretString::from(k.to_string())))
            .collect(),
        current_key: Some(current),
    })
    .expect("keyring")
}

async fn store(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    Store::open(&DatabaseConfig {
        url,
        ..Default::default()
    })
    .await
    .expect("store")
}

fn clock() -> SharedClock {
    Arc::new(ManualClock::new(chrono::Utc::now()))
}

fn config(ids: &[(&str, &str)]) -> Config {
    let mut toml = String::new();
    for (id, dc) in ids {
        toml.push_str(&format!(
            "[[connections]]\nid = \"{id}\"\nwebhook_token = \"{}\"\n[connections.zoho]\norganization_id = \"1\"\ndata_centre = \"{dc}\"\n[connections.monday]\ntoken = \"t\"\n",
            "w".repeat(24)
        ));
    }
    Config::from_toml_str(&toml).expect("config")
}

async fn token_of(
    store: &Store,
    ring: &Arc<Keyring>,
    id: &str,
) -> anyhow::Result<Option<SecretString>> {
    StoredRefreshToken::new(store.clone(), ring.clone(), id, None)
        .refresh_token()
        .await
}

#[tokio::test]
async fn swapped_ciphertexts_do_not_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clock) = (store(&dir).await, clock());
    let ring = Arc::new(keyring(&[("1", &generate_key_base64())], 1));
    for (id, token) in [("acme", "1000.acme.token"), ("globex", "1000.globex.token")] {
        save_grant(
            &store,
            &ring,
            &clock,
            id,
            "1",
            DataCentre::Eu,
            "https://www.zohoapis.eu",
            &SecretString::from(token.to_string()),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        token_of(&store, &ring, "acme")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "1000.acme.token"
    );
    let raw: Vec<Vec<u8>> = sqlx::query_scalar("SELECT refresh_token_ct FROM connections")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let raw = raw.concat();
    assert!(
        !raw.windows(9).any(|w| w == b"1000.acme"),
        "plaintext stored"
    );

    // Swap the two rows' ciphertexts, as an attacker with write access to the table might.
    let rows: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT id, refresh_token_ct FROM connections ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap();
    for ((id, _), (_, ct)) in rows.iter().zip(rows.iter().rev()) {
        sqlx::query("UPDATE connections SET refresh_token_ct = ?1 WHERE id = ?2")
            .bind(ct)
            .bind(id)
            .execute(store.pool())
            .await
            .unwrap();
    }
    for id in ["acme", "globex"] {
        let err = token_of(&store, &ring, id).await.unwrap_err().to_string();
        assert!(
            err.contains(&format!("connection {id} could not be decrypted")),
            "{err}"
        );
    }
    let err = verify_stored_tokens(&store, &ring, &config(&[("acme", "eu"), ("globex", "eu")]))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("could not be decrypted with key version 1"),
        "{err}"
    );
}

#[tokio::test]
async fn rotation_reseals_every_token_under_the_current_key() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clock) = (store(&dir).await, clock());
    let (k1, k2) = (generate_key_base64(), generate_key_base64());
    let old = Arc::new(keyring(&[("1", &k1)], 1));
    for id in ["acme", "globex"] {
        let token = SecretString::from(format!("1000.{id}"));
        save_grant(
            &store,
            &old,
            &clock,
            id,
            "1",
            DataCentre::Us,
            "https://www.zohoapis.com",
            &token,
        )
        .await
        .unwrap();
    }
    let both = Arc::new(keyring(&[("1", &k1), ("2", &k2)], 2));
    let report = rotate(&store, &both, &clock).await.unwrap();
    assert_eq!(
        report,
        Rotation {
            resealed: 2,
            current: 0,
            raced: 0
        }
    );
    let versions: Vec<i64> = sqlx::query_scalar("SELECT key_version FROM connections")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(versions, vec![2, 2]);
    // The old key can now be removed.
    let only_new = Arc::new(keyring(&[("2", &k2)], 2));
    assert_eq!(
        token_of(&store, &only_new, "globex")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "1000.globex"
    );
    verify_stored_tokens(
        &store,
        &only_new,
        &config(&[("acme", "us"), ("globex", "us")]),
    )
    .await
    .unwrap();
    // Running it again changes nothing.
    assert_eq!(
        rotate(&store, &both, &clock).await.unwrap(),
        Rotation {
            resealed: 0,
            current: 2,
            raced: 0
        }
    );
}

#[tokio::test]
async fn missing_or_wrong_key_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clock) = (store(&dir).await, clock());
    let ring = keyring(&[("1", &generate_key_base64())], 1);
    let token = SecretString::from("1000.x.y".to_string());
    save_grant(
        &store,
        &ring,
        &clock,
        "acme",
        "1",
        DataCentre::Eu,
        "https://www.zohoapis.eu",
        &token,
    )
    .await
    .unwrap();
    let cfg = config(&[("acme", "eu")]);

    let other_version = keyring(&[("2", &generate_key_base64())], 2);
    let err = verify_stored_tokens(&store, &other_version, &cfg)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("the stored refresh token of connection acme was encrypted with key version 1, which is not configured"), "{err}");

    let none = Keyring::from_config(&Default::default()).unwrap();
    let err = verify_stored_tokens(&store, &none, &cfg)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("set secrets.keys"), "{err}");

    let wrong = keyring(&[("1", &generate_key_base64())], 1);
    let err = verify_stored_tokens(&store, &wrong, &cfg)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("secrets.keys.1 is not the key it was encrypted with"),
        "{err}"
    );

    let err = verify_stored_tokens(&store, &ring, &config(&[("acme", "us")]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("data centre eu") && err.contains("data_centre = \"eu\""),
        "{err}"
    );
    verify_stored_tokens(&store, &ring, &cfg).await.unwrap();
}

#[tokio::test]
async fn falls_back_to_the_file_and_reconnect_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clock) = (store(&dir).await, clock());
    let ring = Arc::new(keyring(&[("1", &generate_key_base64())], 1));
    let source = StoredRefreshToken::new(
        store.clone(),
        ring.clone(),
        "acme",
        Some(SecretString::from("from-file".to_string())),
    );
    assert_eq!(
        source
            .refresh_token()
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "from-file"
    );
    store
        .set_connection_status("acme", "needs_reconnect", Some("revoked"), 1)
        .await
        .unwrap();
    for t in ["first", "second"] {
        save_grant(
            &store,
            &ring,
            &clock,
            "acme",
            "1",
            DataCentre::Eu,
            "https://www.zohoapis.eu",
            &SecretString::from(t.to_string()),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        source
            .refresh_token()
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "second"
    );
    let row = store.connection_row("acme").await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.status_reason), ("active", None));
}
