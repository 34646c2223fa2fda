-- Refund requests (SYS-1, AC-5): asked by support for a reason; above the configured limit
-- an admin other than the requester approves (the approving UPDATE says so). `open_order_id`
-- is the order's ID while the request is pending or approved, and unique: one refund in
-- flight per order. The runtime user needs no DELETE here.
CREATE TABLE refunds (
    id            BINARY(16)   NOT NULL PRIMARY KEY,
    order_id      BINARY(16)   NOT NULL,
    amount_cents  BIGINT       NOT NULL,
    reason        VARCHAR(400) NOT NULL,
    requested_by  BINARY(16)   NOT NULL,
    requested_at  BIGINT       NOT NULL,
    state         VARCHAR(16)  NOT NULL,
    decided_by    BINARY(16),
    decided_at    BIGINT,
    open_order_id BINARY(16),
    UNIQUE KEY refunds_one_open (open_order_id),
    KEY refunds_order (order_id),
    KEY refunds_state (state),
    CONSTRAINT refunds_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT refunds_amount CHECK (amount_cents > 0),
    CONSTRAINT refunds_state_check CHECK (state IN ('pending','approved','refused','paid')),
    CONSTRAINT refunds_open_check
        CHECK ((state IN ('pending','approved')) = (open_order_id IS NOT NULL))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
