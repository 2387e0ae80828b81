//! `backfill --dry-run`: lists what a backfill would touch and compares it with the document
//! map, without enqueueing anything or writing to monday. Costs list calls only (one per 200
//! documents), paced by the same quota.

use super::{pages, Target};
use crate::runtime::Runtime;
use zoho_books::DocumentKind;

/// What a backfill would do with one document type.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Forecast {
    /// Not on the board yet.
    pub create: u64,
    /// On the board, but Zoho has a newer version.
    pub update: u64,
    /// On the board at the version Zoho lists (a real run still fetches it, finds the content
    /// unchanged and writes nothing).
    pub unchanged: u64,
}

/// The forecast for one connection and document type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forecasted {
    pub connection_id: String,
    pub kind: DocumentKind,
    pub forecast: Forecast,
}

impl Forecast {
    pub fn total(&self) -> u64 {
        self.create + self.update + self.unchanged
    }
}

pub async fn forecast(
    rt: &Runtime,
    targets: &[Target],
    since_ms: i64,
) -> anyhow::Result<Vec<Forecasted>> {
    let mut out = Vec::new();
    for target in targets {
        let conn = rt
            .connection(&target.connection_id)
            .ok_or_else(|| anyhow::anyhow!("connection {} disappeared", target.connection_id))?;
        for &kind in &target.kinds {
            let mut f = Forecast::default();
            let mut page = 1;
            loop {
                let (rows, last) = pages::fetch(rt, conn, kind, page, since_ms, None).await?;
                for (id, lmt) in rows {
                    let row = rt
                        .store
                        .document(&target.connection_id, kind.as_str(), &id)
                        .await?;
                    match row.filter(|r| r.item_id.is_some() && r.deleted == 0) {
                        None => f.create += 1,
                        Some(r) => match (r.last_modified_ms, lmt) {
                            (Some(seen), Some(listed)) if listed <= seen => f.unchanged += 1,
                            _ => f.update += 1,
                        },
                    }
                }
                if last {
                    break;
                }
                page += 1;
            }
            out.push(Forecasted {
                connection_id: target.connection_id.clone(),
                kind,
                forecast: f,
            });
        }
    }
    Ok(out)
}

/// The report printed by `backfill --dry-run`.
pub fn render(forecasts: &[Forecasted], calls_per_second: f64) -> String {
    let mut out =
        String::from("dry run: nothing was enqueued and nothing was written to monday.\n");
    let mut detail_gets = 0;
    for Forecasted {
        connection_id: cid,
        kind,
        forecast: f,
    } in forecasts
    {
        out.push_str(&format!(
            "  {cid:<12} {:<15} {:>7} documents: {} to create, {} to update, {} unchanged\n",
            kind.as_str(),
            f.total(),
            f.create,
            f.update,
            f.unchanged
        ));
        detail_gets += f.total();
    }
    let minutes = detail_gets as f64 / calls_per_second.max(0.001) / 60.0;
    out.push_str(&format!(
        "a real run would make about {detail_gets} Zoho detail calls (one per document), about {minutes:.1} minutes within the quota\n"
    ));
    out
}
