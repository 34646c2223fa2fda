-- Versioned data keys, stored only wrapped by the key-encryption key (CR-4).
CREATE TABLE data_keys (
    version     BIGINT         NOT NULL PRIMARY KEY CHECK (version > 0),
    wrapped_key VARBINARY(512) NOT NULL CHECK (length(wrapped_key) >= 1),
    created_at  BIGINT         NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
