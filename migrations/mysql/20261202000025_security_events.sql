-- Security events in the audit trail ([Audit], LM-1): the catalogue's events (logins,
-- lockouts, factors, sessions, keys, verification...) are entries of the same chain as staff
-- actions. An event has no acting staff member, so the actor columns become optional; it
-- carries its severity and its typed fields as JSON (IDs, role names and code-chosen names,
-- never typed text). `details` is set exactly for events, which is how readers of staff
-- actions leave them out.
ALTER TABLE audit_trail
    MODIFY actor_id BINARY(16) NULL,
    MODIFY actor_role VARCHAR(16) NULL,
    ADD COLUMN severity VARCHAR(8) NULL,
    ADD COLUMN details VARCHAR(1000) NULL,
    ADD CONSTRAINT audit_trail_severity CHECK (severity IS NULL OR severity IN ('info', 'notice', 'warning', 'critical'));
CREATE INDEX audit_trail_action ON audit_trail (action, at);
