-- Passkeys (AU-1): WebAuthn credentials. Only public keys, signature counters and dates are
-- kept: nothing here lets anyone sign in without the authenticator holding the private key.
-- `user_handle` is a random per-account ID given to authenticators instead of the account ID.
CREATE TABLE passkeys (
    id              BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    account_id      BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_handle     BLOB    NOT NULL CHECK (length(user_handle) = 16),
    credential_hash BLOB    NOT NULL UNIQUE CHECK (length(credential_hash) = 32),
    credential      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER
) STRICT;
CREATE INDEX passkeys_account ON passkeys (account_id);
CREATE INDEX passkeys_user_handle ON passkeys (user_handle);

-- WebAuthn ceremonies in progress: the challenge state stays on the server (never in the
-- browser), is found by the SHA-256 of a 256-bit ID, works once and lives five minutes.
CREATE TABLE webauthn_ceremonies (
    id_hash    BLOB    PRIMARY KEY NOT NULL CHECK (length(id_hash) = 32),
    purpose    TEXT    NOT NULL CHECK (purpose IN ('register','second_factor','login')),
    account_id BLOB    REFERENCES accounts (id) ON DELETE CASCADE,
    state      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX webauthn_ceremonies_expiry ON webauthn_ceremonies (expires_at);
