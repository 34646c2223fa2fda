-- Where crews work and how many jobs they take each day (SYS-1). `booked` never passes
-- `capacity`: a booking is a compare-and-swap on it, so the last slot is booked once.
CREATE TABLE crew_areas (
    crew_id  BINARY(16) NOT NULL,
    province CHAR(2)    NOT NULL,
    PRIMARY KEY (crew_id, province),
    KEY crew_areas_province (province),
    CONSTRAINT crew_areas_crew_fk FOREIGN KEY (crew_id) REFERENCES crews (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE crew_days (
    crew_id  BINARY(16) NOT NULL,
    day      INT        NOT NULL,
    capacity INT        NOT NULL,
    booked   INT        NOT NULL DEFAULT 0,
    PRIMARY KEY (crew_id, day),
    KEY crew_days_day (day),
    CONSTRAINT crew_days_crew_fk FOREIGN KEY (crew_id) REFERENCES crews (id) ON DELETE CASCADE,
    CONSTRAINT crew_days_capacity CHECK (capacity BETWEEN 0 AND 10),
    CONSTRAINT crew_days_booked CHECK (booked >= 0 AND booked <= capacity)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The day an order is booked on and the crew whose capacity it holds.
ALTER TABLE orders ADD COLUMN booked_day INT;
ALTER TABLE orders ADD COLUMN booked_crew_id BINARY(16);
