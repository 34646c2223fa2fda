-- A discount sales gave on a priced order (AC-3, DS-2): at most once per order and up to the
-- configured limit; `price_cents` is the discounted price.
ALTER TABLE orders ADD COLUMN discount_percent INTEGER NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 50);
