//! `ml-connector check`: ping the real systems with the configured credentials and say, line by
//! line, what works and what to fix. Changes nothing anywhere.

use crate::queue::JobError;
use crate::runtime::{Connection, Runtime};
use crate::sync::mapping::build_item;
use crate::zoho::quota::Priority;
use crate::zoho::Op;
use zoho_books::{BooksClient, Document, DocumentKind};

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub ok: bool,
    pub subject: String,
    pub detail: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            if self.ok { "ok  " } else { "FAIL" },
            self.subject,
            self.detail
        )
    }
}

fn ok(subject: impl Into<String>, detail: impl Into<String>) -> Finding {
    Finding {
        ok: true,
        subject: subject.into(),
        detail: detail.into(),
    }
}

fn fail(subject: impl Into<String>, detail: impl Into<String>) -> Finding {
    Finding {
        ok: false,
        subject: subject.into(),
        detail: detail.into(),
    }
}

/// Statuses Zoho documents can have, per kind: every one must map to a label the board has.
fn known_statuses(kind: DocumentKind) -> &'static [&'static str] {
    match kind {
        DocumentKind::Invoice => &["draft", "sent", "overdue", "paid", "partially_paid", "void"],
        DocumentKind::Bill => &["draft", "open", "overdue", "paid", "partially_paid", "void"],
        DocumentKind::PurchaseOrder => &["draft", "open", "billed", "cancelled"],
    }
}

/// A document with every mapped field filled in, to test the mapping against the board.
fn sample(kind: DocumentKind, status: &str) -> Document {
    let mut v = serde_json::json!({
        "date": "2026-01-31", "due_date": "2026-02-28", "delivery_date": "2026-02-28",
        "currency_code": "EUR", "total": "1250.50", "balance": "1250.50", "status": status,
        "reference_number": "REF-1", "email": "ap@example.com",
        "customer_name": "Sample customer", "vendor_name": "Sample vendor",
        "invoice_number": "INV-1", "bill_number": "BILL-1", "purchaseorder_number": "PO-1",
        "line_items": [{"line_item_id": "1", "name": "Sample line", "quantity": 1, "rate": "1250.50", "item_total": "1250.50"}]
    });
    v[kind.id_field()] = "1".into();
    Document::from_json(kind, &v).unwrap_or_else(|_| {
        Document::from_json(kind, &serde_json::json!({ kind.id_field(): "1" }))
            .expect("minimal document")
    })
}

pub async fn run(rt: &Runtime) -> Vec<Finding> {
    let mut findings = Vec::new();
    if rt.connections.is_empty() {
        findings.push(fail(
            "configuration",
            "no [[connections]] declared; see config.example.toml",
        ));
    }
    let mut conns: Vec<_> = rt.connections.values().collect();
    conns.sort_by(|a, b| a.config.id.cmp(&b.config.id));
    for conn in conns {
        check_zoho(rt, conn, &mut findings).await;
        check_webhook_rejections(rt, conn, &mut findings).await;
        check_monday(conn, &mut findings).await;
    }
    findings
}

async fn check_zoho(rt: &Runtime, conn: &Connection, out: &mut Vec<Finding>) {
    let id = &conn.config.id;
    let subject = format!("{id}: Zoho ({})", conn.dc);
    match conn.zoho.tokens.access_token().await {
        Ok(_) => {
            out.push(ok(
                &subject,
                "refresh token accepted; access token obtained",
            ));
        }
        Err(e) => {
            out.push(fail(&subject, e.to_string()));
            return;
        }
    };
    let (http, base, books) = (&rt.http, conn.zoho.books.books_base(), &conn.zoho.books);
    let listed = conn
        .zoho
        .call(Op::SETTINGS, Priority::Realtime, |token| async move {
            BooksClient::list_organizations(http, base, &token).await
        })
        .await
        .map_err(JobError::from);
    match listed {
        Ok(orgs) => {
            let want = &conn.config.zoho.organization_id;
            match orgs.iter().find(|o| &o.organization_id == want) {
                Some(o) => out.push(ok(&subject, format!("organization {want} ({}) found, plan {}", o.name, o.plan_name.as_deref().unwrap_or("unknown")))),
                None => out.push(fail(
                    &subject,
                    format!(
                        "organization {want} is not among this user's organizations ({}); set connections.zoho.organization_id to one of them",
                        orgs.iter().map(|o| format!("{} {}", o.organization_id, o.name)).collect::<Vec<_>>().join(", ")
                    ),
                )),
            }
        }
        Err(e) => out.push(fail(&subject, format!("could not list organizations ({e}); the token needs the ZohoBooks.settings.READ scope"))),
    }
    for kind in DocumentKind::ALL {
        if conn.config.board(kind).is_none() {
            continue;
        }
        let listed = conn
            .zoho
            .call(Op::read(kind), Priority::Realtime, |token| async move {
                books.list_documents(&token, kind, 1, 1).await
            })
            .await
            .map_err(JobError::from);
        match listed {
            Ok(_) => out.push(ok(&subject, format!("can read {}s", kind.as_str()))),
            Err(e) => out.push(fail(
                &subject,
                format!(
                    "cannot read {}s ({e}); grant ZohoBooks.{}.READ",
                    kind.as_str(),
                    kind.path()
                ),
            )),
        }
    }
}

/// How far back `check` looks for refused webhook deliveries.
pub const REJECTION_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// Zoho deliveries refused in the last day (bad or missing signature, …), with the fix. A
/// signature scheme that differs from the expected one shows up here within minutes, while
/// reconciliation keeps documents flowing.
async fn check_webhook_rejections(rt: &Runtime, conn: &Connection, out: &mut Vec<Finding>) {
    let id = &conn.config.id;
    let subject = format!("{id}: Zoho webhooks");
    let since = rt.clock.now_ms() - REJECTION_WINDOW_MS;
    match rt.store.webhook_rejections_since(id, since).await {
        Ok(None) => {}
        Ok(Some(summary)) => out.push(fail(&subject, rejection_line(&summary))),
        Err(e) => out.push(fail(
            &subject,
            format!("could not read refused deliveries from the database: {e:#}"),
        )),
    }
}

/// `3 deliveries refused in the last 24 h, last at … UTC (signature_mismatch, header hex, 64
/// chars); fix: …`.
pub fn rejection_line(summary: &crate::store::RejectionSummary) -> String {
    let last = &summary.last;
    format!(
        "{} deliver{} refused in the last 24 h, last at {} UTC ({}, signature header {}); fix: {}",
        summary.count,
        if summary.count == 1 { "y" } else { "ies" },
        format_ms(last.at_ms),
        last.reason,
        last.header_shape,
        crate::zoho::rejections::Rejection::fix(&last.reason, &last.header_shape)
    )
}

fn format_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

async fn check_monday(conn: &Connection, out: &mut Vec<Finding>) {
    let id = &conn.config.id;
    for kind in DocumentKind::ALL {
        let Some(mapping) = conn.config.board(kind) else {
            continue;
        };
        let subject = format!(
            "{id}: monday board {} ({}s)",
            mapping.board_id,
            kind.as_str()
        );
        let board = match conn.monday.board(&mapping.board_id).await {
            Ok(b) => b,
            Err(e) => {
                out.push(fail(&subject, format!("cannot read the board ({e}); check connections.monday.token and the board id")));
                continue;
            }
        };
        if let Some(group) = &mapping.group_id {
            if !board.groups.iter().any(|g| &g.id == group) {
                out.push(fail(
                    &subject,
                    format!(
                        "group `{group}` does not exist; groups are {}",
                        board
                            .groups
                            .iter()
                            .map(|g| g.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        let mut problems = Vec::new();
        for status in known_statuses(kind) {
            let doc = sample(kind, status);
            let content = match build_item(
                mapping,
                &board,
                conn.dc,
                &conn.config.zoho.organization_id,
                &doc,
                false,
            ) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(e.to_string());
                    break;
                }
            };
            if let Err(e) =
                monday::validate(&board, &content.values, mapping.create_labels_if_missing)
            {
                let msg = e.to_string();
                if !problems.contains(&msg) {
                    problems.push(msg);
                }
            }
        }
        if problems.is_empty() {
            out.push(ok(&subject, format!("\"{}\": every mapped column exists with a fitting type and every status has a label", board.name)));
        } else {
            for p in problems {
                out.push(fail(&subject, p));
            }
        }
    }
}
