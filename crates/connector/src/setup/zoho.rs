//! `setup`, Zoho part: registers the connector's webhook for each module it listens to
//! (invoice, bill, purchase order, customer and vendor payments) and says what is left to do by
//! hand. Zoho only fires a webhook from a workflow rule, and rules cannot be bound reliably
//! through the API (reference §9), so that step is printed, not done.
//!
//! Idempotent: webhooks already listed by Zoho with the same module and URL are kept. Where
//! Zoho does not list webhooks, the ones setup created are remembered in the database instead.

use crate::queue::JobError;
use crate::runtime::{Connection, Runtime};
use crate::zoho::quota::Priority;
use crate::zoho::{CallError, Op};
use anyhow::Context;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use zoho_books::{Webhook, WebhookSpec, WEBHOOK_ENTITIES};

/// What setup did for one connection, and what it leaves to a person.
#[derive(Debug, Default)]
pub struct ZohoSetup {
    pub connection: String,
    /// (entity, webhook id) created by this run.
    pub created: Vec<(String, String)>,
    /// Entities whose webhook already existed.
    pub existing: Vec<String>,
    /// Problems to fix by hand (a name taken by another webhook, …).
    pub warnings: Vec<String>,
    /// The workflow rules to create in Zoho's UI, one line each.
    pub manual_steps: Vec<String>,
}

impl std::fmt::Display for ZohoSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Zoho webhooks for connection {}:", self.connection)?;
        for (entity, id) in &self.created {
            writeln!(f, "  created the {entity} webhook (id {id})")?;
        }
        for entity in &self.existing {
            writeln!(f, "  the {entity} webhook already exists")?;
        }
        for w in &self.warnings {
            writeln!(f, "  WARNING: {w}")?;
        }
        if !self.manual_steps.is_empty() {
            writeln!(
                f,
                "\nLeft to do by hand in Zoho Books (a webhook only fires from a workflow rule):"
            )?;
            for (n, step) in self.manual_steps.iter().enumerate() {
                writeln!(f, "  {}. {step}", n + 1)?;
            }
        }
        Ok(())
    }
}

/// The module as Zoho's Workflow Rules screen names it.
fn module_label(entity: &str) -> &'static str {
    match entity {
        "invoice" => "Invoice",
        "bill" => "Bill",
        "purchaseorder" => "Purchase Order",
        "customerpayment" => "Customer Payment (Payments Received)",
        "vendorpayment" => "Vendor Payment (Payments Made)",
        _ => "the matching module",
    }
}

/// `ml-connector <connection> <entity>`, within Zoho's 50 characters.
fn webhook_name(connection: &str, entity: &str) -> String {
    let room = 50 - "ml-connector  ".len() - entity.len();
    let connection: String = connection.chars().take(room).collect();
    format!("ml-connector {connection} {entity}")
}

/// `{server.public_url}webhooks/zoho/{webhook_token}`: where Zoho must POST.
pub fn webhook_url(public_url: &url::Url, token: &str) -> String {
    format!(
        "{}/webhooks/zoho/{token}",
        public_url.as_str().trim_end_matches('/')
    )
}

fn same_webhook(w: &Webhook, entity: &str, url: &str, name: &str) -> bool {
    let entity_matches = w
        .entity
        .as_deref()
        .is_none_or(|e| e.eq_ignore_ascii_case(entity));
    match w.url.as_deref() {
        Some(u) => entity_matches && u == url,
        // A listing without URLs: recognise our own by its name.
        None => entity_matches && w.name.as_deref() == Some(name),
    }
}

/// Registers the missing webhooks of one connection, pointing them at `public_url`.
pub async fn setup_connection(
    rt: &Runtime,
    conn: &Connection,
    public_url: &url::Url,
) -> anyhow::Result<ZohoSetup> {
    let id = conn.config.id.as_str();
    let org = conn.config.zoho.organization_id.as_str();
    let secret = conn.config.zoho.webhook_secret.clone().with_context(|| {
        format!(
            "connections.zoho.webhook_secret is not set for connection {id}: Zoho signs deliveries with it. Set it to 12-50 letters and digits \
             (e.g. `openssl rand -hex 20`) and run setup again"
        )
    })?;
    let url = webhook_url(public_url, conn.config.webhook_token.expose_secret());
    let url_hash = hex::encode(Sha256::digest(url.as_bytes()));
    let books = &conn.zoho.books;
    let listed = conn
        .zoho
        .call(Op::SETTINGS, Priority::Realtime, |token| async move {
            books.list_webhooks(&token).await
        })
        .await
        .map_err(|e| anyhow::anyhow!("{}", JobError::from(e)))
        .with_context(|| format!("could not list the Zoho webhooks of organization {org}"))?;
    if listed.is_none() {
        tracing::info!(
            connection = id,
            "Zoho does not list webhooks here; relying on the ones setup remembers"
        );
    }
    let mut report = ZohoSetup {
        connection: id.to_string(),
        ..Default::default()
    };
    for entity in WEBHOOK_ENTITIES {
        let name = webhook_name(id, entity);
        let exists = match &listed {
            Some(list) => list.iter().any(|w| same_webhook(w, entity, &url, &name)),
            None => rt
                .store
                .remembered_zoho_webhook(id, org, entity, &url_hash)
                .await?
                .is_some(),
        };
        if exists {
            report.existing.push(entity.to_string());
        } else {
            let spec = WebhookSpec {
                entity: entity.to_string(),
                name: name.clone(),
                url: url.clone(),
                secret: secret.clone(),
            };
            let spec = &spec;
            let created = conn
                .zoho
                .call(Op::SETTINGS, Priority::Realtime, |token| async move {
                    books.create_webhook(&token, spec).await
                })
                .await;
            match created {
                Ok(webhook_id) => {
                    rt.store.remember_zoho_webhook(id, org, entity, &url_hash, &webhook_id, rt.clock.now_ms()).await?;
                    report.created.push((entity.to_string(), webhook_id));
                }
                Err(CallError::Api { code: 107051, .. }) => report.warnings.push(format!(
                    "a webhook named \"{name}\" already exists in Zoho with another address: delete it under Settings → Automation → \
                     Workflow Actions → Webhooks, then run setup again"
                )),
                Err(e) => {
                    return Err(anyhow::anyhow!("{}", JobError::from(e)))
                        .with_context(|| format!("could not create the {entity} webhook in organization {org}"))
                }
            }
        }
        report.manual_steps.push(format!(
            "Settings → Automation → Workflow Rules → + New Workflow Rule: module {}, \"Created or Edited\", Immediate Actions → Webhook → \"{name}\" → Save.",
            module_label(entity)
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_zohos_limit() {
        let long = "c".repeat(80);
        for entity in WEBHOOK_ENTITIES {
            assert!(webhook_name(&long, entity).chars().count() <= 50);
        }
        assert_eq!(webhook_name("acme", "bill"), "ml-connector acme bill");
    }

    #[test]
    fn recognises_its_own_webhook() {
        let w = |entity: Option<&str>, url: Option<&str>, name: Option<&str>| Webhook {
            webhook_id: "1".into(),
            name: name.map(Into::into),
            url: url.map(Into::into),
            entity: entity.map(Into::into),
        };
        assert!(same_webhook(
            &w(Some("invoice"), Some("u"), None),
            "invoice",
            "u",
            "n"
        ));
        assert!(!same_webhook(
            &w(Some("bill"), Some("u"), None),
            "invoice",
            "u",
            "n"
        ));
        assert!(!same_webhook(
            &w(Some("invoice"), Some("other"), Some("n")),
            "invoice",
            "u",
            "n"
        ));
        assert!(same_webhook(&w(None, None, Some("n")), "invoice", "u", "n"));
    }
}
