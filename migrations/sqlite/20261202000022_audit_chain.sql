-- The audit trail's hash chain (IG-2): each entry's place, the previous entry's hash and its
-- own (SHA-256 of its canonical encoding, covering the previous hash). The head row is the
-- one place appends queue on, so concurrent writers produce one chain. Entries written
-- before this migration have no place in the chain; verification reports them.
ALTER TABLE audit_trail ADD COLUMN seq INTEGER;
ALTER TABLE audit_trail ADD COLUMN prev_hash BLOB CHECK (prev_hash IS NULL OR length(prev_hash) = 32);
ALTER TABLE audit_trail ADD COLUMN entry_hash BLOB CHECK (entry_hash IS NULL OR length(entry_hash) = 32);
CREATE UNIQUE INDEX audit_trail_seq ON audit_trail (seq);

CREATE TABLE audit_chain_head (
    id        INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq       INTEGER NOT NULL,
    head_hash BLOB    NOT NULL CHECK (length(head_hash) = 32)
) STRICT;
INSERT INTO audit_chain_head (id, seq, head_hash) VALUES (1, 0, zeroblob(32));
