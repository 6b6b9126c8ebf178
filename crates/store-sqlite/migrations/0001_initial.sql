-- Rampart store, SQLite schema 1.
--
-- Entities are records keyed by (organisation, kind, id) with their content as
-- JSON; the database indexes what queries and integrity need (site, version,
-- references) so that new fields need no migration.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY NOT NULL,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
) STRICT;

CREATE TABLE records (
    seq         INTEGER PRIMARY KEY,            -- creation order
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    site_id     TEXT,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    UNIQUE (org_id, kind, id)
) STRICT;

CREATE INDEX records_by_site ON records (org_id, kind, site_id);

-- One row per reference from one record to another, by sequence number: the
-- database refuses a reference to a record that does not exist, and the
-- deletion of a record something still refers to. Integer keys keep the
-- table small and its checks cheap.
CREATE TABLE record_refs (
    from_seq    INTEGER NOT NULL REFERENCES records (seq) ON DELETE CASCADE,
    to_seq      INTEGER NOT NULL REFERENCES records (seq),
    PRIMARY KEY (from_seq, to_seq)
) STRICT, WITHOUT ROWID;

CREATE INDEX record_refs_to ON record_refs (to_seq);

-- Append-only, hash-chained (see rampart_store::audit). No foreign keys: the
-- log outlives what it describes.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY NOT NULL,
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
) STRICT;
