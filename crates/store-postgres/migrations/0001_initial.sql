-- Rampart store, PostgreSQL schema 1. Same shape as the SQLite schema: entities
-- are records keyed by (organisation, kind, id) with their content as JSONB.
-- Timestamps are kept as RFC 3339 text, the exact form the audit log hashes.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    body        JSONB NOT NULL,
    version     BIGINT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE TABLE records (
    seq         BIGSERIAL PRIMARY KEY,          -- creation order
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    site_id     TEXT,
    body        JSONB NOT NULL,
    version     BIGINT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    UNIQUE (org_id, kind, id)
);

CREATE INDEX records_by_site ON records (org_id, kind, site_id);

CREATE TABLE record_refs (
    org_id      TEXT NOT NULL,
    from_kind   TEXT NOT NULL,
    from_id     TEXT NOT NULL,
    to_kind     TEXT NOT NULL,
    to_id       TEXT NOT NULL,
    PRIMARY KEY (org_id, from_kind, from_id, to_kind, to_id),
    FOREIGN KEY (org_id, from_kind, from_id) REFERENCES records (org_id, kind, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, to_kind, to_id) REFERENCES records (org_id, kind, id)
);

CREATE INDEX record_refs_to ON record_refs (org_id, to_kind, to_id);

-- Append-only and hash-chained; before/after are kept as the exact text that
-- was hashed (JSONB would normalise it and break verification).
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
