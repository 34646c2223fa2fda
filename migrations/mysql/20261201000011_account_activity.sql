-- Each account's security activity, shown to its owner (SM-16, SM-18): logins and failures,
-- session ends and expiries, changes to how it logs in, staff actions. `kind` is one of a
-- closed set (helio_core::activity::ActivityKind); the device and network are the coarse
-- ones of the session list ("Firefox on Windows", "203.0.113.0/24"). Never a session ID.
-- A random ID, not an auto-increment (the schema avoids them, for distributed engines); the
-- order is `at`, which the service keeps strictly increasing within a process.
CREATE TABLE account_activity (
    id           BINARY(16)  NOT NULL PRIMARY KEY,
    account_id   BINARY(16)  NOT NULL,
    at           BIGINT      NOT NULL,
    kind         VARCHAR(40) NOT NULL,
    client       VARCHAR(8)  CHECK (client IS NULL OR client IN ('browser','api')),
    device_label VARCHAR(64),
    seen_from    VARCHAR(64),
    KEY account_activity_account (account_id, at),
    KEY account_activity_at (at),
    CONSTRAINT account_activity_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
