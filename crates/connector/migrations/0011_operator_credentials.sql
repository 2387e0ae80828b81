-- The operator password created at first start when server.admin_password is not set.
-- Only a salted SHA-256 of it is kept (it is 24 random characters, so a fast hash suffices).
CREATE TABLE operator_credentials (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    salt        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
