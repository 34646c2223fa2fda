-- The account page lists live sessions (SM-16) without ever showing their IDs: each session
-- gets a random public handle, and remembers a coarse device label ("Chrome on Linux") and
-- network ("203.0.113.0/24") from its latest request. No raw User-Agent or full address.
ALTER TABLE sessions ADD COLUMN public_id BLOB CHECK (public_id IS NULL OR length(public_id) = 16);
ALTER TABLE sessions ADD COLUMN device_label TEXT CHECK (device_label IS NULL OR length(device_label) <= 64);
ALTER TABLE sessions ADD COLUMN seen_from TEXT CHECK (seen_from IS NULL OR length(seen_from) <= 64);
CREATE UNIQUE INDEX sessions_public_id ON sessions (public_id);
