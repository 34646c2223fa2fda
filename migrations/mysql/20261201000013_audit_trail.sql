-- The audit trail (AC-3, AC-4, LM-1): every staff action and every access to a customer's
-- personal data: who (account and role), what (a closed set of actions), which record, why
-- (the reason typed, one line), when, from where (the coarse network) and the request ID.
-- Append-only: the code has no UPDATE or DELETE for it, and the production runtime user gets
-- only INSERT and SELECT on it (deploy/mysql, [Deploy]). No foreign keys: deleting an account
-- must never delete what was done to it or by it. [Audit] chains and signs the entries.
CREATE TABLE audit_trail (
    id          BINARY(16)   NOT NULL PRIMARY KEY,
    at          BIGINT       NOT NULL,
    actor_id    BINARY(16)   NOT NULL,
    actor_role  VARCHAR(16)  NOT NULL,
    action      VARCHAR(48)  NOT NULL,
    subject_id  BINARY(16),
    reason      VARCHAR(200),
    seen_from   VARCHAR(64),
    request_id  VARCHAR(36),
    KEY audit_trail_subject (subject_id, at),
    KEY audit_trail_at (at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
