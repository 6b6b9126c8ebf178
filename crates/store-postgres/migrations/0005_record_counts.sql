-- Rampart store, PostgreSQL schema 5: how many records each (organisation,
-- kind, site) holds, kept by triggers in the transaction of every write, so
-- that a list's total without content filters is a sum over a few rows
-- instead of a count over every record of the kind (which, right after a
-- bulk import, also has to visit the heap). Records of no site count under ''.
-- Inserts and deletes are counted once per statement from its transition
-- table, so a bulk import pays one aggregate, not one trigger per row.

CREATE TABLE record_counts (
    org_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    site_id     TEXT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind, site_id)
);

INSERT INTO record_counts (org_id, kind, site_id, n)
    SELECT org_id, kind, COALESCE(site_id, ''), COUNT(*) FROM records GROUP BY 1, 2, 3;

CREATE FUNCTION record_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO record_counts AS c (org_id, kind, site_id, n)
        SELECT org_id, kind, COALESCE(site_id, ''), COUNT(*) FROM added GROUP BY 1, 2, 3
        ON CONFLICT (org_id, kind, site_id) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE FUNCTION record_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE record_counts AS c SET n = c.n - r.n
        FROM (SELECT org_id, kind, COALESCE(site_id, '') AS site_id, COUNT(*) AS n
                FROM removed GROUP BY 1, 2, 3) AS r
        WHERE c.org_id = r.org_id AND c.kind = r.kind AND c.site_id = r.site_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER records_count_insert AFTER INSERT ON records
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION record_counts_add();

CREATE TRIGGER records_count_delete AFTER DELETE ON records
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION record_counts_remove();

-- A record that changes site (rare): one row at a time, and only then.
CREATE FUNCTION record_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE record_counts SET n = n - 1
        WHERE org_id = OLD.org_id AND kind = OLD.kind AND site_id = COALESCE(OLD.site_id, '');
    INSERT INTO record_counts AS c (org_id, kind, site_id, n)
        VALUES (NEW.org_id, NEW.kind, COALESCE(NEW.site_id, ''), 1)
        ON CONFLICT (org_id, kind, site_id) DO UPDATE SET n = c.n + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER records_count_move AFTER UPDATE OF org_id, kind, site_id ON records
    FOR EACH ROW
    WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.kind IS DISTINCT FROM NEW.kind
          OR OLD.site_id IS DISTINCT FROM NEW.site_id)
    EXECUTE FUNCTION record_counts_move();
