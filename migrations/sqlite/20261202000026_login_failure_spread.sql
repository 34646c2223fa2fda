-- Credential-stuffing detection ([Audit], AU-2): which accounts each source failed to log in
-- to, and when last. Both keys are HMACs (of the source's address prefix and of the email),
-- so no address or email is stored. One source failing against many accounts within minutes
-- is a credential list being tried; the service then tightens that source's login budget.
-- Rows older than a day are deleted by the hourly housekeeping.
CREATE TABLE login_failure_spread (
    source_key     BLOB    NOT NULL CHECK (length(source_key) = 32),
    target_key     BLOB    NOT NULL CHECK (length(target_key) = 32),
    last_failed_at INTEGER NOT NULL,
    PRIMARY KEY (source_key, target_key)
) STRICT;
CREATE INDEX login_failure_spread_recent ON login_failure_spread (source_key, last_failed_at);
CREATE INDEX login_failure_spread_age ON login_failure_spread (last_failed_at);
CREATE INDEX login_throttle_age ON login_throttle (last_failure);
