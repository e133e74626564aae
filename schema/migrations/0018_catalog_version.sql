-- 0018_catalog_version: one number that changes whenever a public catalog answer could
-- (issue 15, docs/caching.md).
--
-- Each server keeps rendered catalog answers in memory, tagged with the version they were
-- rendered under, and serves one only while that is still the current version. So every
-- write that can change what GET /v1/products, /v1/products/{slug}, /v1/products/{slug}/
-- reviews, /v1/categories…, /v1/brands or /v1/search/suggestions answer bumps the version
-- in the same transaction and announces it with NOTIFY catalog_version '<version>'
-- (PostgreSQL delivers it at commit, in commit order, to every listening server). Being
-- triggers, seeds, migrations and plain SQL count as well as the API.
--
-- The bump is statement-level (a million-row seed or bulk UPDATE costs one bump, not one
-- per row) and happens at most once per transaction: a transaction that writes several
-- catalog tables, or whose writes fan out into the derived tables (product_listing,
-- listing_facet_counts, search_postings, search_lexicon), takes one version. The UPDATE
-- of the one row keeps its lock until commit, so versions are handed out in commit order:
-- a reader that sees version v sees every change that produced a version <= v.
--
-- Hot paths: a checkout's stock UPDATE bumps only when a variant's visible stock changes
-- class (the answers show stock_state out_of_stock / low_stock (<= 5, LOW_STOCK in
-- api/http/h_products.c) / in_stock and `available`, never the count) or when the product
-- rollup flips products.in_stock; an UPDATE that changes nothing public (a revision
-- number, a stock count inside one class) leaves the version alone. customers change the
-- catalog only through reviews' author_name (display_name).

CREATE TABLE catalog_version (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL DEFAULT 1
);
INSERT INTO catalog_version DEFAULT VALUES;

-- Bumps the version once per transaction and returns the transaction's version. The
-- transaction-local setting remembers the bump (a rolled-back savepoint forgets it along
-- with the UPDATE and the NOTIFY, so they stay in step).
CREATE FUNCTION catalog_version_bump() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v bigint := nullif(current_setting('storefront.catalog_version_bumped', true), '')::bigint;
BEGIN
    IF v IS NOT NULL THEN
        RETURN v;
    END IF;
    UPDATE catalog_version SET version = version + 1 RETURNING version INTO v;
    PERFORM set_config('storefront.catalog_version_bumped', v::text, true);
    PERFORM pg_notify('catalog_version', v::text);
    RETURN v;
END $$;

-- Any row inserted, updated or deleted by the statement changes the catalog (a statement
-- that matched nothing does not).
CREATE FUNCTION catalog_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM old_rows) THEN
            PERFORM catalog_version_bump();
        END IF;
    ELSIF EXISTS (SELECT 1 FROM new_rows) THEN
        PERFORM catalog_version_bump();
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION catalog_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalog_version_bump();
    RETURN NULL;
END $$;

-- Variants: what the answers show of a row. stock only as its class (see the header).
CREATE FUNCTION product_variants_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM new_rows) THEN
            PERFORM catalog_version_bump();
        END IF;
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM old_rows) THEN
            PERFORM catalog_version_bump();
        END IF;
        RETURN NULL;
    END IF;
    -- EXCEPT, not a join of the transition tables (0013: the planner estimates each at
    -- one row and would nest-loop a million-row UPDATE).
    IF EXISTS (
        SELECT id, product_id, sku, name, options, price_amount, compare_at_amount, currency,
               CASE WHEN stock <= 0 THEN 0 WHEN stock <= 5 THEN 1 ELSE 2 END, position, active
          FROM new_rows
        EXCEPT
        SELECT id, product_id, sku, name, options, price_amount, compare_at_amount, currency,
               CASE WHEN stock <= 0 THEN 0 WHEN stock <= 5 THEN 1 ELSE 2 END, position, active
          FROM old_rows) THEN
        PERFORM catalog_version_bump();
    END IF;
    RETURN NULL;
END $$;

-- Customers: only the display name shows, as the author_name of their reviews; a
-- shopper's profile sync (no reviews yet) leaves the catalog alone.
CREATE FUNCTION customers_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1
                 FROM (SELECT id, display_name FROM new_rows
                       EXCEPT
                       SELECT id, display_name FROM old_rows) renamed
                WHERE EXISTS (SELECT 1 FROM reviews r WHERE r.customer_id = renamed.id)) THEN
        PERFORM catalog_version_bump();
    END IF;
    RETURN NULL;
END $$;

-- The tables whose rows public catalog answers read, base and derived alike (the derived
-- ones are written by the base tables' triggers in the same statement, which costs
-- nothing more: one bump per transaction; their own triggers catch a direct rebuild).
CREATE TRIGGER brands_catalog_inserted AFTER INSERT ON brands
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER brands_catalog_updated AFTER UPDATE ON brands
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER brands_catalog_deleted AFTER DELETE ON brands
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER brands_catalog_truncated AFTER TRUNCATE ON brands
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_truncated();

CREATE TRIGGER categories_catalog_inserted AFTER INSERT ON categories
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER categories_catalog_updated AFTER UPDATE ON categories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER categories_catalog_deleted AFTER DELETE ON categories
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER categories_catalog_truncated AFTER TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_truncated();

CREATE TRIGGER products_catalog_inserted AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER products_catalog_updated AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER products_catalog_deleted AFTER DELETE ON products
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER products_catalog_truncated AFTER TRUNCATE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_truncated();

CREATE TRIGGER product_categories_catalog_inserted AFTER INSERT ON product_categories
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER product_categories_catalog_updated AFTER UPDATE ON product_categories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER product_categories_catalog_deleted AFTER DELETE ON product_categories
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER product_categories_catalog_truncated AFTER TRUNCATE ON product_categories
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_truncated();

CREATE TRIGGER product_images_catalog_inserted AFTER INSERT ON product_images
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER product_images_catalog_updated AFTER UPDATE ON product_images
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER product_images_catalog_deleted AFTER DELETE ON product_images
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER product_images_catalog_truncated AFTER TRUNCATE ON product_images
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_truncated();

CREATE TRIGGER reviews_catalog_inserted AFTER INSERT ON reviews
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER reviews_catalog_updated AFTER UPDATE ON reviews
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER reviews_catalog_deleted AFTER DELETE ON reviews
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER reviews_catalog_truncated AFTER TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_truncated();

CREATE TRIGGER product_listing_catalog_inserted AFTER INSERT ON product_listing
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER product_listing_catalog_updated AFTER UPDATE ON product_listing
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER product_listing_catalog_deleted AFTER DELETE ON product_listing
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER product_listing_catalog_truncated AFTER TRUNCATE ON product_listing
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_truncated();

CREATE TRIGGER listing_facet_counts_catalog_inserted AFTER INSERT ON listing_facet_counts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER listing_facet_counts_catalog_updated AFTER UPDATE ON listing_facet_counts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER listing_facet_counts_catalog_deleted AFTER DELETE ON listing_facet_counts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER listing_facet_counts_catalog_truncated AFTER TRUNCATE ON listing_facet_counts
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_truncated();

CREATE TRIGGER search_postings_catalog_inserted AFTER INSERT ON search_postings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER search_postings_catalog_updated AFTER UPDATE ON search_postings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER search_postings_catalog_deleted AFTER DELETE ON search_postings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER search_postings_catalog_truncated AFTER TRUNCATE ON search_postings
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_truncated();

CREATE TRIGGER search_lexicon_catalog_inserted AFTER INSERT ON search_lexicon
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER search_lexicon_catalog_updated AFTER UPDATE ON search_lexicon
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER search_lexicon_catalog_deleted AFTER DELETE ON search_lexicon
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_rows_changed();
CREATE TRIGGER search_lexicon_catalog_truncated AFTER TRUNCATE ON search_lexicon
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_truncated();

CREATE TRIGGER product_variants_catalog_inserted AFTER INSERT ON product_variants
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_variants_catalog_changed();
CREATE TRIGGER product_variants_catalog_updated AFTER UPDATE ON product_variants
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_variants_catalog_changed();
CREATE TRIGGER product_variants_catalog_deleted AFTER DELETE ON product_variants
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_variants_catalog_changed();
CREATE TRIGGER product_variants_catalog_truncated AFTER TRUNCATE ON product_variants
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_truncated();

CREATE TRIGGER customers_catalog_updated AFTER UPDATE ON customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customers_catalog_changed();
