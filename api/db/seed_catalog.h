/*
 * seed_catalog.h — the sample catalog as data, and its expansion into product rows.
 *
 * Internal to api/db/seed*.c. The hand-written tables (seed_catalog.c) list brands,
 * the category tree and product lines (a family of models from one brand); the
 * expansion (seed_product.c) turns a line × model into a complete product with
 * variants, images and prices. The synthetic catalog of `seed --products N`
 * (seed_synthetic.c) has its own vocabulary and extra brands, and turns a product
 * number into a product of the same shape. Everything is derived from hashes of the
 * slug or number, never from rand() or the clock, so every run produces the same rows
 * and `storefront seed` can upsert them idempotently.
 */
#ifndef STOREFRONT_SEED_CATALOG_H
#define STOREFRONT_SEED_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a line's variants differ in; each kind has a table of up to 4 options. */
typedef enum seed_kind {
    SEED_LAPTOP,  /* RAM / SSD configurations */
    SEED_DESKTOP, /* RAM / SSD configurations, larger */
    SEED_COLOUR,
    SEED_SWITCH, /* mechanical switch type */
    SEED_SSD,    /* capacity 500GB..4TB */
    SEED_HDD,    /* capacity 2TB..16TB */
    SEED_FLASH,  /* capacity 64GB..512GB */
    SEED_STAND,  /* monitor stand */
    SEED_PACK,   /* mesh nodes per box */
    SEED_LENGTH, /* cable length */
    SEED_PLUG,   /* mains plug */
    SEED_KIND_COUNT
} seed_kind;

typedef struct seed_brand {
    const char *slug, *name, *short_name;
    const char *sku_code; /* three letters, prefix of every SKU of the brand */
    const char *description;
} seed_brand;

typedef struct seed_category {
    const char *slug;
    const char *parent; /* slug, NULL for a root; parents come before children */
    const char *name, *description;
    int position; /* order among siblings */
} seed_category;

typedef struct seed_model {
    const char *suffix; /* "14 Pro"; "" when the family name is enough */
    const char *spec;   /* key specs, a sentence without the final period */
    long price;         /* cheapest variant, USD cents */
} seed_model;

#define SEED_MAX_MODELS 7

typedef struct seed_line {
    const char *brand;         /* brand slug */
    const char *family;        /* "Aero"; "" for none */
    const char *noun;          /* "Ultrabook", ends the product name */
    const char *tagline;       /* first sentence of every description */
    const char *categories[2]; /* slugs; the second may be NULL */
    seed_kind kind;
    seed_model models[SEED_MAX_MODELS]; /* ends at the first NULL suffix */
} seed_line;

extern const seed_brand seed_brands[];
extern const size_t seed_brands_count;
extern const seed_category seed_categories[];
extern const size_t seed_categories_count;
extern const seed_line seed_lines[];
extern const size_t seed_lines_count;

/* One product, fully expanded. Fixed-size buffers: the inputs are our own tables. */
#define SEED_MAX_VARIANTS 4
#define SEED_MAX_IMAGES   3

typedef struct seed_variant {
    char sku[64];
    char name[64];
    char options[160]; /* a JSON object */
    long price;
    long compare_at; /* 0 = none */
    int stock;
} seed_variant;

typedef struct seed_product {
    char slug[160];
    char name[200]; /* bytes, UTF-8; products.name holds 200 characters */
    char description[1024];
    const char *brand;  /* brand slug */
    const char *status; /* product_status: regular, new, hot, sale */
    bool featured;
    long age_minutes; /* created_at = start of today (UTC) - age */
    int ncategories;
    const char *categories[2];
    int nimages;
    char image_url[SEED_MAX_IMAGES][224];
    char image_alt[SEED_MAX_IMAGES][240];
    int nvariants;
    seed_variant variants[SEED_MAX_VARIANTS];
    /* What the product_variants rollup trigger will compute; the bulk loader writes
     * these up front so the trigger finds nothing to change. */
    long price, compare_at;
    bool in_stock;
} seed_product;

/* Expands model `model` of line `line` into a sample product. */
void seed_product_sample(const seed_line *line, const seed_model *model, seed_product *p);
/* Expands synthetic product number n (>= 1), see seed_synthetic.c: slug
 * "synthetic-<n>", a name such as "Tenko K8 Pro Mechanical Keyboard", SKUs such as
 * "TNK-K8P-2LKC-BRN" (brand, model, n in base 36, variant), one to three variants,
 * one or two images, in a leaf category picked with Zipf-like weights. */
void seed_product_synthetic(long n, seed_product *p);

/* Brands only the synthetic catalog uses; `seed --products N` upserts them. */
extern const seed_brand seed_synthetic_brands[];
extern const size_t seed_synthetic_brands_count;

/* Shared by the two expansions (seed_product.c). */

/* splitmix64 finaliser over x mixed with salt: cheap, neighbouring inputs land far apart. */
uint64_t seed_mix(uint64_t x, uint64_t salt);
/* Shop prices end in .99 unless already round; see seed_product.c. */
long seed_round_price(long cents);
/* Status, featured, created_at offset and 1..max_images images (URLs from the slug,
 * alt texts from the name), all chosen by hash h. */
void seed_fill_listing(seed_product *p, uint64_t h, int max_images);
/* nvariants variants of `kind` starting at option `first` (wrapping), the first at
 * base_price; stock and the sale's compare-at price chosen by hash h; the product's
 * price columns as the rollup trigger computes them; the options summary appended to
 * the description. SKUs are "<sku_prefix>-<position + 1>" or, with sku_codes,
 * "<sku_prefix>-<option code>" ("BLK", "16G512", "1T"). */
void seed_fill_variants(seed_product *p, uint64_t h, seed_kind kind, long base_price, int nvariants,
                        int first, const char *sku_prefix, bool sku_codes);
/* Options in a variant table of `kind`. */
int seed_kind_options(seed_kind kind);

/* Number of sample products (sum of models over all lines). */
size_t seed_sample_product_count(void);

/* Bulk-loads synthetic products 1..count with COPY inside the caller's open
 * transaction (seed_bulk.c), 100,000 at a time; products whose slug exists are
 * skipped. Needs the sample categories and all brands (sample and synthetic) in place.
 * Returns false after printing one line to stderr; *added receives the number of new
 * products. */
typedef struct db_conn db_conn;
bool seed_bulk_synthetic(db_conn *c, long count, long *added);

#endif
