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
    seq         BIGINT PRIMARY KEY,             -- creation order, assigned by the (serialised) writer
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

-- One row per reference, by sequence number (see the SQLite schema).
CREATE TABLE record_refs (
    from_seq    BIGINT NOT NULL REFERENCES records (seq) ON DELETE CASCADE,
    to_seq      BIGINT NOT NULL REFERENCES records (seq),
    PRIMARY KEY (from_seq, to_seq)
);

CREATE INDEX record_refs_to ON record_refs (to_seq);

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
