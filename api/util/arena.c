/*
 * arena.c — per-request bump allocator (see include/storefront/arena.h).
 *
 * Blocks form a singly linked list; a request typically fits in the first 8 KiB block,
 * so the common case is one malloc per request and one free at the end.
 */
#include "storefront/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN         16
#define ARENA_DEFAULT_BLOCK 8192

typedef struct arena_block {
    struct arena_block *next;
    size_t cap, used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} arena_block;

struct arena {
    arena_block *head; /* current block, newest first */
    arena_block *first;
    size_t block_size;
};

static arena_block *block_new(size_t cap);

static arena_block *block_new(size_t cap)
{
    arena_block *b = malloc(sizeof *b + cap);
    if (!b) {
        fputs("arena: out of memory\n", stderr);
        abort();
    }
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

arena *arena_new(size_t first_block)
{
    arena *a = malloc(sizeof *a);
    if (!a) {
        fputs("arena: out of memory\n", stderr);
        abort();
    }
    a->block_size = first_block ? first_block : ARENA_DEFAULT_BLOCK;
    a->first = a->head = block_new(a->block_size);
    return a;
}

void arena_free(arena *a)
{
    if (!a)
        return;
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void arena_reset(arena *a)
{
    arena_block *b = a->head;
    while (b && b != a->first) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = a->first;
    a->first->next = NULL;
    a->first->used = 0;
}

void *arena_alloc(arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need == 0)
        need = ARENA_ALIGN;
    arena_block *b = a->head;
    if (b->cap - b->used < need) {
        /* Big requests get a block of their own; small ones a fresh standard block,
         * doubling so a request that builds a large body does not malloc per row. */
        size_t cap = a->block_size;
        while (cap < need)
            cap *= 2;
        if (cap < b->cap * 2 && need <= b->cap * 2)
            cap = b->cap * 2;
        b = block_new(cap);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

void *arena_calloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vsprintf(arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return arena_strdup(a, "");
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_sprintf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vsprintf(a, fmt, ap);
    va_end(ap);
    return p;
}
