-- Server-side sessions (SM-1, SM-5): only the SHA-256 of the 256-bit session ID is stored.
CREATE TABLE sessions (
    id_hash           BINARY(32)  NOT NULL PRIMARY KEY,
    account_id        BINARY(16)  NOT NULL,
    -- 'full', or a half-finished login: 'mfa' (second factor pending) or 'enrol' (must enrol).
    stage             VARCHAR(8)  NOT NULL CHECK (stage IN ('full','mfa','enrol')),
    created_at        BIGINT      NOT NULL,
    last_seen_at      BIGINT      NOT NULL,
    idle_timeout_secs BIGINT      NOT NULL CHECK (idle_timeout_secs > 0),
    expires_at        BIGINT      NOT NULL,
    ended_at          BIGINT,
    end_reason        VARCHAR(32),
    KEY sessions_account (account_id, ended_at),
    CONSTRAINT sessions_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
