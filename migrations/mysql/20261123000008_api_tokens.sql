-- Mobile-app sessions (SM-1, SM-8): a session row like a browser's (same lifetimes, listing and
-- revocation), reached through bearer tokens instead of a cookie. Its own ID is random and
-- never handed out; the app holds a short-lived access token and a single-use refresh token.
ALTER TABLE sessions ADD COLUMN client VARCHAR(8) NOT NULL DEFAULT 'browser'
    CHECK (client IN ('browser','api'));

-- Only the SHA-256 of each token is stored. A refresh token is spent once (`used_at`); a spent
-- one presented again ends its whole session (a stolen and replayed token).
CREATE TABLE api_tokens (
    token_hash   BINARY(32) NOT NULL PRIMARY KEY,
    session_hash BINARY(32) NOT NULL,
    kind         VARCHAR(8) NOT NULL CHECK (kind IN ('access','refresh')),
    expires_at   BIGINT     NOT NULL,
    used_at      BIGINT,
    KEY api_tokens_session (session_hash),
    CONSTRAINT api_tokens_session_fk FOREIGN KEY (session_hash) REFERENCES sessions (id_hash) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
