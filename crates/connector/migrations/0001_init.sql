-- Times are Unix epoch milliseconds (UTC) so the queue can compare them in SQL.

-- Runtime state of each configured connection (configuration itself lives in the TOML file).
CREATE TABLE connections (
    id                TEXT PRIMARY KEY,
    status            TEXT NOT NULL DEFAULT 'active',   -- active | needs_reconnect
    status_reason     TEXT,
    organization_id   TEXT,
    data_centre       TEXT,
    api_domain        TEXT,
    refresh_token_ct  BLOB,          -- AEAD ciphertext (nonce || ct), bound to (id, 'refresh_token')
    key_version       INTEGER,
    updated_at        INTEGER NOT NULL
);

-- Every verified webhook, exactly as received. A repeat of the same event hits the unique key.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,     -- zoho | monday
    connection_id TEXT NOT NULL,
    dedup_key     TEXT NOT NULL,
    received_at   INTEGER NOT NULL,
    content_type  TEXT,
    body          BLOB NOT NULL,
    UNIQUE (source, connection_id, dedup_key)
);

-- The durable queue. See src/queue for the protocol.
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    connection_id    TEXT NOT NULL,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL,   -- queued | running | done | dead
    priority         INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    run_at           INTEGER NOT NULL,
    lease_token      TEXT,
    lease_expires_at INTEGER,
    last_error       TEXT,
    event_id         INTEGER REFERENCES events (id),
    -- Jobs touching the same document never run at the same time.
    document_key     TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_document ON jobs (document_key, state);

-- Zoho document ↔ monday item.
CREATE TABLE documents (
    connection_id        TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    zoho_id              TEXT NOT NULL,
    board_id             TEXT NOT NULL,
    item_id              TEXT,            -- NULL while a create is in flight (look up before creating again)
    last_modified_ms     INTEGER,         -- Zoho last_modified_time of the version on the board
    content_hash         TEXT,
    subitems             TEXT,            -- JSON: line_item_id → subitem id
    deleted              INTEGER NOT NULL DEFAULT 0,
    synced_at            INTEGER NOT NULL,
    PRIMARY KEY (connection_id, kind, zoho_id)
);
CREATE INDEX documents_item ON documents (item_id);

-- Reconciliation high-water marks per connection and document type.
CREATE TABLE watermarks (
    connection_id     TEXT NOT NULL,
    kind              TEXT NOT NULL,
    last_modified_ms  INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (connection_id, kind)
);

-- Status edits made on monday, recorded read-only.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    connection_id  TEXT NOT NULL,
    at             INTEGER NOT NULL,
    who            TEXT,
    board_id       TEXT NOT NULL,
    item_id        TEXT NOT NULL,
    kind           TEXT,
    zoho_id        TEXT,
    old_value      TEXT,
    new_value      TEXT,
    trigger_uuid   TEXT NOT NULL,
    UNIQUE (connection_id, trigger_uuid)
);
