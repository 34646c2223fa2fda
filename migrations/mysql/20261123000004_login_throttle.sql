-- Failed-login counters (AU-2), shared by every replica. Keys are HMACs of (account, source)
-- pairs and of source addresses: no email or address is stored. `version` makes updates
-- compare-and-swap, so concurrent failures are all counted.
CREATE TABLE login_throttle (
    key_hash     BINARY(32) NOT NULL PRIMARY KEY,
    failures     BIGINT     NOT NULL CHECK (failures >= 0),
    window_start BIGINT     NOT NULL,
    last_failure BIGINT     NOT NULL,
    locked_until BIGINT,
    version      BIGINT     NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
