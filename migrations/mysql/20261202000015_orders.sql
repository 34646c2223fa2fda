-- Orders (SYS-1, SYS-2, AC-5): one customer's priced system and where it stands in the state
-- machine of helio_core::order. The job site's street and city are encrypted under a data key
-- (bound to table, column and order ID, like accounts). `idempotency_hash` is the SHA-256 of
-- the client's idempotency key: the same key twice from one customer is one order.
CREATE TABLE orders (
    id               BINARY(16)  NOT NULL PRIMARY KEY,
    customer_id      BINARY(16)  NOT NULL,
    state            VARCHAR(16) NOT NULL,
    panels           INT         NOT NULL,
    system_watts     BIGINT      NOT NULL,
    yearly_kwh       BIGINT      NOT NULL,
    price_cents      BIGINT      NOT NULL,
    latitude_milli   INT         NOT NULL,
    address_ct       VARBINARY(1024) NOT NULL,
    city_ct          VARBINARY(512)  NOT NULL,
    data_key_version INT         NOT NULL,
    idempotency_hash BINARY(32)  NOT NULL,
    created_at       BIGINT      NOT NULL,
    updated_at       BIGINT      NOT NULL,
    CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES accounts (id),
    CONSTRAINT orders_state_check CHECK (state IN ('quote','ordered','scheduled','assigned',
        'surveyed','installed','inspected','completed','cancelled','refunded')),
    CONSTRAINT orders_panels_check CHECK (panels BETWEEN 1 AND 10000),
    CONSTRAINT orders_price_check CHECK (price_cents > 0),
    UNIQUE KEY orders_idempotency (customer_id, idempotency_hash),
    KEY orders_customer (customer_id, created_at),
    KEY orders_state (state, updated_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Every move of an order: which event, from and to which state, by whom (account and party),
-- when. The first row of an order has no event and no from-state: its creation.
CREATE TABLE order_events (
    id          BINARY(16)  NOT NULL PRIMARY KEY,
    order_id    BINARY(16)  NOT NULL,
    at          BIGINT      NOT NULL,
    event       VARCHAR(16),
    from_state  VARCHAR(16),
    to_state    VARCHAR(16) NOT NULL,
    actor_id    BINARY(16),
    party       VARCHAR(16) NOT NULL,
    CONSTRAINT order_events_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
    KEY order_events_order (order_id, at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
