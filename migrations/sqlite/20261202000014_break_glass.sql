-- Break-glass grants (AC-4, AC-5): an engineer's request for one customer's record, its
-- reason and length, and what an admin (never the requester) decided. The grant opens the
-- record from approval until expires_at (at most an hour); the application checks it on
-- every request, so access ends by itself. Rows are kept: they are part of the record of
-- who saw what. No foreign keys, for the same reason as the audit trail.
CREATE TABLE break_glass_grants (
    id            BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    requester_id  BLOB    NOT NULL CHECK (length(requester_id) = 16),
    subject_id    BLOB    NOT NULL CHECK (length(subject_id) = 16),
    reason        TEXT    NOT NULL CHECK (length(reason) <= 200),
    minutes       INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 60),
    decision      TEXT    NOT NULL CHECK (decision IN ('pending', 'approved', 'refused', 'ended')),
    requested_at  INTEGER NOT NULL,
    decided_by    BLOB    CHECK (decided_by IS NULL OR length(decided_by) = 16),
    decided_at    INTEGER,
    refusal       TEXT    CHECK (refusal IS NULL OR length(refusal) <= 200),
    expires_at    INTEGER,
    ended_at      INTEGER
) STRICT;
CREATE INDEX break_glass_grants_requester ON break_glass_grants (requester_id, requested_at);
CREATE INDEX break_glass_grants_decision ON break_glass_grants (decision, requested_at);

-- Each line of a break-glass session's audit names its grant.
ALTER TABLE audit_trail ADD COLUMN grant_id BLOB CHECK (grant_id IS NULL OR length(grant_id) = 16);
CREATE INDEX audit_trail_grant ON audit_trail (grant_id);
