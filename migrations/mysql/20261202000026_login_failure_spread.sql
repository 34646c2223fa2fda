-- Credential-stuffing detection ([Audit], AU-2): which accounts each source failed to log in
-- to, and when last. Both keys are HMACs (of the source's address prefix and of the email),
-- so no address or email is stored. One source failing against many accounts within minutes
-- is a credential list being tried; the service then tightens that source's login budget.
-- Rows older than a day are deleted by the hourly housekeeping.
CREATE TABLE login_failure_spread (
    source_key     BINARY(32) NOT NULL,
    target_key     BINARY(32) NOT NULL,
    last_failed_at BIGINT     NOT NULL,
    PRIMARY KEY (source_key, target_key),
    KEY login_failure_spread_recent (source_key, last_failed_at),
    KEY login_failure_spread_age (last_failed_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX login_throttle_age ON login_throttle (last_failure);
