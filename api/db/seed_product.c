/*
 * seed_product.c — expands a catalog line × model into a full product: name, slug,
 * description, status, variants with SKUs, prices and stock, images, and the
 * created_at offset. The listing and variant halves are shared with the synthetic
 * catalog (seed_synthetic.c).
 *
 * Every choice comes from a hash of the slug (or of the synthetic number) mixed with a
 * per-purpose salt, so runs are identical on every machine and a re-run of the seed
 * reproduces exactly the same rows. The distributions aim at a shop that exercises
 * the API: about 12% on sale, 10% new (created in the last 30 days), 10% hot, some
 * featured, about 7% of products entirely out of stock and some variants at 1–5 units.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "seed_catalog.h"

/* One option of a variant table. Keys and values are our literals: plain text that
 * needs no JSON escaping. */
typedef struct variant_option {
    const char *label; /* variant name, also listed in the description */
    const char *key1, *val1, *key2, *val2;
    int price_pct;    /* of the model price; 0 = 100 */
    long price_add;   /* cents added after the percentage */
    const char *code; /* last part of a synthetic SKU: letters and digits only */
} variant_option;

typedef struct kind_table {
    const char *summary; /* description sentence prefix */
    int count;
    variant_option options[4];
} kind_table;

static const kind_table kinds[SEED_KIND_COUNT] = {
    [SEED_LAPTOP] = {"Configurations",
                     4,
                     {{"16GB RAM / 512GB SSD", "ram", "16GB", "storage", "512GB", 0, 0, "16G512"},
                      {"16GB RAM / 1TB SSD", "ram", "16GB", "storage", "1TB", 0, 10000, "16G1T"},
                      {"32GB RAM / 1TB SSD", "ram", "32GB", "storage", "1TB", 0, 30000, "32G1T"},
                      {"32GB RAM / 2TB SSD", "ram", "32GB", "storage", "2TB", 0, 50000, "32G2T"}}},
    [SEED_DESKTOP] = {"Configurations",
                      4,
                      {{"32GB RAM / 1TB SSD", "ram", "32GB", "storage", "1TB", 0, 0, "32G1T"},
                       {"32GB RAM / 2TB SSD", "ram", "32GB", "storage", "2TB", 0, 15000, "32G2T"},
                       {"64GB RAM / 2TB SSD", "ram", "64GB", "storage", "2TB", 0, 35000, "64G2T"},
                       {"64GB RAM / 4TB SSD", "ram", "64GB", "storage", "4TB", 0, 60000, "64G4T"}}},
    [SEED_COLOUR] = {"Colours",
                     4,
                     {{"Black", "colour", "Black", NULL, NULL, 0, 0, "BLK"},
                      {"White", "colour", "White", NULL, NULL, 0, 0, "WHT"},
                      {"Graphite", "colour", "Graphite", NULL, NULL, 0, 0, "GRY"},
                      {"Midnight Blue", "colour", "Midnight Blue", NULL, NULL, 0, 500, "NVY"}}},
    [SEED_SWITCH] = {"Switches",
                     4,
                     {{"Red linear", "switch", "Red linear", NULL, NULL, 0, 0, "RED"},
                      {"Brown tactile", "switch", "Brown tactile", NULL, NULL, 0, 0, "BRN"},
                      {"Blue clicky", "switch", "Blue clicky", NULL, NULL, 0, 0, "BLU"},
                      {"Silver speed", "switch", "Silver speed", NULL, NULL, 0, 1000, "SLV"}}},
    [SEED_SSD] = {"Capacities",
                  4,
                  {{"500GB", "capacity", "500GB", NULL, NULL, 100, 0, "500G"},
                   {"1TB", "capacity", "1TB", NULL, NULL, 160, 0, "1T"},
                   {"2TB", "capacity", "2TB", NULL, NULL, 280, 0, "2T"},
                   {"4TB", "capacity", "4TB", NULL, NULL, 520, 0, "4T"}}},
    [SEED_HDD] = {"Capacities",
                  4,
                  {{"2TB", "capacity", "2TB", NULL, NULL, 100, 0, "2T"},
                   {"4TB", "capacity", "4TB", NULL, NULL, 150, 0, "4T"},
                   {"8TB", "capacity", "8TB", NULL, NULL, 240, 0, "8T"},
                   {"16TB", "capacity", "16TB", NULL, NULL, 400, 0, "16T"}}},
    [SEED_FLASH] = {"Capacities",
                    4,
                    {{"64GB", "capacity", "64GB", NULL, NULL, 100, 0, "64G"},
                     {"128GB", "capacity", "128GB", NULL, NULL, 140, 0, "128G"},
                     {"256GB", "capacity", "256GB", NULL, NULL, 220, 0, "256G"},
                     {"512GB", "capacity", "512GB", NULL, NULL, 380, 0, "512G"}}},
    [SEED_STAND] = {"Stand options",
                    3,
                    {{"Standard stand", "stand", "standard", NULL, NULL, 0, 0, "STD"},
                     {"Height-adjustable stand", "stand", "height-adjustable", NULL, NULL, 0, 3000,
                      "HAS"},
                     {"VESA mount, no stand", "stand", "none", NULL, NULL, 0, -1000, "VESA"}}},
    [SEED_PACK] = {"Packs",
                   3,
                   {{"1-pack", "pack", "1", NULL, NULL, 100, 0, "1PK"},
                    {"2-pack", "pack", "2", NULL, NULL, 180, 0, "2PK"},
                    {"3-pack", "pack", "3", NULL, NULL, 250, 0, "3PK"}}},
    [SEED_LENGTH] = {"Lengths",
                     3,
                     {{"1 m", "length", "1 m", NULL, NULL, 0, 0, "1M"},
                      {"2 m", "length", "2 m", NULL, NULL, 0, 400, "2M"},
                      {"3 m", "length", "3 m", NULL, NULL, 0, 700, "3M"}}},
    [SEED_PLUG] = {"Plugs",
                   3,
                   {{"US plug", "plug", "US", NULL, NULL, 0, 0, "US"},
                    {"EU plug", "plug", "EU", NULL, NULL, 0, 0, "EU"},
                    {"UK plug", "plug", "UK", NULL, NULL, 0, 0, "UK"}}},
};

enum { SALT_STATUS = 1, SALT_FEATURED, SALT_AGE, SALT_VARIANTS, SALT_IMAGES, SALT_OOS, SALT_STOCK };

static uint64_t hash_str(const char *s);
static void slugify(const char *in, char *out, size_t cap);
static const seed_brand *brand_by_slug(const char *slug);
static void append_summary(seed_product *p, const kind_table *k);

void seed_product_sample(const seed_line *line, const seed_model *model, seed_product *p)
{
    memset(p, 0, sizeof *p);
    const seed_brand *b = brand_by_slug(line->brand);
    snprintf(p->name, sizeof p->name, "%s%s%s%s%s %s", b ? b->short_name : line->brand,
             *line->family ? " " : "", line->family, *model->suffix ? " " : "", model->suffix,
             line->noun);
    slugify(p->name, p->slug, sizeof p->slug);
    int len = snprintf(p->description, sizeof p->description, "%s %s.", line->tagline, model->spec);
    /* Specs are written as list fragments ("mini-ITX case, ..."): start a sentence. */
    size_t at = strlen(line->tagline) + 1;
    if (len > 0 && at < sizeof p->description && p->description[at] >= 'a' &&
        p->description[at] <= 'z')
        p->description[at] = (char)(p->description[at] - 'a' + 'A');
    uint64_t h = hash_str(p->slug);
    char sku_prefix[32];
    snprintf(sku_prefix, sizeof sku_prefix, "%s-%08X", b ? b->sku_code : "XXX",
             (unsigned)(h & 0xffffffffu));
    p->brand = line->brand;
    p->categories[p->ncategories++] = line->categories[0];
    if (line->categories[1])
        p->categories[p->ncategories++] = line->categories[1];
    seed_fill_listing(p, h, SEED_MAX_IMAGES);
    int count = kinds[line->kind].count;
    seed_fill_variants(p, h, line->kind, model->price,
                       1 + (int)(seed_mix(h, SALT_VARIANTS) % (uint64_t)count), 0, sku_prefix,
                       false);
}

size_t seed_sample_product_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < seed_lines_count; i++)
        for (int m = 0; m < SEED_MAX_MODELS && seed_lines[i].models[m].suffix; m++)
            n++;
    return n;
}

uint64_t seed_mix(uint64_t x, uint64_t salt)
{
    uint64_t z = x + salt * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Shop prices end in .99 ($1,103.99, $44.99) unless already a round price ($1,299.00);
 * tiny amounts stay as they are. */
long seed_round_price(long cents)
{
    if (cents < 200)
        return cents > 0 ? cents : 1;
    if (cents % 100 == 0 || cents % 100 == 99)
        return cents;
    return (cents + 50) / 100 * 100 - 1;
}

int seed_kind_options(seed_kind kind)
{
    return kinds[kind].count;
}

void seed_fill_listing(seed_product *p, uint64_t h, int max_images)
{
    uint64_t pct = seed_mix(h, SALT_STATUS) % 100;
    p->status = pct < 12 ? "sale" : pct < 22 ? "new" : pct < 32 ? "hot" : "regular";
    p->featured = seed_mix(h, SALT_FEATURED) % 9 == 0;
    /* "new" means new: those arrived in the last 30 days, the rest over the year
     * before, so sorting by newest and the status badge agree. */
    uint64_t a = seed_mix(h, SALT_AGE);
    p->age_minutes = strcmp(p->status, "new") == 0 ? (long)(60 + a % (30 * 1440 - 60))
                                                   : (long)(30 * 1440 + a % (335 * 1440));

    p->nimages = 1 + (int)(seed_mix(h, SALT_IMAGES) % (uint64_t)max_images);
    static const char *const views[] = {"front view", "side view", "detail"};
    for (int i = 0; i < p->nimages; i++) {
        /* Via locals: gcc's -Wrestrict cannot tell p->slug from p->image_url[i]. */
        char url[sizeof p->image_url[0]], alt[sizeof p->image_alt[0]];
        snprintf(url, sizeof url, "https://images.storefront.example/products/%s-%d.jpg", p->slug,
                 i + 1);
        snprintf(alt, sizeof alt, "%s, %s", p->name, views[i]);
        memcpy(p->image_url[i], url, sizeof url);
        memcpy(p->image_alt[i], alt, sizeof alt);
    }
}

void seed_fill_variants(seed_product *p, uint64_t h, seed_kind kind, long base_price, int nvariants,
                        int first, const char *sku_prefix, bool sku_codes)
{
    const kind_table *k = &kinds[kind];
    bool sale = strcmp(p->status, "sale") == 0;
    bool sold_out = seed_mix(h, SALT_OOS) % 14 == 0;
    if (nvariants > k->count)
        nvariants = k->count;
    p->nvariants = nvariants;
    for (int v = 0; v < nvariants; v++) {
        const variant_option *o = &k->options[(first + v) % k->count];
        seed_variant *sv = &p->variants[v];
        if (sku_codes)
            snprintf(sv->sku, sizeof sv->sku, "%s-%s", sku_prefix, o->code);
        else
            snprintf(sv->sku, sizeof sv->sku, "%s-%d", sku_prefix, v + 1);
        snprintf(sv->name, sizeof sv->name, "%s", o->label);
        if (o->key2)
            snprintf(sv->options, sizeof sv->options, "{\"%s\": \"%s\", \"%s\": \"%s\"}", o->key1,
                     o->val1, o->key2, o->val2);
        else
            snprintf(sv->options, sizeof sv->options, "{\"%s\": \"%s\"}", o->key1, o->val1);
        long price = base_price * (o->price_pct ? o->price_pct : 100) / 100 + o->price_add;
        price = v == 0 ? base_price : seed_round_price(price);
        if (sale) {
            /* A sale is 15% off the list price, which stays visible as compare-at. */
            sv->compare_at = price;
            price = seed_round_price(price * 85 / 100);
        }
        sv->price = price;
        uint64_t s = seed_mix(h, SALT_STOCK + (uint64_t)v * 131);
        sv->stock = sold_out      ? 0
                    : s % 10 == 0 ? 0
                    : s % 10 == 1 ? 1 + (int)(s / 10 % 5)
                                  : 8 + (int)(s / 10 % 240);
        /* Mirror the rollup trigger: cheapest variant's price and compare-at (ties go
         * to the lower position, as the trigger orders by price, id). */
        if (v == 0 || sv->price < p->price) {
            p->price = sv->price;
            p->compare_at = sv->compare_at;
        }
        p->in_stock = p->in_stock || sv->stock > 0;
    }
    append_summary(p, k);
}

/* --- static helpers --------------------------------------------------------------- */

static uint64_t hash_str(const char *s) /* FNV-1a */
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* Lower-case ASCII letters and digits, everything else collapses into one '-'; the
 * result matches the slug CHECK constraint for any input with at least one alnum. */
static void slugify(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    bool dash = false;
    for (; *in && n + 2 < cap; in++) {
        char ch = *in;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            if (dash && n > 0)
                out[n++] = '-';
            out[n++] = ch;
            dash = false;
        } else {
            dash = true;
        }
    }
    out[n] = '\0';
}

static const seed_brand *brand_by_slug(const char *slug)
{
    for (size_t i = 0; i < seed_brands_count; i++)
        if (strcmp(seed_brands[i].slug, slug) == 0)
            return &seed_brands[i];
    return NULL;
}

static void append_summary(seed_product *p, const kind_table *k)
{
    size_t n = strlen(p->description);
    n += (size_t)snprintf(p->description + n, sizeof p->description - n, " %s: ", k->summary);
    for (int v = 0; v < p->nvariants && n < sizeof p->description; v++)
        n += (size_t)snprintf(p->description + n, sizeof p->description - n, "%s%s", v ? ", " : "",
                              p->variants[v].name);
    if (n + 1 < sizeof p->description)
        strcat(p->description, ".");
}
