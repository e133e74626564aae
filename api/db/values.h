/*
 * values.h — parsing PostgreSQL's one-dimensional array text form into the arena, for
 * pool.c's db_get_*_array. Private to api/db/. 1 = parsed, -1 = malformed (a NULL
 * element in an int array is malformed: the generated types have no place for it).
 */
#ifndef STOREFRONT_DB_VALUES_H
#define STOREFRONT_DB_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "storefront/arena.h"

int db_parse_text_array(arena *a, const char *s, char ***v, size_t *n);
int db_parse_int64_array(arena *a, const char *s, int64_t **v, size_t *n);

#endif
