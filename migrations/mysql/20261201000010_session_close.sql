-- Logout when the last tab closes (SM-10): a closing page's beacon sets close_at a few seconds
-- ahead; any later request of the session clears it, and past it the session is over.
ALTER TABLE sessions ADD COLUMN close_at BIGINT;
