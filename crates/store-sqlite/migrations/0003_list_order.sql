-- Rampart store, SQLite schema 3: pages of a kind in creation order.
--
-- A list page reads `WHERE org_id = ? AND kind = ? ORDER BY seq LIMIT ?`:
-- with this index it walks the kind in order and stops after the page,
-- instead of sorting every record of the kind. (records_by_site already
-- ends in the rowid, seq, so the same holds for one site.)

CREATE INDEX records_by_kind ON records (org_id, kind, seq);
