-- Versioned data keys, stored only wrapped by the key-encryption key (CR-4).
CREATE TABLE data_keys (
    version     INTEGER PRIMARY KEY NOT NULL CHECK (version > 0),
    wrapped_key BLOB    NOT NULL CHECK (length(wrapped_key) BETWEEN 1 AND 512),
    created_at  INTEGER NOT NULL
) STRICT;
