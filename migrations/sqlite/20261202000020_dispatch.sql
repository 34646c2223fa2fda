-- Dispatch (SYS-1): each offer of a job to a crew. `open_order_id` is the order's ID while
-- the offer is open and NULL after, and it is unique: an order has at most one open offer,
-- whatever replicas race to offer it.
CREATE TABLE job_offers (
    id            BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    order_id      BLOB    NOT NULL REFERENCES orders (id),
    crew_id       BLOB    NOT NULL REFERENCES crews (id),
    state         TEXT    NOT NULL
        CHECK (state IN ('open','accepted','declined','lapsed','withdrawn')),
    offered_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    decided_at    INTEGER,
    open_order_id BLOB UNIQUE,
    CHECK ((state = 'open') = (open_order_id IS NOT NULL))
) STRICT;
CREATE INDEX job_offers_order ON job_offers (order_id);
CREATE INDEX job_offers_crew_state ON job_offers (crew_id, state);
CREATE INDEX job_offers_state_expiry ON job_offers (state, expires_at);

-- A customer rates a completed job once (the primary key says so); ratings rank crews.
CREATE TABLE crew_ratings (
    order_id    BLOB    PRIMARY KEY NOT NULL REFERENCES orders (id),
    crew_id     BLOB    NOT NULL REFERENCES crews (id),
    customer_id BLOB    NOT NULL,
    stars       INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    rated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX crew_ratings_crew ON crew_ratings (crew_id);

-- The province a crew works from: distance to a job is measured from its capital.
ALTER TABLE crews ADD COLUMN base_province TEXT CHECK (base_province IS NULL OR length(base_province) = 2);
