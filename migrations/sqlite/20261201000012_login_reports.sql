-- "This wasn't me" links (SM-16): a login from a new device mails its owner a single-use link
-- (only its SHA-256 stored) that ends every session, voids the password and removes second
-- factors added since that login. `login_at` is the login it reports.
CREATE TABLE login_reports (
    token_hash BLOB    PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    account_id BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    login_at   INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
CREATE INDEX login_reports_account ON login_reports (account_id);
