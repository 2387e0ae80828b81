//! Listing the organizations a token can reach, before any organization is chosen.

use reqwest::Method;
use secrecy::SecretString;
use url::Url;

use super::{execute, BooksClient, BooksError};
use crate::models::{json_type, Organization};
use crate::url_path::append_path;

impl BooksClient {
    /// `GET {books_base}/organizations`, sent *without* `organization_id` as Zoho's own
    /// example does: the point is to learn which ids exist. Let the user choose among them;
    /// `is_default_org` is a hint, not a choice.
    #[tracing::instrument(level = "debug", skip(http, token))]
    pub async fn list_organizations(
        http: &reqwest::Client,
        books_base: &Url,
        token: &SecretString,
    ) -> Result<Vec<Organization>, BooksError> {
        let url = append_path(books_base, "organizations");
        let (result, _advice) = execute(http, Method::GET, url, token, None).await;
        let envelope = result?;
        match envelope.get("organizations") {
            Some(serde_json::Value::Array(rows)) => {
                rows.iter().map(Organization::from_json).collect()
            }
            Some(other) => Err(BooksError::Decode(format!(
                "expected `organizations` to be an array, got {}",
                json_type(other)
            ))),
            None => Err(BooksError::Decode(
                "organizations response has no `organizations` key".to_owned(),
            )),
        }
    }
}
