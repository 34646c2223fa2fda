-- "This wasn't me" links (SM-16): a login from a new device mails its owner a single-use link
-- (only its SHA-256 stored) that ends every session, voids the password and removes second
-- factors added since that login. `login_at` is the login it reports.
CREATE TABLE login_reports (
    token_hash BINARY(32) NOT NULL PRIMARY KEY,
    account_id BINARY(16) NOT NULL,
    login_at   BIGINT     NOT NULL,
    expires_at BIGINT     NOT NULL,
    used_at    BIGINT,
    KEY login_reports_account (account_id),
    CONSTRAINT login_reports_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
