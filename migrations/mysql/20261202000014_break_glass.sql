-- Break-glass grants (AC-4, AC-5): an engineer's request for one customer's record, its
-- reason and length, and what an admin (never the requester) decided. The grant opens the
-- record from approval until expires_at (at most an hour); the application checks it on
-- every request, so access ends by itself. Rows are kept: they are part of the record of
-- who saw what. No foreign keys, for the same reason as the audit trail.
CREATE TABLE break_glass_grants (
    id            BINARY(16)   NOT NULL PRIMARY KEY,
    requester_id  BINARY(16)   NOT NULL,
    subject_id    BINARY(16)   NOT NULL,
    reason        VARCHAR(200) NOT NULL,
    minutes       INT          NOT NULL,
    decision      VARCHAR(16)  NOT NULL,
    requested_at  BIGINT       NOT NULL,
    decided_by    BINARY(16),
    decided_at    BIGINT,
    refusal       VARCHAR(200),
    expires_at    BIGINT,
    ended_at      BIGINT,
    CONSTRAINT break_glass_minutes CHECK (minutes BETWEEN 5 AND 60),
    CONSTRAINT break_glass_decision CHECK (decision IN ('pending', 'approved', 'refused', 'ended')),
    KEY break_glass_grants_requester (requester_id, requested_at),
    KEY break_glass_grants_decision (decision, requested_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Each line of a break-glass session's audit names its grant.
ALTER TABLE audit_trail ADD COLUMN grant_id BINARY(16);
CREATE INDEX audit_trail_grant ON audit_trail (grant_id);
