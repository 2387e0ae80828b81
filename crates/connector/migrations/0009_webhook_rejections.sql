-- Webhook deliveries the connector refused after identifying the connection (bad signature,
-- missing signature, wrong content type, unreadable payload, another organization). Only the
-- time, a reason code and the *shape* of the signature header are kept, never the header value
-- or the body. Bounded: the store keeps the latest rows per connection and deletes older ones.
CREATE TABLE webhook_rejections (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id  TEXT NOT NULL,
    source         TEXT NOT NULL,      -- zoho
    at_ms          INTEGER NOT NULL,
    reason         TEXT NOT NULL,      -- signature_mismatch | missing_signature | content_type | payload | organization
    header_shape   TEXT NOT NULL       -- e.g. "hex, 64 chars", "base64, 44 chars", "missing"
);
CREATE INDEX webhook_rejections_connection ON webhook_rejections (connection_id, id);
