-- Each account's security activity, shown to its owner (SM-16, SM-18): logins and failures,
-- session ends and expiries, changes to how it logs in, staff actions. `kind` is one of a
-- closed set (helio_core::activity::ActivityKind); the device and network are the coarse
-- ones of the session list ("Firefox on Windows", "203.0.113.0/24"). Never a session ID.
-- A random ID, not an auto-increment (the schema avoids them, for distributed engines); the
-- order is `at`, which the service keeps strictly increasing within a process.
CREATE TABLE account_activity (
    id           BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    account_id   BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    kind         TEXT    NOT NULL CHECK (length(kind) <= 40),
    client       TEXT    CHECK (client IS NULL OR client IN ('browser','api')),
    device_label TEXT    CHECK (device_label IS NULL OR length(device_label) <= 64),
    seen_from    TEXT    CHECK (seen_from IS NULL OR length(seen_from) <= 64)
) STRICT;
CREATE INDEX account_activity_account ON account_activity (account_id, at);
CREATE INDEX account_activity_at ON account_activity (at);
