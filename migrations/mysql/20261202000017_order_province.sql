-- The province of an order's job site (the first two digits of its postal code), kept in the
-- clear for the sales pipeline by region (AC-3): a region of tens of thousands of homes, not
-- an address. The address itself stays encrypted.
ALTER TABLE orders ADD COLUMN province CHAR(2);
CREATE INDEX orders_province ON orders (province, state);
