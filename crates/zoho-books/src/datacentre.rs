//! Zoho's data centres.
//!
//! A Zoho account lives in exactly one data centre, and its OAuth server, API host and even its
//! client secret belong to that data centre. Sending a token request to the wrong one fails with
//! `invalid_client`, so every call in this crate is addressed to an explicit [`DataCentre`].

use std::fmt;
use std::str::FromStr;

/// One of the eight data centres that Zoho documents for Books.
///
/// UK is deliberately absent: Zoho's Books documentation lists no Books API host for it, and an
/// allow-list that guesses would let a token response route secrets to an unverified host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataCentre {
    /// United States (`zoho.com`), also where the multi-DC consent flow starts.
    Us,
    /// Europe (`zoho.eu`).
    Eu,
    /// India (`zoho.in`).
    In,
    /// Australia (`zoho.com.au`).
    Au,
    /// Japan (`zoho.jp`).
    Jp,
    /// Canada: accounts at `zohocloud.ca`, but the API at `zohoapis.ca`.
    Ca,
    /// China (`zoho.com.cn`).
    Cn,
    /// Saudi Arabia (`zoho.sa`).
    Sa,
}

impl DataCentre {
    /// Every data centre, in a stable order (useful for building allow-lists and settings pages).
    pub const ALL: [DataCentre; 8] = [
        DataCentre::Us,
        DataCentre::Eu,
        DataCentre::In,
        DataCentre::Au,
        DataCentre::Jp,
        DataCentre::Ca,
        DataCentre::Cn,
        DataCentre::Sa,
    ];

    /// Lower-case code, the same as the `location` parameter of Zoho's OAuth redirect.
    pub fn code(self) -> &'static str {
        match self {
            DataCentre::Us => "us",
            DataCentre::Eu => "eu",
            DataCentre::In => "in",
            DataCentre::Au => "au",
            DataCentre::Jp => "jp",
            DataCentre::Ca => "ca",
            DataCentre::Cn => "cn",
            DataCentre::Sa => "sa",
        }
    }

    /// Zoho's real accounts (OAuth) server for this data centre, without a trailing slash.
    pub fn accounts_url(self) -> &'static str {
        match self {
            DataCentre::Us => "https://accounts.zoho.com",
            DataCentre::Eu => "https://accounts.zoho.eu",
            DataCentre::In => "https://accounts.zoho.in",
            DataCentre::Au => "https://accounts.zoho.com.au",
            DataCentre::Jp => "https://accounts.zoho.jp",
            DataCentre::Ca => "https://accounts.zohocloud.ca",
            DataCentre::Cn => "https://accounts.zoho.com.cn",
            DataCentre::Sa => "https://accounts.zoho.sa",
        }
    }

    /// Zoho's real API domain for this data centre (what a token response calls `api_domain`),
    /// without a trailing slash. Books lives under `/books/v3` on it.
    pub fn api_domain(self) -> &'static str {
        match self {
            DataCentre::Us => "https://www.zohoapis.com",
            DataCentre::Eu => "https://www.zohoapis.eu",
            DataCentre::In => "https://www.zohoapis.in",
            DataCentre::Au => "https://www.zohoapis.com.au",
            DataCentre::Jp => "https://www.zohoapis.jp",
            DataCentre::Ca => "https://www.zohoapis.ca",
            DataCentre::Cn => "https://www.zohoapis.com.cn",
            DataCentre::Sa => "https://www.zohoapis.sa",
        }
    }

    /// Reads the `location` parameter of Zoho's OAuth redirect.
    ///
    /// Besides the codes, the domain suffixes Zoho has used for it are accepted (`com` for the
    /// US, `com.au`, `com.cn`), because the parameter is loosely specified.
    pub fn from_location(s: &str) -> Option<Self> {
        let s = s.trim().trim_start_matches('.').to_ascii_lowercase();
        match s.as_str() {
            "com" => Some(DataCentre::Us),
            "com.au" => Some(DataCentre::Au),
            "com.cn" => Some(DataCentre::Cn),
            other => DataCentre::ALL.into_iter().find(|dc| dc.code() == other),
        }
    }
}

impl FromStr for DataCentre {
    type Err = String;

    /// Accepts the codes in any case (`eu`, `EU`), as config files and CLI flags write them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        DataCentre::ALL
            .into_iter()
            .find(|dc| dc.code() == wanted)
            .ok_or_else(|| {
                let valid: Vec<&str> = DataCentre::ALL.iter().map(|dc| dc.code()).collect();
                format!(
                    "unknown Zoho data centre {s:?}; expected one of: {}",
                    valid.join(", ")
                )
            })
    }
}

impl fmt::Display for DataCentre {
    /// Upper-case code ("EU"), the way Zoho's documentation and users name data centres.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code().to_ascii_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_table_for_all_eight_data_centres() {
        let expected = [
            (
                DataCentre::Us,
                "us",
                "https://accounts.zoho.com",
                "https://www.zohoapis.com",
            ),
            (
                DataCentre::Eu,
                "eu",
                "https://accounts.zoho.eu",
                "https://www.zohoapis.eu",
            ),
            (
                DataCentre::In,
                "in",
                "https://accounts.zoho.in",
                "https://www.zohoapis.in",
            ),
            (
                DataCentre::Au,
                "au",
                "https://accounts.zoho.com.au",
                "https://www.zohoapis.com.au",
            ),
            (
                DataCentre::Jp,
                "jp",
                "https://accounts.zoho.jp",
                "https://www.zohoapis.jp",
            ),
            (
                DataCentre::Ca,
                "ca",
                "https://accounts.zohocloud.ca",
                "https://www.zohoapis.ca",
            ),
            (
                DataCentre::Cn,
                "cn",
                "https://accounts.zoho.com.cn",
                "https://www.zohoapis.com.cn",
            ),
            (
                DataCentre::Sa,
                "sa",
                "https://accounts.zoho.sa",
                "https://www.zohoapis.sa",
            ),
        ];
        assert_eq!(expected.len(), DataCentre::ALL.len());
        for (dc, code, accounts, api) in expected {
            assert_eq!(dc.code(), code);
            assert_eq!(dc.accounts_url(), accounts);
            assert_eq!(dc.api_domain(), api);
            assert_eq!(code.parse::<DataCentre>(), Ok(dc));
            assert_eq!(code.to_uppercase().parse::<DataCentre>(), Ok(dc));
            assert_eq!(DataCentre::from_location(code), Some(dc));
            assert_eq!(dc.to_string(), code.to_uppercase());
        }
    }

    #[test]
    fn location_accepts_domain_suffixes_and_any_case() {
        assert_eq!(DataCentre::from_location("com"), Some(DataCentre::Us));
        assert_eq!(DataCentre::from_location("EU"), Some(DataCentre::Eu));
        assert_eq!(DataCentre::from_location(" com.au "), Some(DataCentre::Au));
        assert_eq!(DataCentre::from_location("com.cn"), Some(DataCentre::Cn));
        assert_eq!(DataCentre::from_location("uk"), None);
        assert_eq!(DataCentre::from_location(""), None);
    }

    #[test]
    fn parse_error_lists_valid_values() {
        let err = "uk".parse::<DataCentre>().unwrap_err();
        assert!(err.contains("\"uk\""), "{err}");
        assert!(err.contains("us, eu, in, au, jp, ca, cn, sa"), "{err}");
    }

    #[test]
    fn serde_uses_lowercase_codes() {
        let json = serde_json::to_string(&DataCentre::Ca).unwrap();
        assert_eq!(json, "\"ca\"");
        let back: DataCentre = serde_json::from_str("\"sa\"").unwrap();
        assert_eq!(back, DataCentre::Sa);
    }
}
