-- Partner installer companies and their crews. Business names, not personal data.
CREATE TABLE partner_companies (
    id         BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE crews (
    id         BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    company_id BLOB    NOT NULL REFERENCES partner_companies (id),
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, name)
) STRICT;

-- An installer account belongs to exactly one crew (the primary key says so).
CREATE TABLE crew_members (
    account_id BLOB    PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    crew_id    BLOB    NOT NULL REFERENCES crews (id),
    joined_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX crew_members_crew ON crew_members (crew_id);
