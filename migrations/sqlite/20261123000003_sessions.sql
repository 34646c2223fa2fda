-- Server-side sessions (SM-1, SM-5): only the SHA-256 of the 256-bit session ID is stored.
CREATE TABLE sessions (
    id_hash           BLOB    PRIMARY KEY NOT NULL CHECK (length(id_hash) = 32),
    account_id        BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- 'full', or a half-finished login: 'mfa' (second factor pending) or 'enrol' (must enrol).
    stage             TEXT    NOT NULL CHECK (stage IN ('full','mfa','enrol')),
    created_at        INTEGER NOT NULL,
    last_seen_at      INTEGER NOT NULL,
    idle_timeout_secs INTEGER NOT NULL CHECK (idle_timeout_secs > 0),
    expires_at        INTEGER NOT NULL,
    ended_at          INTEGER,
    end_reason        TEXT    CHECK (end_reason IS NULL OR length(end_reason) <= 32)
) STRICT;
CREATE INDEX sessions_account ON sessions (account_id, ended_at);
