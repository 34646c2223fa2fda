-- Failed-login counters (AU-2), shared by every replica. Keys are HMACs of (account, source)
-- pairs and of source addresses: no email or address is stored. `version` makes updates
-- compare-and-swap, so concurrent failures are all counted.
CREATE TABLE login_throttle (
    key_hash     BLOB    PRIMARY KEY NOT NULL CHECK (length(key_hash) = 32),
    failures     INTEGER NOT NULL CHECK (failures >= 0),
    window_start INTEGER NOT NULL,
    last_failure INTEGER NOT NULL,
    locked_until INTEGER,
    version      INTEGER NOT NULL
) STRICT;
