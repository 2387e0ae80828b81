-- monday side: loop detection for status feedback, and at-most-once-ish Zoho audit comments.

-- The status label the connector last wrote for the document, so a webhook reporting that same
-- label is recognised as the connector's own change and not fed back as an audit entry.
ALTER TABLE documents ADD COLUMN status_label TEXT;

-- When the Zoho comment for this audit entry was posted (NULL: not posted, or comments off).
-- A retried audit job posts the comment only while this is NULL.
ALTER TABLE audit_log ADD COLUMN commented_at INTEGER;

CREATE INDEX audit_log_document ON audit_log (connection_id, kind, zoho_id);
