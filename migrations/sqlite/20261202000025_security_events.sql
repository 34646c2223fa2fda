-- Security events in the audit trail ([Audit], LM-1): the catalogue's events (logins,
-- lockouts, factors, sessions, keys, verification...) are entries of the same chain as staff
-- actions. An event has no acting staff member, so the actor columns become optional; it
-- carries its severity and its typed fields as JSON (IDs, role names and code-chosen names,
-- never typed text). `details` is set exactly for events, which is how readers of staff
-- actions leave them out. SQLite cannot relax NOT NULL in place, so the table is rebuilt
-- with every row, column and index as it was.
CREATE TABLE audit_trail_next (
    id          BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    at          INTEGER NOT NULL,
    actor_id    BLOB    CHECK (actor_id IS NULL OR length(actor_id) = 16),
    actor_role  TEXT    CHECK (actor_role IS NULL OR length(actor_role) <= 16),
    action      TEXT    NOT NULL CHECK (length(action) <= 48),
    subject_id  BLOB    CHECK (subject_id IS NULL OR length(subject_id) = 16),
    reason      TEXT    CHECK (reason IS NULL OR length(reason) <= 200),
    seen_from   TEXT    CHECK (seen_from IS NULL OR length(seen_from) <= 64),
    request_id  TEXT    CHECK (request_id IS NULL OR length(request_id) <= 36),
    grant_id    BLOB    CHECK (grant_id IS NULL OR length(grant_id) = 16),
    seq         INTEGER,
    prev_hash   BLOB    CHECK (prev_hash IS NULL OR length(prev_hash) = 32),
    entry_hash  BLOB    CHECK (entry_hash IS NULL OR length(entry_hash) = 32),
    severity    TEXT    CHECK (severity IS NULL OR severity IN ('info', 'notice', 'warning', 'critical')),
    details     TEXT    CHECK (details IS NULL OR length(details) <= 1000)
) STRICT;
INSERT INTO audit_trail_next (id, at, actor_id, actor_role, action, subject_id, reason,
    seen_from, request_id, grant_id, seq, prev_hash, entry_hash)
SELECT id, at, actor_id, actor_role, action, subject_id, reason, seen_from, request_id,
    grant_id, seq, prev_hash, entry_hash FROM audit_trail;
DROP TABLE audit_trail;
ALTER TABLE audit_trail_next RENAME TO audit_trail;
CREATE INDEX audit_trail_subject ON audit_trail (subject_id, at);
CREATE INDEX audit_trail_at ON audit_trail (at);
CREATE INDEX audit_trail_grant ON audit_trail (grant_id);
CREATE UNIQUE INDEX audit_trail_seq ON audit_trail (seq);
CREATE INDEX audit_trail_action ON audit_trail (action, at);
