//! `ml-connector connect`: the Zoho OAuth flow from a terminal.
//!
//! Either the user opens the printed consent URL, approves, and pastes the address Zoho sent
//! the browser to (it may show an error page if the connector's HTTP server is not reachable;
//! the address is what counts), or they pass a Self Client grant code with its data centre.
//! Input and output are injected so the flow is testable end to end.

use super::connect::{self, ConnectError};
use super::secrets;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::crypto::Keyring;
use crate::store::Store;
use anyhow::Context;
use std::io::{BufRead, Write};
use std::time::Duration;
use zoho_books::{DataCentre, Organization};

/// What the user asked for on the command line. `Debug` hides the grant code.
#[derive(Clone, Default)]
pub struct ConnectOptions {
    /// The connection to (re)connect; need not be in the configuration yet.
    pub connection: String,
    /// A Self Client grant code, exchanged directly (no browser).
    pub grant_code: Option<String>,
    /// Where the consent starts, or where a Self Client's account lives.
    pub data_centre: Option<DataCentre>,
    /// The organization to use, skipping the prompt.
    pub organization: Option<String>,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("connection", &self.connection)
            .field(
                "grant_code",
                &self.grant_code.as_ref().map(|_| "[REDACTED]"),
            )
            .field("data_centre", &self.data_centre)
            .field("organization", &self.organization)
            .finish()
    }
}

/// Runs the whole flow; returns the organization id that was stored.
pub async fn run(
    config: &Config,
    clock: &SharedClock,
    opts: &ConnectOptions,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> anyhow::Result<String> {
    let id = opts.connection.trim();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        anyhow::bail!("--connection `{id}`: use letters, digits, '-' or '_' only (the id used in the configuration)");
    }
    // Fail before the consent: the code lives two minutes, too short to go and fix the key.
    let keyring = Keyring::from_config(&config.secrets)?;
    keyring.require_current()?;
    let store = Store::open(&config.database).await?;
    let http = crate::outbound::http_client(Duration::from_secs(30))?;
    let configured_dc = config.connection(id).map(|c| c.data_centre());
    let redirect_uri = connect::redirect_uri(config);

    let (dc, code) = match &opts.grant_code {
        Some(code) => {
            let dc = opts.data_centre.or(configured_dc).context(
                "--grant-code needs --data-centre: the data centre of the Zoho account that created the Self Client (us, eu, in, au, jp, ca, cn, sa)",
            )?;
            (dc, code.trim().to_string())
        }
        None => {
            let start = opts.data_centre.or(configured_dc).unwrap_or(DataCentre::Us);
            let state = connect::random_token();
            let url = connect::consent_url(config, &http, start, &state)?;
            writeln!(out, "1. Open this address in a browser signed in to Zoho, and approve access:\n\n   {url}\n")?;
            writeln!(
                out,
                "2. Zoho then sends the browser to {redirect_uri}?code=..."
            )?;
            writeln!(out, "   Paste that whole address here (the page itself may fail to load; that is fine):")?;
            out.flush()?;
            let pasted = read_line(input)?
                .context("no address was pasted; run `ml-connector connect` again")?;
            let redirect = connect::Redirect::from_pasted(&pasted);
            let code = redirect.code_for(&state)?.to_string();
            // Checked against the allow-list before the client secret goes anywhere.
            let dc = redirect.data_centre(config, start)?;
            (dc, code)
        }
    };

    let grant = connect::exchange(config, &http, dc, &code, &redirect_uri).await?;
    let org = pick_organization(
        &grant.organizations,
        opts.organization.as_deref(),
        input,
        out,
    )?;
    let woken = secrets::save_grant(
        &store,
        &keyring,
        clock,
        id,
        &org.organization_id,
        grant.dc,
        &grant.api_domain,
        &grant.refresh_token,
    )
    .await?;
    writeln!(
        out,
        "\nConnected {id} to \"{}\" (organization {}) in data centre {}. The refresh token is stored encrypted (key version {}); any earlier one is replaced.",
        org.name,
        org.organization_id,
        grant.dc,
        keyring.current_version().unwrap_or_default(),
    )?;
    if woken > 0 {
        writeln!(
            out,
            "{woken} job(s) that waited for this reconnect will run again."
        )?;
    }
    if let Some(hint) = connect::config_hint(config, id, grant.dc, &org.organization_id) {
        writeln!(out, "\n{hint}")?;
    }
    Ok(org.organization_id.clone())
}

/// The named organization, the only one, or the user's pick from a numbered list.
fn pick_organization<'a>(
    orgs: &'a [Organization],
    wanted: Option<&str>,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> anyhow::Result<&'a Organization> {
    if let Some(org) = connect::choose(orgs, wanted)? {
        if wanted.is_none() {
            writeln!(
                out,
                "This Zoho account has one organization: \"{}\" ({}); using it.",
                org.name, org.organization_id
            )?;
        }
        return Ok(org);
    }
    writeln!(out, "\nThis Zoho account has {} organizations:", orgs.len())?;
    for (n, o) in orgs.iter().enumerate() {
        let default = if o.is_default_org {
            "  [Zoho's default]"
        } else {
            ""
        };
        writeln!(
            out,
            "  {}. \"{}\" ({}){default}",
            n + 1,
            o.name,
            o.organization_id
        )?;
    }
    for _ in 0..3 {
        write!(
            out,
            "Which one should this connection sync? Enter 1-{}: ",
            orgs.len()
        )?;
        out.flush()?;
        let Some(line) = read_line(input)? else { break };
        match line.trim().parse::<usize>() {
            Ok(n) if (1..=orgs.len()).contains(&n) => return Ok(&orgs[n - 1]),
            _ => writeln!(
                out,
                "`{}` is not a number between 1 and {}.",
                line.trim(),
                orgs.len()
            )?,
        }
    }
    Err(ConnectError::UnknownOrganization {
        wanted: "(none chosen)".into(),
        available: connect::describe(orgs),
    })
    .context("no organization was chosen; run again with --organization ID")
}

fn read_line(input: &mut impl BufRead) -> anyhow::Result<Option<String>> {
    let mut line = String::new();
    let n = input
        .read_line(&mut line)
        .context("could not read from the terminal")?;
    Ok((n > 0).then_some(line))
}

/// `ml-connector rotate-key`: re-encrypts every stored refresh token with `secrets.current_key`.
pub async fn rotate_key(
    config: &Config,
    clock: &SharedClock,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let keyring = Keyring::from_config(&config.secrets)?;
    let store = Store::open(&config.database).await?;
    let report = secrets::rotate(&store, &keyring, clock).await?;
    let v = keyring.require_current()?;
    writeln!(
        out,
        "re-encrypted {} stored refresh token(s) with key version {v}; {} already used it",
        report.resealed, report.current
    )?;
    if report.raced > 0 {
        writeln!(out, "{} token(s) were replaced by a concurrent connect meanwhile (already under the current key)", report.raced)?;
    }
    writeln!(out, "every stored token now uses key version {v}: other versions can be removed from secrets.keys")?;
    Ok(())
}
