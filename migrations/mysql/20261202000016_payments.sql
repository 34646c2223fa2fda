-- Payments (SYS-1, SYS-6): what a provider charged or refunded for an order. Helio keeps
-- the provider's reference, never card data. One payment per order, kind and idempotency
-- key: a retried request finds the first attempt instead of charging twice. `single_kind`
-- is the kind for deposits and balances and NULL for refunds, so the unique key allows one
-- deposit and one balance per order and any number of refunds.
CREATE TABLE payments (
    id               BINARY(16)   NOT NULL PRIMARY KEY,
    order_id         BINARY(16)   NOT NULL,
    kind             VARCHAR(16)  NOT NULL,
    amount_cents     BIGINT       NOT NULL,
    provider_ref     VARCHAR(100) NOT NULL,
    idempotency_hash BINARY(32)   NOT NULL,
    created_at       BIGINT       NOT NULL,
    single_kind      VARCHAR(16) AS (CASE WHEN kind <> 'refund' THEN kind END) STORED,
    CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT payments_kind_check CHECK (kind IN ('deposit','balance','refund')),
    CONSTRAINT payments_amount_check CHECK (amount_cents > 0),
    UNIQUE KEY payments_idempotency (order_id, kind, idempotency_hash),
    UNIQUE KEY payments_one_deposit (order_id, single_kind)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
