-- 0013_catalog_bulk_triggers: the variant rollup and the lexicon per statement; search
-- candidates from a btree of name words.
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

-- --- search candidates that stop early --------------------------------------------------
--
-- Measured at 100k products: a search for a common word ("gaming", in 31k names) spent
-- 22 ms in each GIN bitmap scan (name_search, then search), ~0.7 µs per matching product,
-- although only 100 candidates per tier are ranked: a bitmap is complete before its first
-- row is read, so the cost grew with the matches (44 req/s at 64 connections; at 1M it
-- would be ten times the work). search_postings holds (word, product) for every lexeme of
-- products.name_search, the name and brand vector relevance ranks. Its btree lets the
-- name tier walk ONE word's postings (the query's rarest term, a prefix as a range) and
-- stop at the 100th product whose name_search matches the whole query: the cost follows
-- the candidates, not the catalog. About 10 rows per product; it replaces the GIN index
-- on name_search, which nothing else reads.
CREATE TABLE search_postings (
    word       text COLLATE "C" NOT NULL,
    product_id bigint NOT NULL,
    PRIMARY KEY (word, product_id)
);

-- Kept per statement from the transition tables, like product_listing. An UPDATE touches
-- only the words that changed, found with set operations (no old/new join the planner
-- could turn into a nested loop over two tables it believes hold one row).
CREATE FUNCTION products_postings_sync() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO search_postings (word, product_id)
        SELECT w, n.id FROM new_rows n, unnest(tsvector_to_array(n.name_search)) AS w
         ORDER BY 1, 2 ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM search_postings s
         USING (SELECT w, o.id FROM old_rows o, unnest(tsvector_to_array(o.name_search)) AS w) g (w, id)
         WHERE s.word = g.w AND s.product_id = g.id;
    ELSE
        IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
            RETURN NULL; -- an UPDATE that matched nothing
        END IF;
        WITH o AS MATERIALIZED (SELECT id, name_search FROM old_rows
                                EXCEPT ALL SELECT id, name_search FROM new_rows),
             n AS MATERIALIZED (SELECT id, name_search FROM new_rows
                                EXCEPT ALL SELECT id, name_search FROM old_rows),
             ow AS MATERIALIZED (SELECT w, id FROM o, unnest(tsvector_to_array(o.name_search)) w),
             nw AS MATERIALIZED (SELECT w, id FROM n, unnest(tsvector_to_array(n.name_search)) w),
             gone AS (DELETE FROM search_postings s
                       USING (TABLE ow EXCEPT TABLE nw) g (w, id)
                       WHERE s.word = g.w AND s.product_id = g.id)
        INSERT INTO search_postings (word, product_id)
        SELECT w, id FROM (TABLE nw EXCEPT TABLE ow) a ORDER BY 1, 2 ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER products_postings_inserted AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION products_postings_sync();
CREATE TRIGGER products_postings_updated AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION products_postings_sync();
CREATE TRIGGER products_postings_deleted AFTER DELETE ON products
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION products_postings_sync();

INSERT INTO search_postings (word, product_id)
SELECT w, p.id FROM products p, unnest(tsvector_to_array(p.name_search)) AS w
 WHERE p.name_search IS NOT NULL ORDER BY 1, 2;

DROP INDEX products_name_search_idx;

-- The term of a search_query() tsquery (an AND of lexemes, the last maybe a prefix) with
-- the fewest postings, each counted up to `cap`: the one whose walk reaches the matches
-- soonest. As a range of words [lo, hi) in byte order: one word (hi = lo || chr(1), the
-- smallest longer string), or every word with the prefix (hi bumps its last letter;
-- query lexemes are [a-z0-9]). No row for an empty query.
CREATE FUNCTION search_driver(tsq tsquery, cap integer, OUT lo text, OUT hi text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT t.lo, t.hi
      FROM (SELECT m[1] AS lo,
                   CASE WHEN m[2] IS NULL THEN m[1] || chr(1)
                        ELSE left(m[1], -1) || chr(ascii(right(m[1], 1)) + 1) END AS hi
              FROM regexp_matches(tsq::text, '''([^'']+)''(:\*)?', 'g') AS m) t
     ORDER BY (SELECT count(*) FROM (SELECT 1 FROM search_postings s
                                      WHERE s.word >= t.lo AND s.word < t.hi LIMIT cap) c),
              t.lo
     LIMIT 1
$$;

-- As 0011's, plus the postings.
CREATE OR REPLACE FUNCTION catalog_search_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM product_listing;
    INSERT INTO product_listing (list_key, product_id, brand_id, status, featured, in_stock,
                                 price_amount, created_at, name)
    SELECT k, p.id, p.brand_id, p.status, p.featured, p.in_stock, p.price_amount, p.created_at, p.name
      FROM products p CROSS JOIN LATERAL unnest(0 || p.category_ids) k WHERE p.active;
    DELETE FROM listing_facet_counts;
    INSERT INTO listing_facet_counts (list_key, kind, value, n)
    SELECT l.list_key, 0, c, count(*) FROM product_listing l JOIN products p ON p.id = l.product_id
           CROSS JOIN LATERAL unnest(p.category_ids) c GROUP BY 1, 3
    UNION ALL
    SELECT list_key, 1, brand_id, count(*) FROM product_listing GROUP BY 1, 3
    UNION ALL
    SELECT list_key, 2, listing_price_band(price_amount), count(*) FROM product_listing GROUP BY 1, 3;
    DELETE FROM search_lexicon;
    INSERT INTO search_lexicon (word)
    SELECT w FROM products p, sf_lexicon_words(p.search) w
    UNION SELECT w FROM brands b, sf_lexicon_words(to_tsvector('english', sf_search_normalize(b.name))) w
    UNION SELECT w FROM categories c,
                        sf_lexicon_words(to_tsvector('english', sf_search_normalize(c.name))) w;
    DELETE FROM search_postings;
    INSERT INTO search_postings (word, product_id)
    SELECT w, p.id FROM products p, unnest(tsvector_to_array(p.name_search)) AS w ORDER BY 1, 2;
$$;
