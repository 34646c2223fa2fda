-- TOTP enrolments (AU-1): the secret only encrypted; `last_step` refuses replayed codes.
CREATE TABLE mfa_totp (
    account_id       BLOB    PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    secret_ct        BLOB    NOT NULL,
    data_key_version INTEGER NOT NULL CHECK (data_key_version > 0),
    created_at       INTEGER NOT NULL,
    confirmed_at     INTEGER,
    last_step        INTEGER
) STRICT;

-- Recovery codes (AU-3): keyed hashes only, each usable once.
CREATE TABLE recovery_codes (
    code_hash  BLOB    PRIMARY KEY NOT NULL CHECK (length(code_hash) = 32),
    account_id BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
CREATE INDEX recovery_codes_account ON recovery_codes (account_id);
