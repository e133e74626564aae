-- 0011_catalog_scale: a catalog of a million products (issue #9).
--
-- Measured at 100k products (docs/benchmarks.md): a category page read every matching
-- product through the GIN index on products.category_ids and then sorted them, and a
-- search ranked every match. Three structures make the cost follow the page instead:
--
--   product_listing       one narrow row per (list key, active product): key 0 is the whole
--                         catalog, any other key a category the product is in directly or
--                         through a descendant. Btrees on (key, sort column, id) let a page
--                         walk an index in the requested order and stop after limit + 1.
--   listing_facet_counts  per list key, how many active products lie in each category,
--                         brand and price band: exact facets of a category page without
--                         reading the category.
--   search_lexicon        every word of the catalog's names, brands, categories and
--                         descriptions, trigram-indexed: typo correction and prefix checks.
--
-- All three are kept by statement-level triggers (transition tables, like 0003) in the
-- same transaction as the catalog change, so a bulk load refreshes them in one statement
-- and every reader sees them consistent with `products`.

-- Both are trusted extensions (PostgreSQL 13+): the database owner may create them, as
-- on RDS/Aurora where both are supported. They go into the current schema and are named
-- unqualified below, so the migrations also run in a scratch schema (tests/db).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent(text) is STABLE (its dictionary could change); ours names the dictionary, so
-- it can serve in IMMUTABLE functions. Vietnamese "Bàn phím cơ" reads as "ban phim co".
CREATE FUNCTION sf_unaccent(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT unaccent('unaccent'::regdictionary, t)
$$;

-- Lowercase, unaccented text followed by a copy with the joined spellings shoppers type:
-- "Wi-Fi" also as "wifi", "USB-C" as "usbc", "RTX 4060" as "rtx4060", "MX Master 3S" as
-- "master3s". Used on both sides (documents and queries), so "wifi", "wi-fi" and "Wi-Fi"
-- all meet. Two functions so unaccent runs once per text: the search trigger runs this
-- three times per product row of a bulk load. A word joined to the number after it is
-- kept on its own as well: "Wi-Fi 6E" gives "wifi wifi6e", not only "wifi6e", which
-- would leave "wifi" in no document (and search_query() would correct it to "wi").
CREATE FUNCTION sf_search_join(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT s || ' ' || regexp_replace(regexp_replace(s, '([a-z0-9])[-/.](?=[a-z0-9])', '\1', 'g'),
                                      '([a-z]+) ([0-9][a-z0-9]*)', '\1 \1\2', 'g')
$$;
CREATE FUNCTION sf_search_normalize(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT sf_search_join(lower(sf_unaccent(t)))
$$;

-- The lexicon's words of a search document: its lexemes (stems, as the query side looks
-- them up) made of letters only, 2..40 characters. Words with digits are model numbers
-- and SKUs: never corrected, so they stay out, and the lexicon stays the size of the
-- shop's vocabulary (thousands of words), not of its catalog. Taken from the tsvector
-- the search trigger already built, so a bulk load parses no text twice.
CREATE FUNCTION sf_lexicon_words(doc tsvector) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT w FROM unnest(tsvector_to_array(doc)) AS w WHERE w ~ '^[a-z]{2,40}$'
$$;

-- The search document: name (A), brand (B), description (C), each normalized as above;
-- and name_search, the name and brand alone: relevance's "every word in the name or
-- brand" tier matches it through its own GIN index, with no weight recheck (which would
-- detoast every candidate's whole document) and a small vector to rank.
ALTER TABLE products ADD COLUMN name_search tsvector;

CREATE OR REPLACE FUNCTION products_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    name_doc tsvector := to_tsvector('english', sf_search_normalize(coalesce(NEW.name, '')));
    brand_doc tsvector := to_tsvector('english', sf_search_normalize(coalesce(
                              (SELECT b.name FROM brands b WHERE b.id = NEW.brand_id), '')));
BEGIN
    NEW.name_search := name_doc || brand_doc;
    NEW.search := setweight(name_doc, 'A') || setweight(brand_doc, 'B') ||
        setweight(to_tsvector('english', sf_search_normalize(coalesce(NEW.description, ''))), 'C');
    RETURN NEW;
END
$$;

-- Existing products get the new documents (the trigger above runs per row). This comes
-- before the listing triggers exist, so it does not churn them.
UPDATE products SET name = name;
CREATE INDEX products_name_search_idx ON products USING gin (name_search);

-- 0003's refreshes wrote every product they were given; now only those whose value
-- differs, so a bulk load that stores category_ids and the first image with the product
-- (as the seed does) costs one comparison per product instead of a second write of it.
CREATE OR REPLACE FUNCTION products_category_ids_refresh(pids bigint[]) RETURNS void
LANGUAGE sql AS $$
    WITH RECURSIVE anc(product_id, id) AS (
        SELECT pc.product_id, pc.category_id
          FROM product_categories pc
         WHERE pc.product_id = ANY (pids)
        UNION
        SELECT anc.product_id, c.parent_id
          FROM anc JOIN categories c ON c.id = anc.id
         WHERE c.parent_id IS NOT NULL),
    agg AS (
        SELECT product_id, array_agg(id ORDER BY id) AS ids FROM anc GROUP BY product_id)
    UPDATE products p
       SET category_ids = coalesce(agg.ids, '{}')
      FROM unnest(pids) AS t(pid) LEFT JOIN agg ON agg.product_id = t.pid
     WHERE p.id = t.pid AND p.category_ids IS DISTINCT FROM coalesce(agg.ids, '{}');
$$;

CREATE OR REPLACE FUNCTION products_primary_image_refresh(pids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE products p
       SET image_url = first.url, image_alt = first.alt
      FROM unnest(pids) AS t(pid)
      LEFT JOIN LATERAL (SELECT i.url, i.alt FROM product_images i
                          WHERE i.product_id = t.pid
                          ORDER BY i.position, i.id LIMIT 1) first ON true
     WHERE p.id = t.pid AND (p.image_url, p.image_alt) IS DISTINCT FROM (first.url, first.alt);
$$;

-- A renamed brand changes its products' documents (weight B).
CREATE FUNCTION brands_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products p SET name = p.name
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE p.brand_id = n.id AND n.name IS DISTINCT FROM o.name;
    RETURN NULL;
END
$$;
CREATE TRIGGER brands_renamed AFTER UPDATE ON brands
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION brands_renamed();

-- Exact SKU hits rank first; SKUs are matched case-insensitively.
CREATE INDEX product_variants_sku_upper_idx ON product_variants (upper(sku));

-- --- the listing ----------------------------------------------------------------------

CREATE TABLE product_listing (
    list_key     bigint NOT NULL,
    product_id   bigint NOT NULL,
    brand_id     bigint NOT NULL,
    status       product_status NOT NULL,
    featured     boolean NOT NULL,
    in_stock     boolean NOT NULL,
    price_amount bigint NOT NULL,
    created_at   timestamptz NOT NULL,
    name         varchar(200) NOT NULL,
    PRIMARY KEY (product_id, list_key)
);

-- One btree per sort; a page scans it forward (price, name) or backward (newest, -price)
-- from the cursor and stops after limit + 1 rows. A brand, on a brand page (key 0) or
-- inside a category, has its own three: a brand is the filter shoppers narrow a big
-- category by, and walking the category's index for it read 27k rows per page at 100k
-- products (measured: docs/benchmarks.md).
CREATE INDEX product_listing_newest_idx ON product_listing (list_key, created_at, product_id);
CREATE INDEX product_listing_price_idx ON product_listing (list_key, price_amount, product_id);
CREATE INDEX product_listing_name_idx ON product_listing (list_key, name, product_id);
CREATE INDEX product_listing_brand_newest_idx
    ON product_listing (list_key, brand_id, created_at, product_id);
CREATE INDEX product_listing_brand_price_idx
    ON product_listing (list_key, brand_id, price_amount, product_id);
CREATE INDEX product_listing_brand_name_idx ON product_listing (list_key, brand_id, name, product_id);

CREATE TABLE listing_facet_counts (
    list_key bigint NOT NULL,
    kind     smallint NOT NULL CHECK (kind IN (0, 1, 2)), -- 0 category, 1 brand, 2 price band
    value    bigint NOT NULL,                             -- category id, brand id, band's min
    -- No CHECK (n >= 0): an upsert's proposed row carries a negative delta, and CHECK
    -- constraints are tested before ON CONFLICT turns it into an update.
    n        bigint NOT NULL,
    PRIMARY KEY (list_key, kind, value)
);

-- The facets' fixed price bands (minor units), as GET /v1/products documents them: the
-- band of a price is the greatest lower bound not above it.
CREATE FUNCTION listing_price_band(amount bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE WHEN amount < 2500 THEN 0 WHEN amount < 5000 THEN 2500
                WHEN amount < 10000 THEN 5000 WHEN amount < 25000 THEN 10000
                WHEN amount < 50000 THEN 25000 WHEN amount < 100000 THEN 50000
                WHEN amount < 200000 THEN 100000 ELSE 200000 END
$$;


-- Applies the difference between the old and new versions of changed product rows to
-- product_listing and listing_facet_counts. `old_src`/`new_src` are the transition tables
-- (or an empty set for INSERT/DELETE): one body serves the three triggers, since a trigger
-- with transition tables may have one event only. Old and new versions meet in ONE hash
-- full join on id; everything after it is unnest() of that row set and index probes, so
-- the cost is linear in the rows the statement touched (a bulk load of 100k included).
-- Only products whose listed columns differ go on, so a rating or image edit writes
-- nothing here. Counter rows are upserted in key order, so concurrent catalog writes take
-- their row locks in one order and cannot deadlock on them.
-- jit off: the bulk case's cost estimate crosses the JIT thresholds and compiling took
-- longer (1 s at 3k rows) than running it.
CREATE FUNCTION products_listing_sync() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    none CONSTANT text := 'SELECT * FROM products WHERE false';
BEGIN
    -- Cheap exits first: a row trigger's UPDATE that matched nothing (the variant rollup
    -- runs one per stock change) still fires this, and most product updates (rating,
    -- image, description) change no listed column. Only then is the statement planned.
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM new_rows) THEN RETURN NULL; END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
    ELSIF NOT EXISTS (
        SELECT 1 FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
         WHERE (o.active, o.brand_id, o.status, o.featured, o.in_stock, o.price_amount,
                o.created_at, o.name, o.category_ids)
               IS DISTINCT FROM
               (n.active, n.brand_id, n.status, n.featured, n.in_stock, n.price_amount,
                n.created_at, n.name, n.category_ids)) THEN
        RETURN NULL;
    END IF;
    EXECUTE format($sql$
    WITH ch AS MATERIALIZED (
        SELECT coalesce(n.id, o.id) AS id,
               coalesce(o.active, false) AS o_on, o.brand_id AS o_brand, o.price_amount AS o_price,
               o.category_ids AS o_cats,
               coalesce(n.active, false) AS n_on, n.brand_id AS n_brand, n.status AS n_status,
               n.featured AS n_featured, n.in_stock AS n_in_stock, n.price_amount AS n_price,
               n.created_at AS n_created, n.name AS n_name, n.category_ids AS n_cats
          FROM (SELECT id, active, brand_id, status, featured, in_stock, price_amount, created_at,
                       name, category_ids FROM (%s) x) o
          FULL JOIN (SELECT id, active, brand_id, status, featured, in_stock, price_amount,
                            created_at, name, category_ids FROM (%s) y) n ON n.id = o.id
         WHERE (o.active, o.brand_id, o.status, o.featured, o.in_stock, o.price_amount,
                o.created_at, o.name, o.category_ids)
               IS DISTINCT FROM
               (n.active, n.brand_id, n.status, n.featured, n.in_stock, n.price_amount,
                n.created_at, n.name, n.category_ids)),
         del AS (DELETE FROM product_listing l USING ch
                  WHERE l.product_id = ch.id
                    AND NOT (ch.n_on AND l.list_key = ANY (0 || ch.n_cats))),
         ins AS (INSERT INTO product_listing AS l (list_key, product_id, brand_id, status, featured,
                        in_stock, price_amount, created_at, name)
                 SELECT k, ch.id, n_brand, n_status, n_featured, n_in_stock, n_price, n_created, n_name
                   FROM ch CROSS JOIN LATERAL unnest(0 || ch.n_cats) k
                  WHERE ch.n_on ORDER BY ch.id, k
                 ON CONFLICT (product_id, list_key) DO UPDATE
                    SET brand_id = EXCLUDED.brand_id, status = EXCLUDED.status,
                        featured = EXCLUDED.featured, in_stock = EXCLUDED.in_stock,
                        price_amount = EXCLUDED.price_amount, created_at = EXCLUDED.created_at,
                        name = EXCLUDED.name),
         side AS (SELECT -1 AS d, o_brand AS brand, o_price AS price, o_cats AS cats FROM ch WHERE o_on
                  UNION ALL
                  SELECT 1, n_brand, n_price, n_cats FROM ch WHERE n_on),
         d AS (SELECT k, 0::smallint AS kind, c AS value, d FROM side
                      CROSS JOIN LATERAL unnest(0 || side.cats) k CROSS JOIN LATERAL unnest(side.cats) c
               UNION ALL
               SELECT k, 1::smallint, brand, d FROM side CROSS JOIN LATERAL unnest(0 || side.cats) k
               UNION ALL
               SELECT k, 2::smallint, listing_price_band(price), d FROM side
                      CROSS JOIN LATERAL unnest(0 || side.cats) k)
    INSERT INTO listing_facet_counts AS f (list_key, kind, value, n)
    SELECT k, kind, value, sum(d) FROM d GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (list_key, kind, value) DO UPDATE SET n = f.n + EXCLUDED.n
    $sql$,
        CASE WHEN TG_OP = 'INSERT' THEN none ELSE 'SELECT * FROM old_rows' END,
        CASE WHEN TG_OP = 'DELETE' THEN none ELSE 'SELECT * FROM new_rows' END);
    RETURN NULL;
END
$$;

CREATE TRIGGER products_listing_inserted AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION products_listing_sync();
CREATE TRIGGER products_listing_updated AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION products_listing_sync();
CREATE TRIGGER products_listing_deleted AFTER DELETE ON products
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION products_listing_sync();

-- A tree move changes the ancestors of the products below the moved categories only:
-- those whose category_ids hold a moved category (GIN-indexed), not the whole catalog.
CREATE OR REPLACE FUNCTION categories_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM products_category_ids_refresh(ARRAY(
        SELECT p.id FROM products p
         WHERE p.category_ids && ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                                        WHERE n.parent_id IS DISTINCT FROM o.parent_id)));
    RETURN NULL;
END
$$;
DROP TRIGGER categories_moved ON categories;
CREATE TRIGGER categories_moved AFTER UPDATE ON categories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION categories_moved();

-- --- the lexicon ----------------------------------------------------------------------

-- COLLATE "C" so `word LIKE 'pre%'` is a btree range (search-as-you-type prefixes).
CREATE TABLE search_lexicon (
    word text COLLATE "C" PRIMARY KEY
);
CREATE INDEX search_lexicon_trgm_idx ON search_lexicon USING gist (word gist_trgm_ops);

-- Words only ever join the lexicon here; one left behind by a deleted product only makes
-- a typo correct to a word that finds nothing (catalog_search_rebuild() prunes them).
-- The planner estimates one row per transition table, so the old/new join would be a
-- nested loop, quadratic in a bulk update (measured: 0.8 s at 3k rows): hash it.
CREATE FUNCTION products_lexicon_add() RETURNS trigger LANGUAGE plpgsql
SET enable_nestloop = off SET jit = off AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL; -- an UPDATE that matched nothing (the variant rollup's, mostly)
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO search_lexicon (word)
        SELECT DISTINCT w FROM new_rows n, sf_lexicon_words(n.search) w
        ORDER BY 1 ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO search_lexicon (word)
        SELECT DISTINCT w FROM new_rows n JOIN old_rows o ON o.id = n.id,
               sf_lexicon_words(n.search) w
         WHERE n.search IS DISTINCT FROM o.search
        ORDER BY 1 ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER products_lexicon_inserted AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION products_lexicon_add();
CREATE TRIGGER products_lexicon_updated AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION products_lexicon_add();

-- Brand and category names (INSERT and UPDATE share the body: only new_rows is read).
CREATE FUNCTION names_lexicon_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL;
    END IF;
    INSERT INTO search_lexicon (word)
    SELECT DISTINCT w FROM new_rows n,
           sf_lexicon_words(to_tsvector('english', sf_search_normalize(n.name))) w
    ORDER BY 1 ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER brands_lexicon_inserted AFTER INSERT ON brands
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION names_lexicon_add();
CREATE TRIGGER brands_lexicon_updated AFTER UPDATE ON brands
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION names_lexicon_add();
CREATE TRIGGER categories_lexicon_inserted AFTER INSERT ON categories
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION names_lexicon_add();
CREATE TRIGGER categories_lexicon_updated AFTER UPDATE ON categories
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION names_lexicon_add();

-- --- the query side -------------------------------------------------------------------

-- What a search box sends, as a tsquery: every word must match (AND; the first 8 words
-- count); the last word is also a prefix (search-as-you-type: "mech" finds "mechanical")
-- when some catalog word starts with it (always, when it has digits: "rtx40"); a word of
-- 4+ letters whose stem the lexicon does
-- not hold (and, for the last word, that starts no lexicon word) is replaced by the most
-- similar lexicon word by trigrams ("keybord" -> "keyboard"); words with digits are model
-- numbers and kept exact. The lexicon holds stems, as the documents do, so a
-- word is looked up by its stem ("laptops" -> "laptop"). Returns an empty tsquery (matches
-- nothing) when nothing searchable is left ("the").
CREATE FUNCTION search_query(q text) RETURNS tsquery
LANGUAGE plpgsql STABLE PARALLEL SAFE
-- to_tsquery NOTICEs a stop word; that is expected here, not news for the log.
SET client_min_messages = warning AS $$
DECLARE
    words text[];
    w text;
    stem text;
    fixed text;
    suffix text;
    result tsquery := NULL;
    term tsquery;
    n int;
BEGIN
    -- "Wi-Fi" and "usb-c" join up ("wifi", "usbc") as the documents also hold them;
    -- anything else that is not a letter or digit separates words.
    words := ARRAY(SELECT x FROM regexp_split_to_table(regexp_replace(regexp_replace(
                       lower(sf_unaccent(coalesce(q, ''))), '([a-z0-9])[-/.]+(?=[a-z0-9])', '\1', 'g'),
                       '[^a-z0-9]+', ' ', 'g'), ' ') AS x WHERE x <> '' LIMIT 8);
    n := coalesce(array_length(words, 1), 0);
    FOR i IN 1 .. n LOOP
        w := words[i];
        stem := (tsvector_to_array(to_tsvector('english', w)))[1];
        CONTINUE WHEN stem IS NULL; -- a stop word
        suffix := '';
        -- A btree range, not LIKE: a LIKE pattern from a variable gets no index in a
        -- generic plan. The stem holds only [a-z], so bumping its last byte ends the range.
        IF i = n AND stem ~ '[0-9]' THEN
            suffix := ':*';
        ELSIF i = n AND EXISTS (SELECT 1 FROM search_lexicon
                              WHERE word >= stem
                                AND word < left(stem, -1) || chr(ascii(right(stem, 1)) + 1)) THEN
            suffix := ':*';
        ELSIF length(w) >= 4 AND w !~ '[0-9]'
              AND NOT EXISTS (SELECT 1 FROM search_lexicon WHERE word = stem) THEN
            -- Only to a word of 4+ letters too: a short word is similar to many, and as a
            -- prefix ("wi" for "wifi") it would match half the catalog.
            SELECT word INTO fixed FROM search_lexicon
             WHERE word % stem AND length(word) >= 4 ORDER BY word <-> stem, word LIMIT 1;
            IF fixed IS NOT NULL THEN
                stem := fixed;
                suffix := CASE WHEN i = n THEN ':*' ELSE '' END;
            END IF;
        END IF;
        -- The stem is already a lexeme: 'simple' keeps it as it is.
        term := to_tsquery('simple', quote_literal(stem) || suffix);
        result := CASE WHEN result IS NULL THEN term ELSE result && term END;
    END LOOP;
    RETURN coalesce(result, ''::tsquery);
END
$$;

-- --- plain recomputation --------------------------------------------------------------

-- Recomputes the listing, the facet counters and the lexicon from the catalog tables, the
-- obviously-correct way. For operators (after editing with triggers disabled) and for the
-- seed's bulk loads; the tests compare what the triggers keep with the same definitions.
CREATE FUNCTION catalog_search_rebuild() RETURNS void LANGUAGE sql AS $$
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
$$;

SELECT catalog_search_rebuild();
