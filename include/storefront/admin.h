/*
 * admin.h — operator commands that change the database itself: `storefront migrate`
 * and `storefront seed`.
 *
 * Both open their own connection from a conninfo (libpq URL or key=value string), run
 * to completion and close it; they are meant for the CLI and for tests, never for a
 * request path. Progress lines go to `out` (NULL = stdout), failures to stderr as one
 * line that names what failed. Both are safe to run concurrently with themselves and
 * with a serving API: each takes a PostgreSQL advisory lock, so a second run waits for
 * the first and then finds nothing left to do.
 */
#ifndef STOREFRONT_ADMIN_H
#define STOREFRONT_ADMIN_H

#include <stdio.h>

/* Applies the migrations compiled into the binary (sf_migrations[], name order) that
 * the database has not applied yet, each in its own transaction together with its
 * schema_migrations row (name, hex SHA-256 checksum, applied_at).
 *
 * Refuses to do anything, and returns non-zero, when the database disagrees with the
 * binary: an applied migration whose checksum differs from the compiled file (someone
 * edited a migration after it shipped), or an applied migration the binary does not
 * know (the binary is older than the database). Prints one line per applied migration,
 * or "database is up to date". Returns 0 on success, non-zero on any failure; a failed
 * migration is rolled back completely and the ones before it stay applied. */
int sf_migrate(const char *conninfo, FILE *out);

/* Loads the sample catalog (brands, a category tree, a few hundred products with
 * variants, images and categories) in one transaction. Idempotent: rows are upserted
 * by slug / SKU, so a second run changes nothing and keeps every id; a run after
 * someone edited sample rows restores them.
 *
 * synthetic_products > 0 additionally bulk-loads that many generated products
 * (slugs "synthetic-<n>", n = 1..synthetic_products, shaped like a shop's catalog: see
 * api/db/seed_synthetic.c) in the same transaction, for load tests, facets, search and
 * pagination at scale; products that already exist are skipped, so re-running with
 * the same or a smaller count adds nothing and a larger count adds only the
 * difference. 0 = the sample catalog only; negative is an error. The database must be
 * migrated first. Returns 0 on success, non-zero on failure (nothing is left
 * half-loaded). */
int sf_seed(const char *conninfo, long synthetic_products, FILE *out);

#endif
