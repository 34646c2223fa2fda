-- Each verification of the audit chain and what it found (IG-2), so the operations page shows
-- the last one. The runtime user needs SELECT and INSERT only.
CREATE TABLE audit_verifications (
    id          BINARY(16)   NOT NULL PRIMARY KEY,
    at          BIGINT       NOT NULL,
    intact      INT          NOT NULL,
    entries     BIGINT       NOT NULL,
    checkpoints BIGINT       NOT NULL,
    finding     VARCHAR(300),
    KEY audit_verifications_at (at),
    CONSTRAINT audit_verifications_intact CHECK (intact IN (0, 1))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
