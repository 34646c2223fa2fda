-- The account page lists live sessions (SM-16) without ever showing their IDs: each session
-- gets a random public handle, and remembers a coarse device label ("Chrome on Linux") and
-- network ("203.0.113.0/24") from its latest request. No raw User-Agent or full address.
ALTER TABLE sessions
    ADD COLUMN public_id    BINARY(16),
    ADD COLUMN device_label VARCHAR(64),
    ADD COLUMN seen_from    VARCHAR(64),
    ADD UNIQUE KEY sessions_public_id (public_id);
