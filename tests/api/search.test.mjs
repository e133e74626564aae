// search.test.mjs — the search box: GET /v1/products?q= (typo correction, prefixes,
// normalisation, model numbers, SKUs, relevance tiers, facets) and
// GET /v1/search/suggestions, with every 4xx of the latter.
//
// Black-box and read-only: other suites use the same seeded catalog in parallel, so
// nothing here writes to it. The query strings are what a shopper would type; what
// they must find is derived from the catalog as the API lists it (names, brands,
// categories, SKUs from product detail) and from the documented matching rules, never
// from a remembered result.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './lib/client.mjs';
import {
  assertProblem, assertConditionalGet, flattenTree, listAllProducts, listProducts, qs, uniqueIds,
} from './lib/helpers.mjs';

let universe; // every active product (limit=100 walk)
let brands; // GET /v1/brands
let categories; // every node of GET /v1/categories

before(async () => {
  universe = (await listAllProducts({ limit: 100 })).items;
  brands = (await api('GET', '/v1/brands')).body.items;
  categories = flattenTree((await api('GET', '/v1/categories')).body.items).map(({ node }) => node);
});

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Whether text has a word starting with prefix (case-insensitive). */
const hasWordStarting = (text, prefix) => new RegExp(`(^|[^a-z0-9])${escape(prefix)}`, 'i').test(text);
/** Name and brand: what the middle relevance tier and product suggestions match on. */
const nameAndBrand = (p) => `${p.name} ${p.brand.name}`;

/** Every match of q in page order (relevance unless params say otherwise). */
async function search(q, params = {}) {
  const { items } = await listAllProducts({ q, limit: 100, ...params });
  uniqueIds(items, `q=${q}`);
  return items;
}

const ids = (items) => items.map((p) => p.id);

/**
 * Asserts that the items satisfying `first` all come before those that do not (a
 * relevance tier boundary), and that at least one does.
 */
function assertRankedFirst(items, first, what) {
  const boundary = items.findIndex((p) => !first(p));
  assert.ok(boundary !== 0, `${what}: the first result ${items[0]?.name} should be in the top tier`);
  if (boundary < 0) return;
  const late = items.slice(boundary).find(first);
  assert.equal(late, undefined, `${what}: ${late?.name} ranks below ${items[boundary].name}`);
}

/** The catalog products whose name or brand has a word starting with prefix. */
const catalogWith = (prefix) => universe.filter((p) => hasWordStarting(nameAndBrand(p), prefix));

function assertIncludesAll(items, expected, what) {
  const got = new Set(ids(items));
  for (const p of expected) assert.ok(got.has(p.id), `${what} misses ${p.name}`);
}

// --- GET /v1/products?q= ------------------------------------------------------------

for (const [typo, word] of [['keybord', 'keyboard'], ['laptp', 'laptop'], ['mechanicl', 'mechanical']]) {
  test(`a typo of 4+ letters is corrected to the catalog's word: ${typo} finds ${word}`, async () => {
    const named = catalogWith(word);
    assert.ok(named.length > 0, `the catalog has no product named with "${word}"`);
    const [fixed, spelled] = await Promise.all([search(typo), search(word)]);
    assert.ok(fixed.length > 0, `q=${typo} found nothing`);
    assert.deepEqual(ids(fixed), ids(spelled), `q=${typo} must list exactly what q=${word} lists`);
    assertIncludesAll(fixed, named, `q=${typo}`);
    // Matches in the description only (a laptop's "backlit keyboard") come after.
    assertRankedFirst(fixed, (p) => hasWordStarting(nameAndBrand(p), word), `q=${typo}`);
  });
}

test('the last word also matches as a prefix: mech finds mechanical, quill finds Quillkey', async () => {
  for (const prefix of ['mech', 'quill']) {
    const named = catalogWith(prefix);
    assert.ok(named.length > 0, `the catalog has no name or brand with a word starting "${prefix}"`);
    const found = await search(prefix);
    assertIncludesAll(found, named, `q=${prefix}`);
    assertRankedFirst(found, (p) => hasWordStarting(nameAndBrand(p), prefix), `q=${prefix}`);
  }
  // "quill" is a prefix of a brand: that brand's products are all found.
  const brand = brands.find((b) => hasWordStarting(b.name, 'quill'));
  assert.ok(brand, 'no brand name starts with Quill');
  const found = new Set(ids(await search('quill')));
  for (const p of universe.filter((x) => x.brand.slug === brand.slug)) {
    assert.ok(found.has(p.id), `q=quill misses ${p.name} of ${brand.name}`);
  }
});

test('case, accents and joining marks do not matter (wifi, usb c)', async () => {
  const wifi = await search('wifi');
  assert.ok(wifi.some((p) => p.name.includes('Wi-Fi')), 'q=wifi finds no product named Wi-Fi');
  assertIncludesAll(wifi, universe.filter((p) => p.name.includes('Wi-Fi')), 'q=wifi');
  for (const q of ['Wi-Fi', 'WIFI', 'wí-fí', 'Wi.Fi']) {
    assert.deepEqual(ids(await search(q)), ids(wifi), `q=${q} must list what q=wifi lists`);
  }

  const named = universe.filter((p) => p.name.includes('USB-C'));
  assert.ok(named.length > 0, 'the catalog has no product named USB-C');
  const apart = await search('usb c');
  assertIncludesAll(apart, named, 'q=usb c');
  const joined = await search('usb-c');
  assertIncludesAll(joined, named, 'q=usb-c');
  for (const q of ['USB-C', 'usbc', 'Usb/C']) {
    assert.deepEqual(ids(await search(q)), ids(joined), `q=${q} must list what q=usb-c lists`);
  }

  const keyboard = await search('keyboard');
  for (const q of ['KEYBOARD', 'Kéybòard']) {
    assert.deepEqual(ids(await search(q)), ids(keyboard), `q=${q} must list what q=keyboard lists`);
  }
});

test('a model number matches written together or apart (rtx4060, rtx 4060)', async () => {
  const named = universe.filter((p) => p.name.includes('RTX 4060'));
  assert.ok(named.length > 0, 'the catalog has no product named RTX 4060');
  const together = await search('rtx4060');
  const apart = await search('rtx 4060');
  for (const [q, found] of [['rtx4060', together], ['rtx 4060', apart]]) {
    assert.ok(found.some((p) => p.name.includes('RTX 4060')), `q=${q} finds no product named RTX 4060`);
    assertIncludesAll(found, named, `q=${q}`);
  }
  assert.deepEqual(new Set(ids(together)), new Set(ids(apart)), 'rtx4060 and rtx 4060 must find the same products');
});

/** A few products spread over the catalog, each with one of its variants' SKU. */
async function productsWithSkus() {
  const picks = [universe[0], universe[Math.floor(universe.length / 2)], universe.at(-1)];
  const out = [];
  for (const p of picks) {
    const detail = (await api('GET', `/v1/products/${p.slug}`)).body;
    assert.ok(detail.variants.length > 0, `${p.slug} has no variant`);
    out.push({ product: p, sku: detail.variants.at(-1).sku });
  }
  return out;
}

test('an exact variant SKU, in any case, finds its product first', async () => {
  for (const { product, sku } of await productsWithSkus()) {
    for (const q of [sku, sku.toLowerCase(), sku.toUpperCase()]) {
      const page = await listProducts({ q, limit: 5 });
      assert.equal(page.items[0]?.slug, product.slug, `q=${q} must list ${product.slug} first, got ${page.items[0]?.slug}`);
      // Every sort lists every match, the SKU's product included.
      const byPrice = await search(q, { sort: 'price' });
      assert.ok(ids(byPrice).includes(product.id), `q=${q}&sort=price misses ${product.slug}`);
    }
  }
});

test('relevance: products with every word in the name come before the rest', async () => {
  const q = 'mechanical keyboard';
  const found = await search(q);
  assert.ok(found.length > 0, `q=${q} found nothing`);
  const keyboard = (p) => /keyboard/i.test(p.name);
  const laptop = (p) => /laptop/i.test(p.name);
  const lastKeyboard = found.findLastIndex(keyboard);
  const firstLaptop = found.findIndex(laptop);
  assert.ok(lastKeyboard >= 0, `q=${q} found no keyboard`);
  if (firstLaptop >= 0) {
    assert.ok(lastKeyboard < firstLaptop,
      `${found[lastKeyboard].name} (#${lastKeyboard}) ranks below ${found[firstLaptop].name} (#${firstLaptop})`);
  }
  assertRankedFirst(found, (p) => ['mechanical', 'keyboard'].every((w) => hasWordStarting(nameAndBrand(p), w)), q);
  assertIncludesAll(found, universe.filter((p) => /mechanical keyboard/i.test(p.name)), `q=${q}`);
  // A typo in a word that is not the last one is corrected too.
  assert.deepEqual(ids(await search('mechanicl keyboard')), ids(found), 'q=mechanicl keyboard');
  // Small relevance pages visit the same matches in the same order.
  const paged = (await listAllProducts({ q, limit: 3 })).items;
  assert.deepEqual(ids(paged), ids(found), 'limit=3 pages must repeat the limit=100 order');
});

for (const sort of ['price', '-price']) {
  test(`the same q under sort=${sort} lists every match once, in price order`, async () => {
    const q = 'keyboard';
    const relevance = await search(q);
    const { items, pages } = await listAllProducts({ q, sort, limit: 5 });
    assert.ok(pages > 1, 'the walk must span several pages');
    uniqueIds(items, `q=${q}&sort=${sort}`);
    assert.deepEqual(new Set(ids(items)), new Set(ids(relevance)), `sort=${sort} must list the relevance matches`);
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1].price.amount, items[i].price.amount];
      assert.ok(sort === 'price' ? a <= b : a >= b, `${sort} order broken at ${i}: ${a} then ${b}`);
    }
  });
}

test('facets of a plain category page are exact', async () => {
  for (const params of [{}, { category: categories.find((c) => c.children.length > 0).slug }]) {
    const page = await listProducts({ ...params, facets: true, limit: 1 });
    assert.equal(page.facets.exact, true, `facets.exact for ${qs(params)}`);
    assert.equal(page.facets.counted, null, `facets.counted for ${qs(params)}`);
    const total = (await listAllProducts({ ...params, limit: 100 })).items.length;
    assert.equal(page.facets.brands.reduce((n, b) => n + b.count, 0), total, `brand counts for ${qs(params)}`);
  }
});

test('facets with q have the documented shape and count the matches', async () => {
  const q = 'keyboard';
  const matches = await search(q);
  const page = await listProducts({ q, facets: true, limit: 1 });
  const { facets } = page;
  assert.equal(typeof facets.exact, 'boolean');
  // Counted over at most the first 1,001 matches: all of them here, so exact.
  if (matches.length <= 1001) {
    assert.equal(facets.exact, true);
    assert.equal(facets.counted, null);
  } else {
    assert.equal(facets.exact, false);
    assert.ok(Number.isInteger(facets.counted) && facets.counted >= 1);
  }
  const byBrand = new Map();
  for (const p of matches) byBrand.set(p.brand.slug, (byBrand.get(p.brand.slug) ?? 0) + 1);
  assert.deepEqual(new Map(facets.brands.map((b) => [b.slug, b.count])), byBrand);
  assert.equal(facets.price_bands.reduce((n, b) => n + b.count, 0), matches.length);
  assert.ok(page.next_cursor, 'limit=1 must leave a next page');
  const next = await listProducts({ q, facets: true, limit: 1, cursor: page.next_cursor });
  assert.deepEqual(next.facets, facets, 'facets describe the whole result set, on every page');
});

test('facets with a SKU as q count the product the SKU finds', async () => {
  const [{ product, sku }] = await productsWithSkus();
  const page = await listProducts({ q: sku, facets: true, limit: 5 });
  assert.deepEqual(ids(page.items), [product.id]);
  assert.deepEqual(page.facets.brands.map((b) => [b.slug, b.count]), [[product.brand.slug, 1]],
    `q=${sku}: the listed product is missing from facets.brands`);
  assert.equal(page.facets.price_bands.reduce((n, b) => n + b.count, 0), 1);
});

test('q of 1 to 200 characters is accepted on /v1/products; 201 is 400 naming q', async () => {
  for (const ch of ['a', 'é']) {
    assert.equal((await api('GET', `/v1/products${qs({ q: ch.repeat(200) })}`)).status, 200, `200 × ${ch}`);
    assertProblem(await api('GET', `/v1/products${qs({ q: ch.repeat(201) })}`), 400, 'validation-error', 'q');
  }
});

test('odd search text is answered, never an error', async () => {
  for (const q of ['the', '-', "'", '\\', '&|!():*', 'a & b', '"quoted"', '%']) {
    const page = await listProducts({ q, limit: 5 });
    assert.ok(Array.isArray(page.items), `q=${q}`);
    const res = await api('GET', `/v1/search/suggestions${qs({ q })}`);
    assert.equal(res.status, 200, `suggestions q=${q} -> ${res.status} ${res.text.slice(0, 200)}`);
  }
});

// --- GET /v1/search/suggestions -------------------------------------------------------

/** GET /v1/search/suggestions; asserts 200 and the documented order; returns items. */
async function suggest(q, limit) {
  const res = await api('GET', `/v1/search/suggestions${qs({ q, limit })}`);
  assert.equal(res.status, 200, `suggestions q=${q} -> ${res.status} ${res.text.slice(0, 300)}`);
  const { items } = res.body;
  const rank = { brand: 0, category: 1, product: 2 };
  for (let i = 1; i < items.length; i++) {
    assert.ok(rank[items[i - 1].type] <= rank[items[i].type],
      `q=${q}: ${items[i - 1].type} ${items[i - 1].slug} before ${items[i].type} ${items[i].slug}`);
  }
  assert.ok(items.filter((s) => s.type === 'brand').length <= 3, `q=${q}: more than 3 brands`);
  assert.ok(items.filter((s) => s.type === 'category').length <= 3, `q=${q}: more than 3 categories`);
  for (const s of items) assert.equal(s.brand === null, s.type !== 'product', `q=${q}: brand of ${s.type} ${s.slug}`);
  return items;
}

/** The categories whose name has a word starting with prefix. */
const categoriesWith = (prefix) => categories.filter((c) => hasWordStarting(c.name, prefix));

function assertCategorySuggestions(items, prefix, q) {
  const expected = categoriesWith(prefix);
  assert.ok(expected.length > 0, `no category name has a word starting "${prefix}"`);
  const got = items.filter((s) => s.type === 'category');
  assert.equal(got.length, Math.min(3, expected.length), `q=${q}: category suggestions ${got.map((s) => s.slug)}`);
  for (const s of got) {
    const c = expected.find((x) => x.slug === s.slug);
    assert.ok(c, `q=${q}: suggests category ${s.slug}, which does not match`);
    assert.equal(s.name, c.name);
  }
}

test('suggestions for mech: the mechanical keyboards category, then such products', async () => {
  const items = await suggest('mech');
  assertCategorySuggestions(items, 'mech', 'mech');
  const products = items.filter((s) => s.type === 'product');
  assert.ok(products.length > 0, 'q=mech suggests no product');
  const found = new Set((await search('mech')).map((p) => p.slug));
  for (const s of products) {
    assert.ok(hasWordStarting(`${s.name} ${s.brand}`, 'mech'), `q=mech suggests ${s.name}`);
    assert.ok(found.has(s.slug), `q=mech suggests ${s.slug}, which q=mech does not list`);
  }
});

test('suggestions lead to real brands, categories and products', async () => {
  for (const q of ['mech', 'quill', 'keybord']) {
    for (const s of await suggest(q)) {
      if (s.type === 'brand') {
        assert.ok(brands.some((b) => b.slug === s.slug && b.name === s.name), `brand ${s.slug}`);
      } else if (s.type === 'category') {
        const res = await api('GET', `/v1/categories/${s.slug}`);
        assert.equal(res.status, 200, `category ${s.slug}`);
        assert.equal(res.body.name, s.name);
      } else {
        const res = await api('GET', `/v1/products/${s.slug}`);
        assert.equal(res.status, 200, `product ${s.slug}`);
        assert.deepEqual([res.body.name, res.body.brand.name], [s.name, s.brand]);
      }
    }
  }
});

test('a brand name prefix suggests that brand first', async () => {
  const words = (name) => name.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  // Brands whose first four letters start no word of another brand's name.
  const picks = brands.map((b) => ({ b, prefix: words(b.name)[0]?.slice(0, 4) }))
    .filter(({ b, prefix }) => /^[a-z]{4}$/.test(prefix ?? '') &&
      !brands.some((o) => o.slug !== b.slug && words(o.name).some((w) => w.startsWith(prefix))));
  assert.ok(picks.length > 0, 'no brand has a distinctive four-letter prefix');
  for (const { b, prefix } of picks) {
    for (const q of [prefix, prefix.toUpperCase()]) {
      const items = await suggest(q);
      assert.deepEqual(items[0], { type: 'brand', slug: b.slug, name: b.name, brand: null }, `q=${q}`);
      assert.equal(items.filter((s) => s.type === 'brand').length, 1, `q=${q} suggests other brands`);
    }
  }
  const quill = await suggest('quill');
  const quillkey = brands.find((b) => hasWordStarting(b.name, 'quill'));
  assert.equal(quill[0].slug, quillkey.slug, 'q=quill must suggest the Quill… brand first');
  assert.ok(quill.some((s) => s.type === 'product' && hasWordStarting(s.name, 'quill')), 'q=quill suggests no Quill… product');
});

test('a typo is corrected in suggestions too: keybord suggests keyboards', async () => {
  const items = await suggest('keybord');
  assert.ok(items.length > 0, 'q=keybord suggests nothing');
  assertCategorySuggestions(items, 'keyboard', 'keybord');
  assert.ok(items.some((s) => s.type === 'product'), 'q=keybord suggests no product');
  // Products match on name and brand only, so every suggestion names a keyboard.
  for (const s of items) assert.match(s.name, /keyboard/i, `q=keybord suggests ${s.type} ${s.name}`);
});

test('limit caps the suggestions; the default is 10', async () => {
  const full = await suggest('mech', 10);
  assert.ok(full.length >= 5, `q=mech has only ${full.length} suggestions; pick a broader prefix`);
  assert.deepEqual(await suggest('mech'), full, 'the default limit is 10');
  for (let limit = 1; limit <= 10; limit++) {
    assert.deepEqual(await suggest('mech', limit), full.slice(0, limit), `limit=${limit}`);
  }
});

test('suggestions support ETag / 304 and public caching', async () => {
  await assertConditionalGet('/v1/search/suggestions?q=mech&limit=5');
});

test('q of 1 to 100 characters is accepted; missing, empty or longer q is 400 naming q', async () => {
  const get = (params) => api('GET', `/v1/search/suggestions${qs(params)}`);
  assertProblem(await get({}), 400, 'validation-error', 'q');
  assertProblem(await get({ limit: 5 }), 400, 'validation-error', 'q');
  assertProblem(await get({ q: '' }), 400, 'validation-error', 'q');
  for (const ch of ['a', 'é']) {
    assert.equal((await get({ q: ch.repeat(100) })).status, 200, `100 × ${ch}`);
    assertProblem(await get({ q: ch.repeat(101) }), 400, 'validation-error', 'q');
  }
});

test('limit outside 1..10 or not an integer is 400 naming limit', async () => {
  for (const limit of ['0', '11', 'x', '-1', '1.5', '']) {
    assertProblem(await api('GET', `/v1/search/suggestions${qs({ q: 'mech', limit })}`), 400, 'validation-error', 'limit');
  }
});

test('unknown or repeated parameters on suggestions are 400 naming them', async () => {
  assertProblem(await api('GET', '/v1/search/suggestions?q=mech&sort=name'), 400, 'validation-error', 'sort');
  assertProblem(await api('GET', '/v1/search/suggestions?q=mech&q=key'), 400, 'validation-error', 'q');
});

test('POST on suggestions is 405 with Allow', async () => {
  const res = await api('POST', '/v1/search/suggestions?q=mech', { unrouted: true });
  assertProblem(res, 405, 'method-not-allowed');
  const allowed = res.headers.allow.split(/, ?/);
  assert.ok(allowed.includes('GET') && !allowed.includes('POST'), `Allow: ${res.headers.allow}`);
});
