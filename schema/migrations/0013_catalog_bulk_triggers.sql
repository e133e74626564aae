-- 0013_catalog_bulk_triggers: the variant rollup and the lexicon, per statement.
--
-- Measured loading 100k synthetic products (issue #9 asks for under a minute; it took
-- 88 s): the INSERT of their 250k variants took 38 s, nearly all of it in
-- product_variants_rollup (0001, 0012), a FOR EACH ROW plpgsql trigger that planned and ran
-- one UPDATE of products per variant (~150 µs each). The lexicon's INSERT trigger took
-- 7.5 s, running a regular expression on every word of every document (4M) before
-- removing duplicates.
--
-- The rollup becomes statement-level, like every other derived-data trigger since 0003:
-- one UPDATE per statement for all the products whose variants changed in a way the
-- rollup reads (product, price, compare-at price, stock crossing zero, active). A
-- checkout's stock UPDATE that leaves every variant in stock finds no such change and
-- writes nothing, as before. Row-level AFTER triggers already ran at the end of the
-- statement, so readers see exactly what they saw.

-- The products' price_amount / compare_at_amount / in_stock from their active variants
-- (a product with none gets 0 / NULL / false); writes only the rows that differ. One
-- index probe per product: the planner's 10-row estimate for unnest keeps it a nested
-- loop, which is what a checkout's one or two products want.
CREATE FUNCTION products_rollup_refresh(pids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE products p
       SET price_amount = r.price_amount,
           compare_at_amount = r.compare_at_amount,
           in_stock = r.in_stock,
           updated_at = now()
      FROM (SELECT t.pid,
                   coalesce(min(v.price_amount), 0) AS price_amount,
                   (SELECT v2.compare_at_amount FROM product_variants v2
                     WHERE v2.product_id = t.pid AND v2.active
                     ORDER BY v2.price_amount, v2.id LIMIT 1) AS compare_at_amount,
                   coalesce(bool_or(v.stock > 0), false) AS in_stock
              FROM unnest(pids) AS t(pid)
              LEFT JOIN product_variants v ON v.product_id = t.pid AND v.active
             GROUP BY t.pid) r
     WHERE p.id = r.pid
       AND (p.price_amount, p.compare_at_amount, p.in_stock)
           IS DISTINCT FROM (r.price_amount, r.compare_at_amount, r.in_stock)
$$;

-- For an UPDATE, the products of the rows whose rollup inputs differ between old and new
-- (both sides, so a variant moved to another product refreshes the one it left). EXCEPT
-- ALL is a hashed set operation: no old/new join the planner could make a nested loop
-- over two transition tables it estimates at one row each.
CREATE FUNCTION product_variants_rolled_up() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        pids := ARRAY(SELECT DISTINCT product_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        pids := ARRAY(SELECT DISTINCT product_id FROM old_rows);
    ELSE
        pids := ARRAY(
            SELECT DISTINCT product_id FROM (
                (SELECT id, product_id, price_amount, compare_at_amount, stock > 0, active
                   FROM new_rows
                 EXCEPT ALL
                 SELECT id, product_id, price_amount, compare_at_amount, stock > 0, active
                   FROM old_rows)
                UNION ALL
                (SELECT id, product_id, price_amount, compare_at_amount, stock > 0, active
                   FROM old_rows
                 EXCEPT ALL
                 SELECT id, product_id, price_amount, compare_at_amount, stock > 0, active
                   FROM new_rows)) changed (id, product_id));
    END IF;
    IF cardinality(pids) > 0 THEN
        PERFORM products_rollup_refresh(pids);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER product_variants_rollup_trg ON product_variants;
DROP FUNCTION product_variants_rollup();

CREATE TRIGGER product_variants_rollup_inserted AFTER INSERT ON product_variants
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_variants_rolled_up();
CREATE TRIGGER product_variants_rollup_updated AFTER UPDATE ON product_variants
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_variants_rolled_up();
CREATE TRIGGER product_variants_rollup_deleted AFTER DELETE ON product_variants
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_variants_rolled_up();

-- The lexicon: duplicates go first (the documents' words, a few thousand distinct among
-- millions), the letters-only test runs on what is left; the CTE is materialized because
-- the planner would otherwise push the test below the grouping. Same rows as
-- 0011's version, which tested every word of every document.
CREATE OR REPLACE FUNCTION products_lexicon_add() RETURNS trigger LANGUAGE plpgsql
SET enable_nestloop = off SET jit = off AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL; -- an UPDATE that matched nothing
    END IF;
    IF TG_OP = 'INSERT' THEN
        WITH d AS MATERIALIZED (
            SELECT w FROM new_rows n, unnest(tsvector_to_array(n.search)) AS w GROUP BY w)
        INSERT INTO search_lexicon (word)
        SELECT w FROM d WHERE w ~ '^[a-z]{2,40}$' ORDER BY 1 ON CONFLICT DO NOTHING;
    ELSE
        WITH d AS MATERIALIZED (
            SELECT w FROM new_rows n JOIN old_rows o ON o.id = n.id,
                   unnest(tsvector_to_array(n.search)) AS w
             WHERE n.search IS DISTINCT FROM o.search GROUP BY w)
        INSERT INTO search_lexicon (word)
        SELECT w FROM d WHERE w ~ '^[a-z]{2,40}$' ORDER BY 1 ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
