-- Where crews work and how many jobs they take each day (SYS-1). `booked` never passes
-- `capacity`: a booking is a compare-and-swap on it, so the last slot is booked once.
CREATE TABLE crew_areas (
    crew_id  BLOB NOT NULL REFERENCES crews (id) ON DELETE CASCADE,
    province TEXT NOT NULL CHECK (length(province) = 2),
    PRIMARY KEY (crew_id, province)
) STRICT;
CREATE INDEX crew_areas_province ON crew_areas (province);

CREATE TABLE crew_days (
    crew_id  BLOB    NOT NULL REFERENCES crews (id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity BETWEEN 0 AND 10),
    booked   INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    PRIMARY KEY (crew_id, day)
) STRICT;
CREATE INDEX crew_days_day ON crew_days (day);

-- The day an order is booked on and the crew whose capacity it holds.
ALTER TABLE orders ADD COLUMN booked_day INTEGER;
ALTER TABLE orders ADD COLUMN booked_crew_id BLOB CHECK (booked_crew_id IS NULL OR length(booked_crew_id) = 16);
