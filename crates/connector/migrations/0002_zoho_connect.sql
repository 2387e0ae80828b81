-- The browser connect flow (`/oauth/zoho/start` → Zoho consent → `/oauth/zoho/callback` →
-- `/oauth/zoho/choose`). Only hashes of the random values are stored, so reading the database
-- does not let anyone complete someone else's flow.
CREATE TABLE oauth_states (
    state_hash        TEXT PRIMARY KEY,   -- sha256 of the `state` sent to Zoho
    browser_hash      TEXT NOT NULL,      -- sha256 of the cookie of the browser that started it
    connection_id     TEXT NOT NULL,
    phase             TEXT NOT NULL,      -- started | exchanging | exchanged | done | failed
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,   -- 10 minutes after start; single use before then
    choice_hash       TEXT,               -- sha256 of the one-time value of the "choose" form
    data_centre       TEXT,
    api_domain        TEXT,
    refresh_token_ct  BLOB,               -- sealed, bound to ('oauth:' || state_hash, 'refresh_token')
    key_version       INTEGER,
    organizations     TEXT                -- JSON list offered to the user
);
CREATE INDEX oauth_states_choice ON oauth_states (choice_hash);

-- Zoho webhooks `setup` created, for organizations where listing webhooks is not available.
CREATE TABLE zoho_webhooks (
    connection_id    TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    entity           TEXT NOT NULL,
    url_hash         TEXT NOT NULL,       -- sha256 of the URL (it carries the webhook token)
    webhook_id       TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (connection_id, organization_id, entity, url_hash)
);
