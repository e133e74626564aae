/*
 * migrations.h — the migrations compiled into the binary.
 *
 * The table is generated at build time by sfgen from schema/migrations/NNNN_*.sql, so
 * a deployed binary carries exactly the schema it was built against.
 */
#ifndef STOREFRONT_MIGRATIONS_H
#define STOREFRONT_MIGRATIONS_H

#include <stddef.h>

typedef struct sf_migration {
    const char *name; /* file name, e.g. "0001_catalog.sql" */
    const char *sql;  /* the file's full text */
    size_t sql_len;
} sf_migration;

/* Sorted by name. */
extern const sf_migration sf_migrations[];
extern const size_t sf_migrations_count;

#endif
