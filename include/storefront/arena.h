/*
 * arena.h — per-request bump allocator.
 *
 * Every request owns one arena (attached to the Ulfius request and freed when the
 * response is done); service and db code allocate results there, so nothing returned
 * from those layers is freed individually. Allocations are 16-byte aligned. Allocation
 * failure aborts: a server that cannot get a few KiB cannot answer anyway.
 */
#ifndef STOREFRONT_ARENA_H
#define STOREFRONT_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena;

/* New arena whose first block holds `first_block` bytes (0 = default 8 KiB). */
arena *arena_new(size_t first_block);
/* Frees every block; NULL is a no-op. */
void arena_free(arena *a);
/* Forgets every allocation but keeps the first block, for reuse. */
void arena_reset(arena *a);

void *arena_alloc(arena *a, size_t n);                  /* uninitialised */
void *arena_calloc(arena *a, size_t n);                 /* zeroed */
char *arena_strdup(arena *a, const char *s);            /* NULL -> NULL */
char *arena_strndup(arena *a, const char *s, size_t n); /* always NUL-terminated */
char *arena_sprintf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vsprintf(arena *a, const char *fmt, va_list ap);

#endif
