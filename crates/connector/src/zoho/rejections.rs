//! Why Zoho webhook deliveries are refused, and what an operator does about each reason. The
//! webhook edge records the reason code with the signature header's shape (`store`); `check`
//! and the admin page show it with [`Rejection::fix`].

/// Why a delivery for a known connection was refused; stored with the header's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    SignatureMismatch,
    MissingSignature,
    ContentType,
    Payload,
    Organization,
}

impl Rejection {
    pub fn code(self) -> &'static str {
        match self {
            Rejection::SignatureMismatch => "signature_mismatch",
            Rejection::MissingSignature => "missing_signature",
            Rejection::ContentType => "content_type",
            Rejection::Payload => "payload",
            Rejection::Organization => "organization",
        }
    }

    /// What to do about rejections of this kind, given the stored header shape.
    pub fn fix(code: &str, header_shape: &str) -> String {
        match code {
            "signature_mismatch" if header_shape.starts_with("hex") || header_shape.starts_with("base64") => format!(
                "Zoho signs with another secret or over other bytes than expected (header {header_shape}): make connections.zoho.webhook_secret equal the secret on the Zoho webhook (Settings → Automation → Webhooks), or remove webhook_secret to rely on the URL token; reconciliation keeps documents flowing meanwhile"
            ),
            "signature_mismatch" => format!(
                "Zoho signs differently than expected (header {header_shape}, not an HMAC-SHA256 in hex or base64): remove connections.zoho.webhook_secret to rely on the URL token, and report the header format; reconciliation keeps documents flowing meanwhile"
            ),
            "missing_signature" => "Zoho sent no X-Zoho-Webhook-Signature although connections.zoho.webhook_secret is set: enter the same secret on the Zoho webhook, or remove webhook_secret; reconciliation keeps documents flowing meanwhile".to_owned(),
            "content_type" => "the Zoho webhook does not send JSON or form data: set its body to Default Payload (application/json)".to_owned(),
            "payload" => "the Zoho webhook body could not be read: use the Default Payload or the raw template from `ml-connector setup`".to_owned(),
            "organization" => "a workflow of another organization posts to this connection's URL: give each organization its own webhook URL".to_owned(),
            other => format!("unknown reason {other}"),
        }
    }
}
