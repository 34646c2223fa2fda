-- Dispatch (SYS-1): each offer of a job to a crew. `open_order_id` is the order's ID while
-- the offer is open and NULL after, and it is unique: an order has at most one open offer,
-- whatever replicas race to offer it.
CREATE TABLE job_offers (
    id            BINARY(16)  NOT NULL PRIMARY KEY,
    order_id      BINARY(16)  NOT NULL,
    crew_id       BINARY(16)  NOT NULL,
    state         VARCHAR(16) NOT NULL,
    offered_at    BIGINT      NOT NULL,
    expires_at    BIGINT      NOT NULL,
    decided_at    BIGINT,
    open_order_id BINARY(16),
    UNIQUE KEY job_offers_one_open (open_order_id),
    KEY job_offers_order (order_id),
    KEY job_offers_crew_state (crew_id, state),
    KEY job_offers_state_expiry (state, expires_at),
    CONSTRAINT job_offers_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT job_offers_crew_fk FOREIGN KEY (crew_id) REFERENCES crews (id),
    CONSTRAINT job_offers_state_check
        CHECK (state IN ('open','accepted','declined','lapsed','withdrawn')),
    CONSTRAINT job_offers_open_check
        CHECK ((state = 'open') = (open_order_id IS NOT NULL))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A customer rates a completed job once (the primary key says so); ratings rank crews.
CREATE TABLE crew_ratings (
    order_id    BINARY(16) NOT NULL PRIMARY KEY,
    crew_id     BINARY(16) NOT NULL,
    customer_id BINARY(16) NOT NULL,
    stars       INT        NOT NULL,
    rated_at    BIGINT     NOT NULL,
    KEY crew_ratings_crew (crew_id),
    CONSTRAINT crew_ratings_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT crew_ratings_crew_fk FOREIGN KEY (crew_id) REFERENCES crews (id),
    CONSTRAINT crew_ratings_stars CHECK (stars BETWEEN 1 AND 5)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The province a crew works from: distance to a job is measured from its capital.
ALTER TABLE crews ADD COLUMN base_province CHAR(2);
