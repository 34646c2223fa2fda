-- Accounts (AU-*, CR-3). Personal data only as AES-256-GCM ciphertext (table/column/row bound);
-- email and phone findable through HMAC blind indexes. `data_key_version` is the data key every
-- ciphertext of the row uses, so rotation finds rows still on an old key.
CREATE TABLE accounts (
    id                BINARY(16)      NOT NULL PRIMARY KEY,
    role              VARCHAR(16)     NOT NULL CHECK (role IN ('customer','installer','support','sales','engineer','admin')),
    status            VARCHAR(16)     NOT NULL CHECK (status IN ('unverified','active','disabled')),
    email_ct          VARBINARY(1024) NOT NULL,
    email_bidx        BINARY(32)      NOT NULL,
    name_ct           VARBINARY(1024) NOT NULL,
    phone_ct          VARBINARY(256),
    phone_bidx        BINARY(32),
    address_ct        VARBINARY(2048),
    city_ct           VARBINARY(1024),
    password_hash     VARCHAR(255),
    data_key_version  BIGINT          NOT NULL CHECK (data_key_version > 0),
    email_verified_at BIGINT,
    created_at        BIGINT          NOT NULL,
    updated_at        BIGINT          NOT NULL,
    UNIQUE KEY accounts_email_bidx (email_bidx),
    KEY accounts_phone_bidx (phone_bidx),
    KEY accounts_data_key_version (data_key_version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Single-use tokens (email verification, password reset): only the SHA-256 of the token.
CREATE TABLE account_tokens (
    token_hash BINARY(32)  NOT NULL PRIMARY KEY,
    account_id BINARY(16)  NOT NULL,
    purpose    VARCHAR(32) NOT NULL CHECK (purpose IN ('verify_email','reset_password','invite')),
    expires_at BIGINT      NOT NULL,
    used_at    BIGINT,
    KEY account_tokens_account (account_id, purpose),
    CONSTRAINT account_tokens_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Mail waiting to be sent. Recipient and body are encrypted like personal data (bodies carry
-- single-use links).
CREATE TABLE outbox (
    id               BINARY(16)       NOT NULL PRIMARY KEY,
    kind             VARCHAR(64)      NOT NULL,
    recipient_ct     VARBINARY(1024)  NOT NULL,
    subject          VARCHAR(200)     NOT NULL,
    body_ct          VARBINARY(16384) NOT NULL,
    data_key_version BIGINT           NOT NULL CHECK (data_key_version > 0),
    created_at       BIGINT           NOT NULL,
    attempts         BIGINT           NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT           NOT NULL,
    sent_at          BIGINT,
    KEY outbox_pending (sent_at, next_attempt_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
