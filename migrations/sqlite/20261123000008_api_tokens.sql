-- Mobile-app sessions (SM-1, SM-8): a session row like a browser's (same lifetimes, listing and
-- revocation), reached through bearer tokens instead of a cookie. Its own ID is random and
-- never handed out; the app holds a short-lived access token and a single-use refresh token.
ALTER TABLE sessions ADD COLUMN client TEXT NOT NULL DEFAULT 'browser'
    CHECK (client IN ('browser','api'));

-- Only the SHA-256 of each token is stored. A refresh token is spent once (`used_at`); a spent
-- one presented again ends its whole session (a stolen and replayed token).
CREATE TABLE api_tokens (
    token_hash   BLOB    PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    session_hash BLOB    NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('access','refresh')),
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
) STRICT;
CREATE INDEX api_tokens_session ON api_tokens (session_hash);
