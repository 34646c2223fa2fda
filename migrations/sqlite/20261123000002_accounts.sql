-- Accounts (AU-*, CR-3). Personal data only as AES-256-GCM ciphertext (table/column/row bound);
-- email and phone findable through HMAC blind indexes. `data_key_version` is the data key every
-- ciphertext of the row uses, so rotation finds rows still on an old key.
CREATE TABLE accounts (
    id               BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    role             TEXT    NOT NULL CHECK (role IN ('customer','installer','support','sales','engineer','admin')),
    status           TEXT    NOT NULL CHECK (status IN ('unverified','active','disabled')),
    email_ct         BLOB    NOT NULL,
    email_bidx       BLOB    NOT NULL UNIQUE CHECK (length(email_bidx) = 32),
    name_ct          BLOB    NOT NULL,
    phone_ct         BLOB,
    phone_bidx       BLOB    CHECK (phone_bidx IS NULL OR length(phone_bidx) = 32),
    address_ct       BLOB,
    city_ct          BLOB,
    password_hash    TEXT    CHECK (password_hash IS NULL OR length(password_hash) <= 255),
    data_key_version INTEGER NOT NULL CHECK (data_key_version > 0),
    email_verified_at INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX accounts_phone_bidx ON accounts (phone_bidx);
CREATE INDEX accounts_data_key_version ON accounts (data_key_version);

-- Single-use tokens (email verification, password reset): only the SHA-256 of the token.
CREATE TABLE account_tokens (
    token_hash BLOB    PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    account_id BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('verify_email','reset_password','invite')),
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose);

-- Mail waiting to be sent. Recipient and body are encrypted like personal data (bodies carry
-- single-use links).
CREATE TABLE outbox (
    id               BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    kind             TEXT    NOT NULL CHECK (length(kind) <= 64),
    recipient_ct     BLOB    NOT NULL,
    subject          TEXT    NOT NULL CHECK (length(subject) <= 200),
    body_ct          BLOB    NOT NULL,
    data_key_version INTEGER NOT NULL CHECK (data_key_version > 0),
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    sent_at          INTEGER
) STRICT;
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);
