-- Refund requests (SYS-1, AC-5): asked by support for a reason; above the configured limit
-- an admin other than the requester approves (the approving UPDATE says so). `open_order_id`
-- is the order's ID while the request is pending or approved, and unique: one refund in
-- flight per order.
CREATE TABLE refunds (
    id            BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    order_id      BLOB    NOT NULL REFERENCES orders (id),
    amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
    reason        TEXT    NOT NULL,
    requested_by  BLOB    NOT NULL,
    requested_at  INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('pending','approved','refused','paid')),
    decided_by    BLOB,
    decided_at    INTEGER,
    open_order_id BLOB UNIQUE,
    CHECK ((state IN ('pending','approved')) = (open_order_id IS NOT NULL))
) STRICT;
CREATE INDEX refunds_order ON refunds (order_id);
CREATE INDEX refunds_state ON refunds (state);
