//! Appending path segments to a base URL without losing the base's own path.
//!
//! `Url::join` treats a base without a trailing slash as a file and drops its last segment, which
//! would silently break overridden endpoints such as `http://127.0.0.1:8080/zoho/eu`. This helper
//! always appends.

use url::Url;

/// `base` with `suffix` appended to its path (exactly one `/` between them); query and fragment
/// of `base` are dropped because every caller builds its own query.
pub(crate) fn append_path(base: &Url, suffix: &str) -> Url {
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        suffix.trim_start_matches('/')
    );
    url.set_path(&joined);
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// Parses a URL compiled into this crate. They are constants, so failure is a bug here.
pub(crate) fn static_url(s: &'static str) -> Url {
    Url::parse(s).unwrap_or_else(|e| panic!("built-in URL {s:?} is invalid: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_to_root_and_to_prefixed_bases() {
        let root = Url::parse("https://www.zohoapis.eu").unwrap();
        assert_eq!(
            append_path(&root, "books/v3").as_str(),
            "https://www.zohoapis.eu/books/v3"
        );
        let prefixed = Url::parse("http://127.0.0.1:9000/zoho/eu/").unwrap();
        assert_eq!(
            append_path(&prefixed, "/oauth/v2/token").as_str(),
            "http://127.0.0.1:9000/zoho/eu/oauth/v2/token"
        );
        let no_slash = Url::parse("http://127.0.0.1:9000/zoho/eu?x=1").unwrap();
        assert_eq!(
            append_path(&no_slash, "invoices").as_str(),
            "http://127.0.0.1:9000/zoho/eu/invoices"
        );
    }
}
