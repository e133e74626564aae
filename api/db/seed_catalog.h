/*
 * seed_catalog.h — the sample catalog as data, and its expansion into product rows.
 *
 * Internal to api/db/seed*.c. The hand-written tables (seed_catalog.c) list brands,
 * the category tree and product lines (a family of models from one brand); the
 * expansion (seed_product.c) turns a line × model, or a synthetic product number, into
 * a complete product with variants, images and prices. Everything is derived from
 * hashes of the slug or number, never from rand() or the clock, so every run produces
 * the same rows and `storefront seed` can upsert them idempotently.
 */
#ifndef STOREFRONT_SEED_CATALOG_H
#define STOREFRONT_SEED_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

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
    char name[200];
    char description[640];
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
/* Expands synthetic product number n (>= 1): slug "synthetic-<n>", SKUs "SYN-<n>-<v>",
 * one or two variants, one or two images, modelled on one of the sample lines. */
void seed_product_synthetic(long n, seed_product *p);

/* Number of sample products (sum of models over all lines). */
size_t seed_sample_product_count(void);

/* Bulk-loads synthetic products 1..count with COPY inside the caller's open
 * transaction (seed_bulk.c); products whose slug exists are skipped. Needs the sample
 * brands and categories in place. Returns false after printing one line to stderr;
 * *added receives the number of new products. */
typedef struct db_conn db_conn;
bool seed_bulk_synthetic(db_conn *c, long count, long *added);

#endif
