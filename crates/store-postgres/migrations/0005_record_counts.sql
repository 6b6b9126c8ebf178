-- Rampart store, PostgreSQL schema 5: how many records each (organisation,
-- kind, site) holds, and how many writes it has seen, kept by triggers in
-- the transaction of every write.
--
-- `n` makes a list's total without content filters a sum over a few rows
-- instead of a count over every record of the kind (which, right after a
-- bulk import, also has to visit the heap). `changes` only grows: it is a
-- mark that moves whenever a record of that kind at that site is created,
-- changed or deleted, so a cache keyed by it is never stale. Records of no
-- site count under ''. Inserts, deletes and updates are counted once per
-- statement from its transition table, so a bulk import pays one
-- aggregate, not one trigger per row.

CREATE TABLE record_counts (
    org_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    site_id     TEXT NOT NULL,
    n           BIGINT NOT NULL,
    changes     BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind, site_id)
);

INSERT INTO record_counts (org_id, kind, site_id, n, changes)
    SELECT org_id, kind, COALESCE(site_id, ''), COUNT(*), COUNT(*) FROM records GROUP BY 1, 2, 3;

-- One function for the three triggers: what a statement removed (its old
-- rows) leaves where it was, what it added (its new rows) arrives where it
-- is; an update does both, so a move changes two counts and an edit in
-- place marks its site twice. Both places are marked.
CREATE FUNCTION record_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE record_counts AS c SET n = c.n - r.n, changes = c.changes + r.n
            FROM (SELECT org_id, kind, COALESCE(site_id, '') AS site_id, COUNT(*) AS n
                    FROM removed GROUP BY 1, 2, 3) AS r
            WHERE c.org_id = r.org_id AND c.kind = r.kind AND c.site_id = r.site_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO record_counts AS c (org_id, kind, site_id, n, changes)
            SELECT org_id, kind, COALESCE(site_id, ''), COUNT(*), COUNT(*) FROM added GROUP BY 1, 2, 3
            ON CONFLICT (org_id, kind, site_id)
            DO UPDATE SET n = c.n + EXCLUDED.n, changes = c.changes + EXCLUDED.changes;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER records_count_insert AFTER INSERT ON records
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION record_counts_apply();

CREATE TRIGGER records_count_delete AFTER DELETE ON records
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION record_counts_apply();

CREATE TRIGGER records_count_update AFTER UPDATE ON records
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION record_counts_apply();
