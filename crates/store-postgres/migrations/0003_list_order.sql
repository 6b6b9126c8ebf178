-- Rampart store, PostgreSQL schema 3: pages of a kind, or of a kind at one
-- site, in creation order.
--
-- A list page reads `WHERE org_id = $1 AND kind = $2 [AND site_id = ...]
-- ORDER BY seq LIMIT $n`: with these indexes it walks the records in order
-- and stops after the page, instead of sorting every record of the kind.
-- The site index replaces records_by_site, whose columns it begins with.

CREATE INDEX records_by_kind ON records (org_id, kind, seq);
CREATE INDEX records_by_site_seq ON records (org_id, kind, site_id, seq);
DROP INDEX records_by_site;
