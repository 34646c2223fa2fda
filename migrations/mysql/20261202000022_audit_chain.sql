-- The audit trail's hash chain (IG-2): each entry's place, the previous entry's hash and its
-- own (SHA-256 of its canonical encoding, covering the previous hash). The head row is the
-- one place appends queue on: an append takes it (UPDATE, a row lock), so writers on every
-- replica produce one chain. Entries written before this migration have no place in the
-- chain; verification reports them. The runtime user needs SELECT and UPDATE on the head only.
ALTER TABLE audit_trail ADD COLUMN seq BIGINT;
ALTER TABLE audit_trail ADD COLUMN prev_hash BINARY(32);
ALTER TABLE audit_trail ADD COLUMN entry_hash BINARY(32);
CREATE UNIQUE INDEX audit_trail_seq ON audit_trail (seq);

CREATE TABLE audit_chain_head (
    id        INT        NOT NULL PRIMARY KEY,
    seq       BIGINT     NOT NULL,
    head_hash BINARY(32) NOT NULL,
    CONSTRAINT audit_chain_head_one CHECK (id = 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT INTO audit_chain_head (id, seq, head_hash) VALUES (1, 0, REPEAT(CHAR(0), 32));
