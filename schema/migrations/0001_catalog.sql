-- 0001_catalog: brands, the category tree, products, variants and images.
--
-- This file is the single source of truth for the catalog tables: the ORM generator
-- (schema/gen) reads the CREATE TYPE / CREATE TABLE statements below and emits the C
-- structs and queries. Money is integer minor units plus an ISO 4217 code, never float.

CREATE TYPE product_status AS ENUM ('regular', 'new', 'hot', 'sale');

CREATE TABLE brands (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        varchar(120) NOT NULL,
    description text NOT NULL DEFAULT '',
    logo_url    text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE categories (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id   bigint REFERENCES categories (id) ON DELETE RESTRICT,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        varchar(120) NOT NULL,
    description text NOT NULL DEFAULT '',
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name          varchar(200) NOT NULL,
    brand_id      bigint NOT NULL REFERENCES brands (id) ON DELETE RESTRICT,
    description   text NOT NULL DEFAULT '',
    status        product_status NOT NULL DEFAULT 'regular',
    featured      boolean NOT NULL DEFAULT false,
    active        boolean NOT NULL DEFAULT true,
    -- Denormalised from the active variants by trigger, so list filters and sorts
    -- (price, in stock) are plain indexed columns instead of per-row aggregates.
    price_amount  bigint NOT NULL DEFAULT 0 CHECK (price_amount >= 0),
    compare_at_amount bigint CHECK (compare_at_amount >= 0),
    currency      char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    in_stock      boolean NOT NULL DEFAULT false,
    rating_count  integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_total  integer NOT NULL DEFAULT 0 CHECK (rating_total >= 0),
    search        tsvector,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE product_categories (
    product_id  bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    category_id bigint NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, category_id)
);

CREATE TABLE product_images (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    url         text NOT NULL,
    alt         varchar(300) NOT NULL DEFAULT '',
    position    integer NOT NULL DEFAULT 0
);

CREATE TABLE product_variants (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id        bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku               varchar(64) NOT NULL UNIQUE,
    name              varchar(200) NOT NULL,
    options           jsonb NOT NULL DEFAULT '{}',
    price_amount      bigint NOT NULL CHECK (price_amount >= 0),
    compare_at_amount bigint CHECK (compare_at_amount >= 0),
    currency          char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    stock             integer NOT NULL DEFAULT 0 CHECK (stock >= 0),
    position          integer NOT NULL DEFAULT 0,
    active            boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX categories_parent_idx ON categories (parent_id, position, id);
CREATE INDEX products_brand_idx ON products (brand_id);
CREATE INDEX products_newest_idx ON products (created_at DESC, id DESC) WHERE active;
CREATE INDEX products_price_idx ON products (price_amount, id) WHERE active;
CREATE INDEX products_name_idx ON products (name, id) WHERE active;
CREATE INDEX products_search_idx ON products USING gin (search);
CREATE INDEX product_categories_category_idx ON product_categories (category_id, product_id);
CREATE INDEX product_images_product_idx ON product_images (product_id, position);
CREATE INDEX product_variants_product_idx ON product_variants (product_id, position);

-- The search document spans the brand's name, which a generated column cannot reach,
-- so a trigger builds it: name weighs most, then brand, then description.
CREATE FUNCTION products_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search :=
        setweight(to_tsvector('english', coalesce(NEW.name, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(
            (SELECT b.name FROM brands b WHERE b.id = NEW.brand_id), '')), 'B') ||
        setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C');
    RETURN NEW;
END
$$;

CREATE TRIGGER products_search_trg
    BEFORE INSERT OR UPDATE OF name, description, brand_id ON products
    FOR EACH ROW EXECUTE FUNCTION products_search_refresh();

-- Keeps products.price_amount / compare_at_amount / in_stock equal to what the active
-- variants say. Writes only when a value changes, so stock moves that do not cross zero
-- do not touch the product row.
CREATE FUNCTION product_variants_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pid bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        pid := OLD.product_id;
    ELSE
        pid := NEW.product_id;
    END IF;
    UPDATE products p
       SET price_amount = r.price_amount,
           compare_at_amount = r.compare_at_amount,
           in_stock = r.in_stock,
           updated_at = now()
      FROM (SELECT coalesce(min(v.price_amount), 0) AS price_amount,
                   (SELECT v2.compare_at_amount FROM product_variants v2
                     WHERE v2.product_id = pid AND v2.active
                     ORDER BY v2.price_amount, v2.id LIMIT 1) AS compare_at_amount,
                   coalesce(bool_or(v.stock > 0), false) AS in_stock
              FROM product_variants v
             WHERE v.product_id = pid AND v.active) r
     WHERE p.id = pid
       AND (p.price_amount, p.compare_at_amount, p.in_stock)
           IS DISTINCT FROM (r.price_amount, r.compare_at_amount, r.in_stock);
    RETURN NULL;
END
$$;

CREATE TRIGGER product_variants_rollup_trg
    AFTER INSERT OR UPDATE OR DELETE ON product_variants
    FOR EACH ROW EXECUTE FUNCTION product_variants_rollup();
