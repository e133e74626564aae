-- schema/queries/admin_catalog.sql — staff catalog management (issue #11, item 1):
-- products, variants, categories and brands under /v1/admin/ (api/service/admin_*.c).
--
-- Every update runs in one transaction that first locks the row (…_lock, FOR UPDATE),
-- checks the caller's If-Match revision against it, merges the change in C and writes
-- the whole row back with the optimistic pattern (revision = revision + 1 WHERE
-- revision = @revision), so two staff members editing one row cannot overwrite each
-- other unseen. The derived catalog data (listing, facets, search postings, lexicon)
-- follow through the triggers of 0011–0013 in the same transaction, so the next public
-- read sees the change. Representations are built here with json_build_object, so the
-- answer stored under an Idempotency-Key and a later GET are the same JSON.

-- --- brands ---------------------------------------------------------------------------

-- ON CONFLICT DO NOTHING: no row back means the slug is taken (a 409 naming it), and a
-- concurrent create of the same slug waits for the other and then finds it taken.
-- name: admin_brand_insert :one
INSERT INTO brands (slug, name, description, logo_url)
VALUES (@slug, @name, @description, @logo_url?)
ON CONFLICT (slug) DO NOTHING
RETURNING id;

-- name: admin_brand_lock :one
SELECT sfgen.embed(brands) FROM brands WHERE id = @id FOR UPDATE;

-- name: admin_brand_slug_taken :one
SELECT 1 AS "one!" FROM brands WHERE slug = @slug AND id <> @id;

-- The brands_renamed trigger (0011) refreshes the search data of its products.
-- name: admin_brand_update :one
UPDATE brands SET slug = @slug, name = @name, description = @description,
       logo_url = @logo_url?, revision = revision + 1
 WHERE id = @id AND (@revision::int = 0 OR revision = @revision::int)
RETURNING revision;

-- name: admin_brand_products :one
SELECT count(*) AS "n!" FROM products WHERE brand_id = @id;

-- name: admin_brand_delete :execrows
DELETE FROM brands WHERE id = @id;

-- name: admin_brand_doc :one
SELECT json_build_object('id', b.id, 'slug', b.slug, 'name', b.name,
                         'description', b.description, 'logo_url', b.logo_url,
                         'revision', b.revision,
                         'created_at', to_char(b.created_at AT TIME ZONE 'UTC',
                                               'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text AS "doc!",
       b.revision
  FROM brands b WHERE b.id = @id;

-- name: admin_brand_id_by_slug :one
SELECT id FROM brands WHERE slug = @slug;

-- name: admin_brand_exists :one
SELECT 1 AS "one!" FROM brands WHERE id = @id;

-- --- categories -----------------------------------------------------------------------

-- name: admin_category_insert :one
INSERT INTO categories (slug, name, description, parent_id, position)
VALUES (@slug, @name, @description, @parent_id?, @position::int)
ON CONFLICT (slug) DO NOTHING
RETURNING id;

-- name: admin_category_lock :one
SELECT sfgen.embed(categories) FROM categories WHERE id = @id FOR UPDATE;

-- name: admin_category_exists :one
SELECT 1 AS "one!" FROM categories WHERE id = @id;

-- Tree moves are serialized by one transaction-scoped advisory lock: two concurrent
-- moves (A under B, B under A) would each pass the cycle check on a snapshot taken
-- before the other committed. Moves are rare staff actions; reads never take it.
-- name: admin_category_tree_lock :one
SELECT pg_advisory_xact_lock(hashtext('storefront.category_tree')) IS NULL AS "locked!";

-- True when @parent_id is @id itself or one of its descendants (walked up from the
-- proposed parent, so the cost is the depth of the tree, not its size).
-- name: admin_category_would_cycle :one
WITH RECURSIVE up AS (
    SELECT c.id, c.parent_id, 1 AS depth FROM categories c WHERE c.id = @parent_id
    UNION ALL
    SELECT c.id, c.parent_id, up.depth + 1 FROM categories c JOIN up ON c.id = up.parent_id
     WHERE up.depth < 1000)
SELECT EXISTS (SELECT 1 FROM up WHERE up.id = @id) AS "cycle!";

-- name: admin_category_slug_taken :one
SELECT 1 AS "one!" FROM categories WHERE slug = @slug AND id <> @id;

-- The categories_moved trigger (0011) refreshes the ancestors of the products below.
-- name: admin_category_update :one
UPDATE categories SET slug = @slug, name = @name, description = @description,
       parent_id = @parent_id?, position = @position::int, revision = revision + 1
 WHERE id = @id AND (@revision::int = 0 OR revision = @revision::int)
RETURNING revision;

-- name: admin_category_children :one
SELECT count(*) AS "n!" FROM categories WHERE parent_id = @id;

-- product_categories rows go with it (ON DELETE CASCADE), and their triggers take the
-- category off its products' listing data.
-- name: admin_category_delete :execrows
DELETE FROM categories WHERE id = @id;

-- name: admin_category_doc :one
SELECT json_build_object('id', c.id, 'slug', c.slug, 'name', c.name,
                         'description', c.description, 'parent_id', c.parent_id,
                         'position', c.position, 'revision', c.revision,
                         'created_at', to_char(c.created_at AT TIME ZONE 'UTC',
                                               'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text AS "doc!",
       c.revision
  FROM categories c WHERE c.id = @id;

-- The requested ids that name no category (a 400 naming category_ids).
-- name: admin_categories_missing :many
SELECT x.id AS "id!" FROM unnest(@ids::bigint[]) AS x(id)
 WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.id = x.id);

-- --- products -------------------------------------------------------------------------

-- name: admin_product_insert :one
INSERT INTO products (slug, name, brand_id, description, status, featured, active, currency)
VALUES (@slug, @name, @brand_id, @description, (@status::text)::product_status,
        @featured::boolean, @active::boolean, @currency)
ON CONFLICT (slug) DO NOTHING
RETURNING id;

-- name: admin_product_lock :one
SELECT sfgen.embed(products) FROM products WHERE id = @id FOR UPDATE;

-- name: admin_product_slug_taken :one
SELECT 1 AS "one!" FROM products WHERE slug = @slug AND id <> @id;

-- Archiving keeps the first archived_at; an archived product is never active (the
-- service refuses active: true while archived).
-- name: admin_product_update :one
UPDATE products SET slug = @slug, name = @name, brand_id = @brand_id,
       description = @description, status = (@status::text)::product_status,
       featured = @featured::boolean, active = @active::boolean AND NOT @archived::boolean,
       archived_at = CASE WHEN @archived::boolean THEN coalesce(archived_at, now()) END,
       updated_at = now(), revision = revision + 1
 WHERE id = @id AND (@revision::int = 0 OR revision = @revision::int)
RETURNING revision;

-- Replacing a product's categories is two statements (prune, then add), each firing
-- the product_categories triggers (0003) that keep products.category_ids and the
-- listing in step.
-- name: admin_product_categories_prune :exec
DELETE FROM product_categories
 WHERE product_id = @id AND NOT (category_id = ANY (@ids::bigint[]));

-- name: admin_product_categories_add :exec
INSERT INTO product_categories (product_id, category_id)
SELECT @id, x FROM unnest(@ids::bigint[]) AS x ORDER BY x
ON CONFLICT DO NOTHING;

-- order_lines reference variants without a cascade: an ordered product stays (archive
-- it instead), so old orders keep a variant to point at.
-- name: admin_product_order_lines :one
SELECT count(*) AS "n!" FROM order_lines ol JOIN product_variants v ON v.id = ol.variant_id
 WHERE v.product_id = @id;

-- Cart lines are not records: deleting a product takes it out of carts.
-- name: admin_product_cart_items_delete :exec
DELETE FROM cart_items ci USING product_variants v
 WHERE v.id = ci.variant_id AND v.product_id = @id;

-- name: admin_product_delete :execrows
DELETE FROM products WHERE id = @id;

-- The staff view of a product: every variant (inactive ones too) with its revision and
-- stock, the brand and the categories.
-- name: admin_product_doc :one
SELECT json_build_object(
         'id', p.id, 'slug', p.slug, 'name', p.name,
         'brand', json_build_object('id', b.id, 'slug', b.slug, 'name', b.name),
         'description', p.description, 'status', p.status, 'featured', p.featured,
         'active', p.active,
         'archived_at', to_char(p.archived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         'currency', p.currency, 'price', p.price_amount, 'compare_at', p.compare_at_amount,
         'in_stock', p.in_stock,
         'categories', (SELECT coalesce(json_agg(json_build_object('id', c.id, 'slug', c.slug,
                                                                   'name', c.name)
                                                 ORDER BY c.id), '[]')
                          FROM product_categories pc JOIN categories c ON c.id = pc.category_id
                         WHERE pc.product_id = p.id),
         'variants', (SELECT coalesce(json_agg(json_build_object(
                                 'id', v.id, 'product_id', v.product_id, 'sku', v.sku,
                                 'name', v.name, 'options', v.options, 'price', v.price_amount,
                                 'compare_at', v.compare_at_amount, 'currency', v.currency,
                                 'stock', v.stock, 'position', v.position, 'active', v.active,
                                 'revision', v.revision,
                                 'created_at', to_char(v.created_at AT TIME ZONE 'UTC',
                                                       'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                                 ORDER BY v.position, v.id), '[]')
                        FROM product_variants v WHERE v.product_id = p.id),
         'revision', p.revision,
         'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
       )::text AS "doc!", p.revision
  FROM products p JOIN brands b ON b.id = p.brand_id
 WHERE p.id = @id;

-- --- variants -------------------------------------------------------------------------

-- The staff member who created the variant is the actor of its 'created' ledger row
-- (0014's trigger reads it); transaction-local, like the inventory's own context.
-- name: admin_catalog_stock_context :one
SELECT set_config('storefront.stock_actor', @actor_id::bigint::text, true) AS "actor!";

-- name: admin_variant_insert :one
INSERT INTO product_variants (product_id, sku, name, options, price_amount, compare_at_amount,
                              currency, stock, position, active)
VALUES (@product_id, @sku, @name, @options::jsonb, @price_amount, @compare_at_amount?,
        @currency, @stock::int, @position::int, @active::boolean)
ON CONFLICT (sku) DO NOTHING
RETURNING id;

-- name: admin_variant_lock :one
SELECT sfgen.embed(product_variants) FROM product_variants WHERE id = @id FOR UPDATE;

-- name: admin_variant_sku_taken :one
SELECT 1 AS "one!" FROM product_variants WHERE sku = @sku AND id <> @id;

-- Never touches stock: that changes only through the inventory routes.
-- name: admin_variant_update :one
UPDATE product_variants SET sku = @sku, name = @name, options = @options::jsonb,
       price_amount = @price_amount, compare_at_amount = @compare_at_amount?,
       position = @position::int, active = @active::boolean, revision = revision + 1
 WHERE id = @id AND (@revision::int = 0 OR revision = @revision::int)
RETURNING revision;

-- name: admin_variant_order_lines :one
SELECT count(*) AS "n!" FROM order_lines WHERE variant_id = @id;

-- name: admin_variant_cart_items_delete :exec
DELETE FROM cart_items WHERE variant_id = @id;

-- name: admin_variant_delete :execrows
DELETE FROM product_variants WHERE id = @id;

-- name: admin_variant_doc :one
SELECT json_build_object('id', v.id, 'product_id', v.product_id, 'sku', v.sku,
                         'name', v.name, 'options', v.options, 'price', v.price_amount,
                         'compare_at', v.compare_at_amount, 'currency', v.currency,
                         'stock', v.stock, 'position', v.position, 'active', v.active,
                         'revision', v.revision,
                         'created_at', to_char(v.created_at AT TIME ZONE 'UTC',
                                               'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text AS "doc!",
       v.revision
  FROM product_variants v WHERE v.id = @id;
