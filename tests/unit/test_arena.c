/*
 * test_arena.c — the per-request allocator: alignment, growth past the first block,
 * big allocations, reset.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "storefront/arena.h"

int main(void)
{
    arena *a = arena_new(64);
    for (int i = 0; i < 1000; i++) {
        char *p = arena_alloc(a, (size_t)(i % 37) + 1);
        CHECK(((uintptr_t)p % 16) == 0);
        memset(p, 'x', (size_t)(i % 37) + 1);
    }
    char *big = arena_calloc(a, 1 << 20);
    CHECK(big[0] == 0 && big[(1 << 20) - 1] == 0);
    CHECK_STR(arena_sprintf(a, "%s-%d", "sku", 42), "sku-42");
    CHECK_STR(arena_strndup(a, "abcdef", 3), "abc");
    CHECK(arena_strdup(a, NULL) == NULL);
    arena_reset(a);
    CHECK_STR(arena_strdup(a, "after reset"), "after reset");
    arena_free(a);
    arena_free(NULL);
    return check_done();
}
