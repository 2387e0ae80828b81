//! Where each data centre's accounts server and API host really are.
//!
//! Defaults are Zoho's real hosts. Overrides (tests, the sandbox, an egress proxy) redirect a
//! data centre's *traffic*; the same table doubles as the allow-list that decides whether an
//! `accounts-server` from a redirect or an `api_domain` from a token response may receive a
//! secret. For an overridden data centre both the override and Zoho's real host are accepted
//! (a real token response behind a proxy still names the real host), and traffic always goes
//! to the override. Anything else is refused.

use std::collections::HashMap;

use url::Url;

use crate::datacentre::DataCentre;
use crate::url_path::{append_path, static_url};

/// The accounts server and API domain of every data centre, with optional overrides.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// Where (accounts server, API domain) traffic of a data centre goes instead of Zoho's host.
    /// Zoho's real host stays acceptable in answers for that data centre.
    overrides: HashMap<DataCentre, (Url, Url)>,
}

impl Endpoints {
    /// Zoho's real hosts for every data centre.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends `dc`'s OAuth and API traffic to these URLs instead of Zoho's. Paths are kept, so a
    /// single fake server can host several data centres under different prefixes.
    pub fn with_override(mut self, dc: DataCentre, accounts_url: Url, api_domain: Url) -> Self {
        self.overrides.insert(dc, (accounts_url, api_domain));
        self
    }

    /// The accounts (OAuth) server for `dc`.
    pub fn accounts_url(&self, dc: DataCentre) -> Url {
        match self.overrides.get(&dc) {
            Some((accounts, _)) => accounts.clone(),
            None => static_url(dc.accounts_url()),
        }
    }

    /// The API domain for `dc` (Books is under `/books/v3` on it).
    pub fn api_domain(&self, dc: DataCentre) -> Url {
        match self.overrides.get(&dc) {
            Some((_, api)) => api.clone(),
            None => static_url(dc.api_domain()),
        }
    }

    /// `{api_domain}/books/v3`, the base every Books call is made against.
    pub fn books_base(&self, dc: DataCentre) -> Url {
        append_path(&self.api_domain(dc), "books/v3")
    }

    /// Every accounts server accepted for `dc` in a redirect's `accounts-server`: the override
    /// (if any) and Zoho's real one.
    pub fn accepted_accounts_servers(&self, dc: DataCentre) -> Vec<Url> {
        self.accepted(dc, |e, dc| e.accounts_url(dc), |dc| dc.accounts_url())
    }

    /// Every API domain accepted for `dc` in a token response's `api_domain`: the override (if
    /// any) and Zoho's real one. Calls still go to [`Self::api_domain`].
    pub fn accepted_api_domains(&self, dc: DataCentre) -> Vec<Url> {
        self.accepted(dc, |e, dc| e.api_domain(dc), |dc| dc.api_domain())
    }

    /// A short list of every accepted API domain, for error messages.
    pub fn describe_accepted_api_domains(&self) -> String {
        describe(DataCentre::ALL.map(|dc| self.accepted_api_domains(dc)))
    }

    /// A short list of every accepted accounts server, for error messages.
    pub fn describe_accepted_accounts_servers(&self) -> String {
        describe(DataCentre::ALL.map(|dc| self.accepted_accounts_servers(dc)))
    }

    fn accepted(
        &self,
        dc: DataCentre,
        effective: impl Fn(&Self, DataCentre) -> Url,
        real: impl Fn(DataCentre) -> &'static str,
    ) -> Vec<Url> {
        let effective = effective(self, dc);
        let real = static_url(real(dc));
        if effective == real {
            vec![real]
        } else {
            vec![effective, real]
        }
    }

    /// The data centre whose accounts server (its override or Zoho's real one) is
    /// `accounts_server`, as the OAuth redirect's `accounts-server` parameter gives it; `None`
    /// when it is not in the table.
    ///
    /// Scheme, host and port are compared. When several data centres share an origin (a fake
    /// server hosting all of them), the path decides too. A value that is still
    /// percent-encoded (`https%3A%2F%2Faccounts.zoho.eu`) is decoded first, since Zoho's
    /// redirect has been seen both ways.
    pub fn dc_for_accounts_server(&self, accounts_server: &str) -> Option<DataCentre> {
        self.find(accounts_server, |e, dc| e.accepted_accounts_servers(dc))
    }

    /// The data centre whose API domain (its override or Zoho's real one) is `api_domain`, as a
    /// token response gives it. `None` means it is outside the allow-list: callers must then refuse
    /// before sending any token there.
    pub fn dc_for_api_domain(&self, api_domain: &str) -> Option<DataCentre> {
        self.find(api_domain, |e, dc| e.accepted_api_domains(dc))
    }

    fn find(
        &self,
        candidate: &str,
        urls_of: impl Fn(&Self, DataCentre) -> Vec<Url>,
    ) -> Option<DataCentre> {
        let candidate = parse_lenient(candidate)?;
        let same_origin: Vec<(DataCentre, Url)> = DataCentre::ALL
            .into_iter()
            .flat_map(|dc| urls_of(self, dc).into_iter().map(move |u| (dc, u)))
            .filter(|(_, known)| same_origin(known, &candidate))
            .collect();
        if let Some((dc, _)) = same_origin
            .iter()
            .find(|(_, known)| trimmed_path(known) == trimmed_path(&candidate))
        {
            return Some(*dc);
        }
        match same_origin.as_slice() {
            [(dc, _), rest @ ..] if rest.iter().all(|(other, _)| other == dc) => Some(*dc),
            _ => None,
        }
    }
}

fn describe(lists: [Vec<Url>; 8]) -> String {
    lists
        .iter()
        .flatten()
        .map(|u| u.as_str().trim_end_matches('/').to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses an http(s) URL, decoding it first when it is still percent-encoded once.
fn parse_lenient(s: &str) -> Option<Url> {
    let s = s.trim();
    let decoded;
    let s = if s.to_ascii_lowercase().contains("%3a") || s.to_ascii_lowercase().contains("%2f") {
        decoded = url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())?;
        decoded.as_str()
    } else {
        s
    };
    let url = Url::parse(s).ok()?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Some(url),
        _ => None,
    }
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

fn trimmed_path(u: &Url) -> &str {
    u.path().trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn defaults_are_zohos_hosts() {
        let e = Endpoints::default();
        for dc in DataCentre::ALL {
            assert_eq!(e.dc_for_accounts_server(dc.accounts_url()), Some(dc));
            assert_eq!(e.dc_for_api_domain(dc.api_domain()), Some(dc));
            assert_eq!(
                e.books_base(dc).as_str(),
                format!("{}/books/v3", dc.api_domain())
            );
        }
        assert_eq!(
            e.books_base(DataCentre::Ca).as_str(),
            "https://www.zohoapis.ca/books/v3"
        );
        assert_eq!(
            e.accounts_url(DataCentre::Ca).as_str(),
            "https://accounts.zohocloud.ca/"
        );
    }

    #[test]
    fn allow_list_rejects_unknown_and_lookalike_hosts() {
        let e = Endpoints::default();
        for bad in [
            "https://www.zohoapis.uk",
            "https://www.zohoapis.zohocloud.ca",
            "http://www.zohoapis.eu",
            "https://www.zohoapis.eu.evil.example",
            "https://www.zohoapis.eu:8443",
            "www.zohoapis.eu",
            "",
            "javascript:alert(1)",
        ] {
            assert_eq!(e.dc_for_api_domain(bad), None, "{bad}");
        }
        assert_eq!(e.dc_for_accounts_server("https://accounts.zoho.uk"), None);
    }

    #[test]
    fn accepts_trailing_slash_case_and_percent_encoding() {
        let e = Endpoints::default();
        assert_eq!(
            e.dc_for_api_domain("https://WWW.ZohoApis.EU/"),
            Some(DataCentre::Eu)
        );
        assert_eq!(
            e.dc_for_accounts_server("https%3A%2F%2Faccounts.zoho.eu"),
            Some(DataCentre::Eu)
        );
        assert_eq!(
            e.dc_for_accounts_server(" https://accounts.zohocloud.ca "),
            Some(DataCentre::Ca)
        );
    }

    #[test]
    fn overrides_redirect_traffic_but_keep_the_real_host_acceptable() {
        let e = Endpoints::default().with_override(
            DataCentre::Eu,
            url("http://127.0.0.1:4000/eu/accounts"),
            url("http://127.0.0.1:4000/eu/api"),
        );
        assert_eq!(
            e.books_base(DataCentre::Eu).as_str(),
            "http://127.0.0.1:4000/eu/api/books/v3"
        );
        assert_eq!(
            e.dc_for_api_domain("http://127.0.0.1:4000/eu/api"),
            Some(DataCentre::Eu)
        );
        // A real token response names Zoho's real host: accepted, traffic stays on the override.
        assert_eq!(
            e.dc_for_api_domain("https://www.zohoapis.eu"),
            Some(DataCentre::Eu)
        );
        assert_eq!(
            e.dc_for_accounts_server("https://accounts.zoho.eu"),
            Some(DataCentre::Eu)
        );
        assert_eq!(
            e.accepted_api_domains(DataCentre::Eu),
            vec![
                url("http://127.0.0.1:4000/eu/api"),
                url("https://www.zohoapis.eu")
            ]
        );
        assert_eq!(
            e.accepted_api_domains(DataCentre::Us),
            vec![url("https://www.zohoapis.com")]
        );
        let listed = e.describe_accepted_api_domains();
        assert!(
            listed.contains("http://127.0.0.1:4000/eu/api, https://www.zohoapis.eu"),
            "{listed}"
        );
        // Another data centre's real host is still that data centre, not the override's.
        assert_eq!(
            e.dc_for_api_domain("https://www.zohoapis.in"),
            Some(DataCentre::In)
        );
        assert_eq!(e.dc_for_api_domain("https://www.zohoapis.uk"), None);
        assert_eq!(
            e.dc_for_accounts_server("http://127.0.0.1:4000/eu/accounts/"),
            Some(DataCentre::Eu)
        );
        // A single overridden origin matches by origin alone.
        assert_eq!(
            e.dc_for_api_domain("http://127.0.0.1:4000"),
            Some(DataCentre::Eu)
        );
        assert_eq!(e.dc_for_api_domain("http://127.0.0.1:4001"), None);
        // Others keep Zoho's hosts.
        assert_eq!(
            e.dc_for_api_domain("https://www.zohoapis.com"),
            Some(DataCentre::Us)
        );
    }

    #[test]
    fn shared_origin_is_disambiguated_by_path() {
        let e = Endpoints::default()
            .with_override(
                DataCentre::Eu,
                url("http://127.0.0.1:4000/eu"),
                url("http://127.0.0.1:4000/eu"),
            )
            .with_override(
                DataCentre::Ca,
                url("http://127.0.0.1:4000/ca"),
                url("http://127.0.0.1:4000/ca"),
            );
        assert_eq!(
            e.dc_for_api_domain("http://127.0.0.1:4000/ca"),
            Some(DataCentre::Ca)
        );
        assert_eq!(
            e.dc_for_accounts_server("http://127.0.0.1:4000/eu"),
            Some(DataCentre::Eu)
        );
        assert_eq!(e.dc_for_api_domain("http://127.0.0.1:4000/"), None);
    }
}
