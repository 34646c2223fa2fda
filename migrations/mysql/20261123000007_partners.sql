-- Partner installer companies and their crews. Business names, not personal data.
CREATE TABLE partner_companies (
    id         BINARY(16)   NOT NULL PRIMARY KEY,
    name       VARCHAR(120) NOT NULL,
    created_at BIGINT       NOT NULL,
    UNIQUE KEY partner_companies_name (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE crews (
    id         BINARY(16)   NOT NULL PRIMARY KEY,
    company_id BINARY(16)   NOT NULL,
    name       VARCHAR(120) NOT NULL,
    created_at BIGINT       NOT NULL,
    UNIQUE KEY crews_company_name (company_id, name),
    CONSTRAINT crews_company_fk FOREIGN KEY (company_id) REFERENCES partner_companies (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- An installer account belongs to exactly one crew (the primary key says so).
CREATE TABLE crew_members (
    account_id BINARY(16) NOT NULL PRIMARY KEY,
    crew_id    BINARY(16) NOT NULL,
    joined_at  BIGINT     NOT NULL,
    KEY crew_members_crew (crew_id),
    CONSTRAINT crew_members_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT crew_members_crew_fk FOREIGN KEY (crew_id) REFERENCES crews (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
