-- Rampart store, SQLite schema 4: audit evidence (see rampart_store::evidence).
--
-- Files are stored once per organisation under the SHA-256 (hex) of their
-- bytes. An attachment links a file to one checklist item of one audit,
-- under the uploader's name for it (made safe to show by the server, never
-- a path). Attachments name their audit by id, checked when they are made,
-- without a foreign key to its row: an import that replaces the
-- organisation writes its records anew and must keep their evidence.

CREATE TABLE evidence (
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    media_type   TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    bytes        BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, sha256)
) STRICT;

CREATE TABLE evidence_attachments (
    seq           INTEGER PRIMARY KEY,          -- attachment order
    org_id        TEXT NOT NULL,
    audit_id      TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    attached_by   TEXT NOT NULL,
    attached_at   TEXT NOT NULL,
    UNIQUE (org_id, audit_id, item_id, sha256),
    FOREIGN KEY (org_id, sha256) REFERENCES evidence (org_id, sha256)
) STRICT;

CREATE INDEX evidence_attachments_by_file ON evidence_attachments (org_id, sha256);
