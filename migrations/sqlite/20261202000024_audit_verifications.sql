-- Each verification of the audit chain and what it found (IG-2), so the operations page shows
-- the last one.
CREATE TABLE audit_verifications (
    id          BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    at          INTEGER NOT NULL,
    intact      INTEGER NOT NULL CHECK (intact IN (0, 1)),
    entries     INTEGER NOT NULL,
    checkpoints INTEGER NOT NULL,
    finding     TEXT    CHECK (finding IS NULL OR length(finding) <= 300)
) STRICT;
CREATE INDEX audit_verifications_at ON audit_verifications (at);
