-- 0003_catalog_listing: what a product list row needs, precomputed on the product.
--
-- Measured (docs/benchmarks.md): the list query spent most of its time resolving the
-- category subtree through product_categories and picking each product's first image
-- with a per-row sub-select. Both are now derived columns kept by triggers, so a
-- category page is one GIN-indexed filter on `products` plus a brand join.
--
-- The triggers are statement-level with transition tables: a bulk load (seed
-- --products 100000) refreshes every touched product in one UPDATE per statement
-- instead of one per row.

ALTER TABLE products
    -- Every category the product is in, with all their ancestors, sorted.
    ADD COLUMN category_ids bigint[] NOT NULL DEFAULT '{}',
    -- The first image by position (NULL when the product has none).
    ADD COLUMN image_url text,
    ADD COLUMN image_alt varchar(300);

CREATE INDEX products_category_ids_idx ON products USING gin (category_ids);

CREATE FUNCTION products_category_ids_refresh(pids bigint[]) RETURNS void
LANGUAGE sql AS $$
    -- Aggregate once and join: a correlated sub-select over `anc` per product would be
    -- quadratic in the number of products touched (a 100k-product bulk load).
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
     WHERE p.id = t.pid;
$$;

CREATE FUNCTION products_primary_image_refresh(pids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE products p
       SET image_url = first.url, image_alt = first.alt
      FROM unnest(pids) AS t(pid)
      LEFT JOIN LATERAL (SELECT i.url, i.alt FROM product_images i
                          WHERE i.product_id = t.pid
                          ORDER BY i.position, i.id LIMIT 1) first ON true
     WHERE p.id = t.pid;
$$;

CREATE FUNCTION product_categories_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM products_category_ids_refresh(ARRAY(SELECT DISTINCT product_id FROM new_rows));
    ELSE
        PERFORM products_category_ids_refresh(ARRAY(SELECT DISTINCT product_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER product_categories_inserted AFTER INSERT ON product_categories
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_categories_changed();
CREATE TRIGGER product_categories_deleted AFTER DELETE ON product_categories
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_categories_changed();

-- Moving a category in the tree changes the ancestors of every product below it.
CREATE FUNCTION categories_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM products_category_ids_refresh(ARRAY(SELECT DISTINCT pc.product_id
                                                  FROM product_categories pc));
    RETURN NULL;
END
$$;

CREATE TRIGGER categories_moved AFTER UPDATE OF parent_id ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION categories_moved();

CREATE FUNCTION product_images_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM products_primary_image_refresh(ARRAY(SELECT DISTINCT product_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM products_primary_image_refresh(ARRAY(SELECT DISTINCT product_id FROM old_rows));
    ELSE
        PERFORM products_primary_image_refresh(ARRAY(SELECT product_id FROM new_rows
                                                     UNION SELECT product_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER product_images_inserted AFTER INSERT ON product_images
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_images_changed();
CREATE TRIGGER product_images_updated AFTER UPDATE ON product_images
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_images_changed();
CREATE TRIGGER product_images_deleted AFTER DELETE ON product_images
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_images_changed();

-- Existing catalogs get their derived columns now.
SELECT products_category_ids_refresh(ARRAY(SELECT id FROM products));
SELECT products_primary_image_refresh(ARRAY(SELECT id FROM products));
