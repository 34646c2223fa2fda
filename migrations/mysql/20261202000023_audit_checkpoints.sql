-- Signed checkpoints of the audit chain (IG-2): the newest entry's number and hash, signed
-- with the Ed25519 audit key kept outside the database. The runtime user needs SELECT and
-- INSERT only.
CREATE TABLE audit_checkpoints (
    seq       BIGINT     NOT NULL PRIMARY KEY,
    head_hash BINARY(32) NOT NULL,
    signature BINARY(64) NOT NULL,
    signed_at BIGINT     NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
