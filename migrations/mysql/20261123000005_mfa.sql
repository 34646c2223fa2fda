-- TOTP enrolments (AU-1): the secret only encrypted; `last_step` refuses replayed codes.
CREATE TABLE mfa_totp (
    account_id       BINARY(16)     NOT NULL PRIMARY KEY,
    secret_ct        VARBINARY(256) NOT NULL,
    data_key_version BIGINT         NOT NULL CHECK (data_key_version > 0),
    created_at       BIGINT         NOT NULL,
    confirmed_at     BIGINT,
    last_step        BIGINT,
    CONSTRAINT mfa_totp_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Recovery codes (AU-3): keyed hashes only, each usable once.
CREATE TABLE recovery_codes (
    code_hash  BINARY(32) NOT NULL PRIMARY KEY,
    account_id BINARY(16) NOT NULL,
    created_at BIGINT     NOT NULL,
    used_at    BIGINT,
    KEY recovery_codes_account (account_id),
    CONSTRAINT recovery_codes_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
