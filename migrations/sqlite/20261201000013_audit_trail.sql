-- The audit trail (AC-3, AC-4, LM-1): every staff action and every access to a customer's
-- personal data: who (account and role), what (a closed set of actions), which record, why
-- (the reason typed, one line), when, from where (the coarse network) and the request ID.
-- Append-only: the code has no UPDATE or DELETE for it, and the production runtime user gets
-- only INSERT and SELECT on it (deploy/mysql, [Deploy]). No foreign keys: deleting an account
-- must never delete what was done to it or by it. [Audit] chains and signs the entries.
CREATE TABLE audit_trail (
    id          BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    at          INTEGER NOT NULL,
    actor_id    BLOB    NOT NULL CHECK (length(actor_id) = 16),
    actor_role  TEXT    NOT NULL CHECK (length(actor_role) <= 16),
    action      TEXT    NOT NULL CHECK (length(action) <= 48),
    subject_id  BLOB    CHECK (subject_id IS NULL OR length(subject_id) = 16),
    reason      TEXT    CHECK (reason IS NULL OR length(reason) <= 200),
    seen_from   TEXT    CHECK (seen_from IS NULL OR length(seen_from) <= 64),
    request_id  TEXT    CHECK (request_id IS NULL OR length(request_id) <= 36)
) STRICT;
CREATE INDEX audit_trail_subject ON audit_trail (subject_id, at);
CREATE INDEX audit_trail_at ON audit_trail (at);
