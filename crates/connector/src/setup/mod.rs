//! `ml-connector setup`: create or complete what the configuration needs outside the connector:
//! monday boards, columns, labels, subitems and the status webhook (`monday`); the Zoho
//! webhooks and the workflow rules left to do by hand (`zoho`). Every step looks
//! before it creates, so setup can be run again at any time and then changes nothing.

pub mod monday;
pub mod zoho;

use crate::config::BoardMapping;
use crate::runtime::Runtime;
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the operator asked `setup` to do.
#[derive(Debug, Clone)]
pub struct SetupOptions {
    /// Only this connection; every configured connection when `None`.
    pub connection: Option<String>,
    /// Save the resulting board mappings here: an existing configuration file is updated in
    /// place (only the connection's `boards` change; comments are kept), a new path receives
    /// the mapping TOML. Without it the mapping is printed.
    pub write_config: Option<PathBuf>,
    /// The URL monday (and Zoho) reach this server at; `server.public_url` unless overridden.
    pub public_url: url::Url,
}

/// Runs setup for the selected connections, printing what was done and what is left to do.
pub async fn run(rt: &Runtime, opts: &SetupOptions) -> anyhow::Result<Vec<monday::MondaySetup>> {
    let mut ids: Vec<&crate::domain::ConnectionId> = rt.connections.keys().collect();
    ids.sort();
    if let Some(only) = &opts.connection {
        if !rt.connections.contains_key(only.as_str()) {
            anyhow::bail!(
                "no connection `{only}` in the configuration (configured: {}); pass one of those to --connection",
                ids.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            );
        }
        ids.retain(|id| id.as_str() == only);
    }
    let mut results = Vec::new();
    for id in ids {
        let conn = &rt.connections[id];
        let done = monday::setup_connection(rt, conn, &opts.public_url)
            .await
            .with_context(|| format!("setting up monday for connection {id}"))?;
        println!("connection {id}:");
        if done.created.is_empty() {
            println!("  monday: nothing to create, everything is in place");
        }
        for line in &done.created {
            println!("  monday: {line}");
        }
        for line in &done.warnings {
            println!("  to do: {line}");
        }
        // A Zoho failure must not hide the monday mapping printed below.
        match zoho::setup_connection(rt, conn, &opts.public_url).await {
            Ok(zoho) => print!("{zoho}"),
            Err(e) => println!("  to do: Zoho webhooks were not registered: {e:#}"),
        }
        results.push(done);
    }
    for done in &results {
        let toml = mapping_toml(&done.boards)?;
        match &opts.write_config {
            Some(path) => {
                write_config(path, &done.connection, &done.boards, &toml)?;
                println!(
                    "wrote the board mapping of connection {} to {}",
                    done.connection,
                    path.display()
                );
            }
            None => {
                println!("\n# Board mapping of connection {0}: paste under its [[connections]] entry (id = \"{0}\")", done.connection);
                println!("{toml}");
            }
        }
    }
    Ok(results)
}

/// The `[connections.boards.KIND]` tables for a connection.
pub fn mapping_toml(boards: &BTreeMap<String, BoardMapping>) -> anyhow::Result<String> {
    #[derive(serde::Serialize)]
    struct Fragment<'a> {
        connections: Boards<'a>,
    }
    #[derive(serde::Serialize)]
    struct Boards<'a> {
        boards: &'a BTreeMap<String, BoardMapping>,
    }
    let text = toml::to_string(&Fragment {
        connections: Boards { boards },
    })
    .context("could not render the mapping as TOML")?;
    // Empty tables (no custom fields, no status overrides) only add noise.
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .context("could not re-read the rendered mapping")?;
    prune_empty_tables(doc.as_table_mut());
    Ok(doc.to_string())
}

fn prune_empty_tables(table: &mut toml_edit::Table) {
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
    for key in keys {
        if let Some(toml_edit::Item::Table(t)) = table.get_mut(&key) {
            prune_empty_tables(t);
            if t.is_empty() {
                table.remove(&key);
            }
        }
    }
}

/// Updates the connection's `boards` in an existing configuration file, or writes the fragment
/// to a new file.
fn write_config(
    path: &Path,
    connection: &str,
    boards: &BTreeMap<String, BoardMapping>,
    fragment: &str,
) -> anyhow::Result<()> {
    if !path.exists() {
        return std::fs::write(path, fragment)
            .with_context(|| format!("could not write {}", path.display()));
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    let entries = doc
        .get_mut("connections")
        .and_then(toml_edit::Item::as_array_of_tables_mut)
        .with_context(|| format!("{} has no [[connections]] entries; pass a new file to --write-config to get the mapping alone", path.display()))?;
    let entry = entries
        .iter_mut()
        .find(|t| t.get("id").and_then(|v| v.as_str()) == Some(connection))
        .with_context(|| {
            format!(
                "{} has no [[connections]] entry with id = \"{connection}\"",
                path.display()
            )
        })?;
    let rendered: toml_edit::DocumentMut = mapping_toml(boards)?
        .parse()
        .context("could not re-read the rendered mapping")?;
    let new_boards = rendered
        .get("connections")
        .and_then(|c| c.get("boards"))
        .cloned()
        .context("rendered mapping has no boards")?;
    // Tables copied from another document keep that document's positions and would be printed
    // under the wrong [[connections]] entry; fresh tables are printed right after their parent.
    let new_boards = match new_boards {
        toml_edit::Item::Table(t) => toml_edit::Item::Table(unpositioned(&t)),
        other => other,
    };
    entry.insert("boards", new_boards);
    std::fs::write(path, doc.to_string())
        .with_context(|| format!("could not write {}", path.display()))
}

fn unpositioned(table: &toml_edit::Table) -> toml_edit::Table {
    let mut out = toml_edit::Table::new();
    out.set_implicit(table.is_implicit());
    for (key, item) in table.iter() {
        let item = match item {
            toml_edit::Item::Table(t) => toml_edit::Item::Table(unpositioned(t)),
            other => other.clone(),
        };
        out.insert(key, item);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const CONFIG: &str = r#"
# operator's comment, kept
[[connections]]
id = "a"
webhook_token = "aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
[connections.zoho]
organization_id = "1"
data_centre = "eu"
[connections.monday]
token = "t"

[[connections]]
id = "b"
webhook_token = "bbbbbbbbbbbbbbbbbbbbbbbbbbbb"
[connections.zoho]
organization_id = "2"
data_centre = "us"
[connections.monday]
token = "t"
[connections.boards.invoice]
board_id = "1"
[connections.boards.invoice.columns]
zoho_id = "old"
"#;

    #[test]
    fn writing_the_mapping_replaces_one_connections_boards_and_keeps_the_rest() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ml-connector.toml");
        std::fs::write(&path, CONFIG).expect("write");
        let mapping: BoardMapping = toml::from_str("board_id = \"42\"\nline_items = \"subitems\"\n[columns]\nzoho_id = \"zoho_id\"\nstatus = \"status\"\n[subitem_columns]\nquantity = \"quantity\"\n").expect("mapping");
        let boards = BTreeMap::from([("bill".to_string(), mapping)]);
        let fragment = mapping_toml(&boards).expect("toml");
        assert!(!fragment.contains("custom_fields"), "{fragment}");
        write_config(&path, "b", &boards, &fragment).expect("write config");

        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("# operator's comment, kept"));
        let config = Config::from_toml_str(&text).expect("still a valid configuration");
        let b = config.connection("b").expect("b");
        assert_eq!(
            b.boards.keys().collect::<Vec<_>>(),
            vec!["bill"],
            "old boards replaced"
        );
        assert_eq!(b.boards["bill"].board_id, "42");
        assert_eq!(
            b.boards["bill"].subitem_columns.quantity.as_deref(),
            Some("quantity")
        );
        assert!(
            config.connection("a").expect("a").boards.is_empty(),
            "other connection untouched"
        );

        let err = write_config(&path, "zz", &boards, &fragment).expect_err("unknown connection");
        assert!(err.to_string().contains("id = \"zz\""), "{err}");
    }
}
