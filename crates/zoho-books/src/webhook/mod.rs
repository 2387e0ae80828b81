//! Receiving Books webhooks: signature checks and payload parsing.

mod payload;
mod signature;

pub use payload::{WebhookEnvelope, WebhookError, WebhookPayload};
pub use signature::{sign, signing_string, verify_signature, SignatureShape};
