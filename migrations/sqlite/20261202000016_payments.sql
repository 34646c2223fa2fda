-- Payments (SYS-1, SYS-6): what a provider charged or refunded for an order. Helio keeps
-- the provider's reference, never card data. One payment per order, kind and idempotency
-- key: a retried request finds the first attempt instead of charging twice.
CREATE TABLE payments (
    id               BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    order_id         BLOB    NOT NULL REFERENCES orders (id),
    kind             TEXT    NOT NULL CHECK (kind IN ('deposit','balance','refund')),
    amount_cents     INTEGER NOT NULL CHECK (amount_cents > 0),
    provider_ref     TEXT    NOT NULL CHECK (length(provider_ref) <= 100),
    idempotency_hash BLOB    NOT NULL CHECK (length(idempotency_hash) = 32),
    created_at       INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX payments_idempotency ON payments (order_id, kind, idempotency_hash);
CREATE UNIQUE INDEX payments_one_deposit ON payments (order_id, kind) WHERE kind <> 'refund';
