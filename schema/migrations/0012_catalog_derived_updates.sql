-- 0012_catalog_derived_updates: two UPDATEs the derived product columns did not follow.
--
-- Found by tests/db/test_listing.c, which compares the derived data with a recomputation
-- after every kind of catalog change:
--
--   * product_categories had INSERT and DELETE triggers only (0003), so
--     `UPDATE product_categories SET category_id = ...` left products.category_ids, and
--     with it product_listing and listing_facet_counts (0011), on the old category.
--   * product_variants_rollup() (0001) recomputed NEW.product_id only, so a variant moved
--     to another product (the seed's `ON CONFLICT (sku) DO UPDATE SET product_id = ...`
--     does that) left the old product's price_amount / in_stock as they were.
--
-- Rows already left stale by either are repaired at the end.

CREATE FUNCTION product_categories_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM products_category_ids_refresh(ARRAY(SELECT product_id FROM old_rows
                                                UNION SELECT product_id FROM new_rows));
    RETURN NULL;
END
$$;

CREATE TRIGGER product_categories_updated AFTER UPDATE ON product_categories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_categories_updated();

-- As in 0001, for the product the variant belongs to now and, when it moved, the one it
-- left. Writes only when a value changes.
CREATE OR REPLACE FUNCTION product_variants_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pids bigint[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        pids := ARRAY[OLD.product_id];
    ELSIF TG_OP = 'UPDATE' AND OLD.product_id <> NEW.product_id THEN
        pids := ARRAY[OLD.product_id, NEW.product_id];
    ELSE
        pids := ARRAY[NEW.product_id];
    END IF;
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
           IS DISTINCT FROM (r.price_amount, r.compare_at_amount, r.in_stock);
    RETURN NULL;
END
$$;

-- Repair: only the products whose stored values differ from a recomputation are written.
-- Prices only of products that have variants: nothing else says what a price should be.
SELECT products_category_ids_refresh(ARRAY(
    WITH RECURSIVE anc(product_id, id) AS (
        SELECT product_id, category_id FROM product_categories
        UNION
        SELECT anc.product_id, c.parent_id FROM anc JOIN categories c ON c.id = anc.id
         WHERE c.parent_id IS NOT NULL)
    SELECT p.id FROM products p
      LEFT JOIN (SELECT product_id, array_agg(id ORDER BY id) AS ids FROM anc GROUP BY 1) a
        ON a.product_id = p.id
     WHERE p.category_ids IS DISTINCT FROM coalesce(a.ids, '{}')));

UPDATE products p
   SET price_amount = r.price_amount, compare_at_amount = r.compare_at_amount,
       in_stock = r.in_stock, updated_at = now()
  FROM (SELECT p2.id,
               coalesce(min(v.price_amount), 0) AS price_amount,
               (SELECT v2.compare_at_amount FROM product_variants v2
                 WHERE v2.product_id = p2.id AND v2.active
                 ORDER BY v2.price_amount, v2.id LIMIT 1) AS compare_at_amount,
               coalesce(bool_or(v.stock > 0), false) AS in_stock
          FROM products p2
          LEFT JOIN product_variants v ON v.product_id = p2.id AND v.active
         WHERE EXISTS (SELECT 1 FROM product_variants v3 WHERE v3.product_id = p2.id)
         GROUP BY p2.id) r
 WHERE p.id = r.id
   AND (p.price_amount, p.compare_at_amount, p.in_stock)
       IS DISTINCT FROM (r.price_amount, r.compare_at_amount, r.in_stock);
