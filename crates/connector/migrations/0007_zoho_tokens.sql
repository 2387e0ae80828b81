-- Zoho access tokens shared by every process on this database (`serve`, `backfill`, restarts),
-- with the lock that lets only one of them ask Zoho for a token at a time, and the backoff a
-- failed token request leaves behind: no process sends another before `retry_at`.
CREATE TABLE zoho_tokens (
    connection_id    TEXT PRIMARY KEY,
    access_token_ct  BLOB,                       -- sealed, bound to (connection_id, 'access_token')
    key_version      INTEGER,
    expires_at       INTEGER NOT NULL DEFAULT 0, -- ms; 0 when no usable token is stored
    lock_holder      TEXT,                       -- instance id of the process refreshing now
    lock_until       INTEGER NOT NULL DEFAULT 0, -- ms; a crashed holder's lock lapses then
    failures         INTEGER NOT NULL DEFAULT 0, -- consecutive failed token requests
    retry_at         INTEGER NOT NULL DEFAULT 0, -- ms; no token request before this
    error_kind       TEXT,                       -- throttled | transient (of the last failure)
    error_message    TEXT,                       -- what the last failure said (no secrets)
    updated_at       INTEGER NOT NULL
);
