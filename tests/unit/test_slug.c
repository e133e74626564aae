/*
 * test_slug.c — the slugs staff get when they send none (svc_slugify) and the check of
 * the ones they send (svc_slug_valid): what a URL of the storefront will say.
 */
#include <string.h>

#include "check.h"
#include "storefront/admin_catalog.h"

static void test_slugify(arena *a)
{
    CHECK_STR(svc_slugify(a, "Logitech MX Master 3S"), "logitech-mx-master-3s");
    CHECK_STR(svc_slugify(a, "  --Hello,   World!--  "), "hello-world");
    CHECK_STR(svc_slugify(a, "Crème Brûlée Ñandú"), "creme-brulee-nandu");
    CHECK_STR(svc_slugify(a, "Straße Œuvre Łódź Ærø"), "strasse-ouvre-lodz-aero");
    CHECK_STR(svc_slugify(a, "USB\xe2\x80\x91"
                             "C 2\xc3\x97 Hub"),
              "usb-c-2-hub"); /* U+2011, U+00D7 */
    CHECK_STR(svc_slugify(a, "東京 Keyboard"), "keyboard");
    CHECK(svc_slugify(a, "!!! ???") == NULL);
    CHECK(svc_slugify(a, "東京") == NULL);
    CHECK(svc_slugify(a, "") == NULL);
    char long_name[300];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    long_name[99] = ' '; /* a cut right after a separator leaves no trailing dash */
    char *s = svc_slugify(a, long_name);
    CHECK(s && strlen(s) == 99 && s[98] == 'a');
    CHECK(svc_slug_valid(svc_slugify(a, "Crème Brûlée Ñandú")));
}

static void test_slug_valid(void)
{
    CHECK(svc_slug_valid("a"));
    CHECK(svc_slug_valid("gaming-laptops-2"));
    CHECK(!svc_slug_valid(""));
    CHECK(!svc_slug_valid("-a"));
    CHECK(!svc_slug_valid("a-"));
    CHECK(!svc_slug_valid("a--b"));
    CHECK(!svc_slug_valid("A"));
    CHECK(!svc_slug_valid("a b"));
    char s[102];
    memset(s, 'x', 101);
    s[101] = '\0';
    CHECK(!svc_slug_valid(s));
    s[100] = '\0';
    CHECK(svc_slug_valid(s));
}

int main(void)
{
    arena *a = arena_new(4096);
    test_slugify(a);
    test_slug_valid();
    arena_free(a);
    return check_done();
}
