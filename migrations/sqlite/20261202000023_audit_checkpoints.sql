-- Signed checkpoints of the audit chain (IG-2): the newest entry's number and hash, signed
-- with the Ed25519 audit key kept outside the database.
CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY NOT NULL,
    head_hash BLOB    NOT NULL CHECK (length(head_hash) = 32),
    signature BLOB    NOT NULL CHECK (length(signature) = 64),
    signed_at INTEGER NOT NULL
) STRICT;
