-- Passkeys (AU-1): WebAuthn credentials. Only public keys, signature counters and dates are
-- kept: nothing here lets anyone sign in without the authenticator holding the private key.
-- `user_handle` is a random per-account ID given to authenticators instead of the account ID.
CREATE TABLE passkeys (
    id              BINARY(16) NOT NULL PRIMARY KEY,
    account_id      BINARY(16) NOT NULL,
    user_handle     BINARY(16) NOT NULL,
    credential_hash BINARY(32) NOT NULL,
    credential      TEXT       NOT NULL,
    created_at      BIGINT     NOT NULL,
    last_used_at    BIGINT,
    UNIQUE KEY passkeys_credential (credential_hash),
    KEY passkeys_account (account_id),
    KEY passkeys_user_handle (user_handle),
    CONSTRAINT passkeys_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- WebAuthn ceremonies in progress: the challenge state stays on the server (never in the
-- browser), is found by the SHA-256 of a 256-bit ID, works once and lives five minutes.
CREATE TABLE webauthn_ceremonies (
    id_hash    BINARY(32)  NOT NULL PRIMARY KEY,
    purpose    VARCHAR(16) NOT NULL CHECK (purpose IN ('register','second_factor','login')),
    account_id BINARY(16),
    state      MEDIUMTEXT  NOT NULL,
    expires_at BIGINT      NOT NULL,
    KEY webauthn_ceremonies_expiry (expires_at),
    CONSTRAINT webauthn_ceremonies_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
