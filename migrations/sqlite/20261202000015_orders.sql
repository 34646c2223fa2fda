-- Orders (SYS-1, SYS-2, AC-5): one customer's priced system and where it stands in the state
-- machine of helio_core::order. The job site's street and city are encrypted under a data key
-- (bound to table, column and order ID, like accounts). `idempotency_hash` is the SHA-256 of
-- the client's idempotency key: the same key twice from one customer is one order.
CREATE TABLE orders (
    id               BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    customer_id      BLOB    NOT NULL REFERENCES accounts (id),
    state            TEXT    NOT NULL CHECK (state IN ('quote','ordered','scheduled','assigned',
                                 'surveyed','installed','inspected','completed','cancelled','refunded')),
    panels           INTEGER NOT NULL CHECK (panels BETWEEN 1 AND 10000),
    system_watts     INTEGER NOT NULL CHECK (system_watts > 0),
    yearly_kwh       INTEGER NOT NULL CHECK (yearly_kwh >= 0),
    price_cents      INTEGER NOT NULL CHECK (price_cents > 0),
    latitude_milli   INTEGER NOT NULL CHECK (latitude_milli BETWEEN -90000 AND 90000),
    address_ct       BLOB    NOT NULL,
    city_ct          BLOB    NOT NULL,
    data_key_version INTEGER NOT NULL CHECK (data_key_version > 0),
    idempotency_hash BLOB    NOT NULL CHECK (length(idempotency_hash) = 32),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX orders_idempotency ON orders (customer_id, idempotency_hash);
CREATE INDEX orders_customer ON orders (customer_id, created_at);
CREATE INDEX orders_state ON orders (state, updated_at);

-- Every move of an order: which event, from and to which state, by whom (account and party),
-- when. The first row of an order has no event and no from-state: its creation.
CREATE TABLE order_events (
    id          BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    order_id    BLOB    NOT NULL REFERENCES orders (id),
    at          INTEGER NOT NULL,
    event       TEXT    CHECK (event IS NULL OR length(event) <= 16),
    from_state  TEXT    CHECK (from_state IS NULL OR length(from_state) <= 16),
    to_state    TEXT    NOT NULL CHECK (length(to_state) <= 16),
    actor_id    BLOB    CHECK (actor_id IS NULL OR length(actor_id) = 16),
    party       TEXT    NOT NULL CHECK (party IN ('customer','crew','support','system'))
) STRICT;
CREATE INDEX order_events_order ON order_events (order_id, at);
