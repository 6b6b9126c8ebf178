-- Rampart store, SQLite schema 5: how many records each (organisation, kind,
-- site) holds, and how many writes it has seen, kept by triggers in the
-- transaction of every write.
--
-- `n` makes a list's total without content filters a sum over a few rows
-- instead of a count over every record of the kind. `changes` only grows:
-- it is a mark that moves whenever a record of that kind at that site is
-- created, changed or deleted, so a cache keyed by it is never stale.
-- Records of no site count under ''.
--
-- An import writes many records in one transaction; counting each in its
-- trigger cost it 10-20%. It puts its organisation in record_counts_paused
-- (inside its transaction only: the row is never committed), the triggers
-- skip while that table has a row, and the import recounts its
-- organisation once before it commits.

CREATE TABLE record_counts (
    org_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    site_id     TEXT NOT NULL,
    n           INTEGER NOT NULL,
    changes     INTEGER NOT NULL,
    PRIMARY KEY (org_id, kind, site_id)
) STRICT, WITHOUT ROWID;

INSERT INTO record_counts (org_id, kind, site_id, n, changes)
    SELECT org_id, kind, COALESCE(site_id, ''), COUNT(*), COUNT(*) FROM records GROUP BY 1, 2, 3;

CREATE TABLE record_counts_paused (
    org_id      TEXT PRIMARY KEY NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TRIGGER records_count_insert AFTER INSERT ON records
    WHEN NOT EXISTS (SELECT 1 FROM record_counts_paused)
BEGIN
    INSERT INTO record_counts (org_id, kind, site_id, n, changes)
        VALUES (NEW.org_id, NEW.kind, COALESCE(NEW.site_id, ''), 1, 1)
        ON CONFLICT (org_id, kind, site_id) DO UPDATE SET n = n + 1, changes = changes + 1;
END;

CREATE TRIGGER records_count_delete AFTER DELETE ON records
    WHEN NOT EXISTS (SELECT 1 FROM record_counts_paused)
BEGIN
    UPDATE record_counts SET n = n - 1, changes = changes + 1
        WHERE org_id = OLD.org_id AND kind = OLD.kind AND site_id = COALESCE(OLD.site_id, '');
END;

-- Every update marks where the record is now; a move also leaves where it was.
CREATE TRIGGER records_count_update AFTER UPDATE ON records
    WHEN NOT EXISTS (SELECT 1 FROM record_counts_paused)
BEGIN
    UPDATE record_counts SET n = n - 1, changes = changes + 1
        WHERE (OLD.org_id IS NOT NEW.org_id OR OLD.kind IS NOT NEW.kind OR OLD.site_id IS NOT NEW.site_id)
          AND org_id = OLD.org_id AND kind = OLD.kind AND site_id = COALESCE(OLD.site_id, '');
    INSERT INTO record_counts (org_id, kind, site_id, n, changes)
        VALUES (NEW.org_id, NEW.kind, COALESCE(NEW.site_id, ''),
                CASE WHEN OLD.org_id IS NOT NEW.org_id OR OLD.kind IS NOT NEW.kind
                          OR OLD.site_id IS NOT NEW.site_id THEN 1 ELSE 0 END, 1)
        ON CONFLICT (org_id, kind, site_id) DO UPDATE SET n = n + excluded.n, changes = changes + 1;
END;
