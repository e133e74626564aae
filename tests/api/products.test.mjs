// products.test.mjs — product list (pagination, sorts, filters, facets) and detail.
//
// Black-box against the seeded catalog. Slugs, words and prices are discovered from
// list responses; a full walk with limit=100 (the "universe") is the reference that
// every other walk is compared with.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './lib/client.mjs';
import {
  assertProblem, assertConditionalGet, compareBytes, flattenTree, listAllProducts,
  listProducts, uniqueIds,
} from './lib/helpers.mjs';

let universe; // every active product, from a limit=100 walk in the default order

before(async () => {
  universe = (await listAllProducts({ limit: 100 })).items;
});

/** Count of products matching params, by walking every page. */
async function countOf(params) {
  return (await listAllProducts({ ...params, limit: 100 })).items.length;
}

test('the sample catalog has at least 200 products, each listed once', () => {
  assert.ok(universe.length >= 200, `expected >= 200 products, got ${universe.length}`);
  uniqueIds(universe, 'limit=100 walk');
});

test('default page size is 20 and limit=100 is accepted', async () => {
  assert.equal((await listProducts({})).items.length, 20);
  assert.equal((await listProducts({ limit: 100 })).items.length, 100);
  assert.equal((await listProducts({ limit: 1 })).items.length, 1);
});

for (const sort of ['newest', 'name', 'price', '-price']) {
  test(`limit=20 pages with sort=${sort} visit every product exactly once, in order`, async () => {
    const { items, pages } = await listAllProducts({ sort, limit: 20 });
    assert.ok(pages >= 10);
    const ids = uniqueIds(items, `sort=${sort}`);
    assert.deepEqual([...ids].sort((a, b) => a - b), universe.map((p) => p.id).sort((a, b) => a - b));
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1], items[i]];
      if (sort === 'name') assert.ok(compareBytes(a.name, b.name) <= 0, `name order: ${a.name} > ${b.name}`);
      if (sort === 'price') assert.ok(a.price.amount <= b.price.amount, `price order at ${i}`);
      if (sort === '-price') assert.ok(a.price.amount >= b.price.amount, `-price order at ${i}`);
    }
    if (sort === 'newest') {
      // created_at is only in the detail; check the first two pages.
      const stamps = [];
      for (const p of items.slice(0, 40)) stamps.push(Date.parse((await api('GET', `/v1/products/${p.slug}`)).body.created_at));
      for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i - 1] >= stamps[i], `newest order at ${i}`);
    }
  });
}

test('default sort without q is newest', async () => {
  const [plain, newest] = await Promise.all([listProducts({ limit: 50 }), listProducts({ limit: 50, sort: 'newest' })]);
  assert.deepEqual(plain.items.map((p) => p.id), newest.items.map((p) => p.id));
});

test('q searches names; pages (relevance and price) cover the matches exactly once', async () => {
  const words = (p) => p.name.split(/[^A-Za-z]+/);
  const stop = new Set(['about', 'above', 'after', 'again', 'below', 'being', 'other', 'there', 'these', 'those', 'under', 'where', 'which', 'while']);
  const word = universe.flatMap(words).find((w) => w.length >= 5 && !stop.has(w.toLowerCase()));
  assert.ok(word, 'no product name with a word of 5+ letters');
  const named = universe.filter((p) => words(p).includes(word)).map((p) => p.id);
  const byRelevance = await listAllProducts({ q: word.toLowerCase(), limit: 20 });
  const ids = uniqueIds(byRelevance.items, `q=${word}`);
  for (const id of named) assert.ok(ids.has(id), `q=${word} misses product ${id} whose name contains it`);
  assert.ok(ids.size < universe.length || universe.length === named.length, 'q must filter');
  const byPrice = await listAllProducts({ q: word.toLowerCase(), sort: 'price', limit: 20 });
  assert.deepEqual([...uniqueIds(byPrice.items, 'q+price')].sort(), [...ids].sort());
  const explicit = await listProducts({ q: word.toLowerCase(), sort: 'relevance', limit: 100 });
  assert.deepEqual(explicit.items.map((p) => p.id), byRelevance.items.slice(0, 100).map((p) => p.id),
    'relevance must be the default sort with q');
});

test('q also matches brand names', async () => {
  const brand = universe.map((p) => p.brand).find((b) => /^[A-Za-z]{4,}$/.test(b.name));
  if (!brand) return; // every brand name has digits or spaces; nothing to check
  const ids = uniqueIds((await listAllProducts({ q: brand.name, limit: 100 })).items, 'q=brand');
  for (const p of universe.filter((x) => x.brand.id === brand.id)) assert.ok(ids.has(p.id), `q=${brand.name} misses ${p.slug}`);
});

async function nestedCategoryWithProducts() {
  const all = flattenTree((await api('GET', '/v1/categories')).body.items);
  for (const { node, path } of all.filter(({ path: p }) => p.length > 0)) {
    const child = await listAllProducts({ category: node.slug, limit: 20 });
    if (child.items.length > 0) return { parent: path.at(-1), child: node, childItems: child.items, all };
  }
  return assert.fail('no nested category has products');
}

test('category filter includes descendants and pages cover it exactly once', async () => {
  const { parent, child, childItems, all } = await nestedCategoryWithProducts();
  uniqueIds(childItems, `category=${child.slug}`);
  const parentIds = uniqueIds((await listAllProducts({ category: parent.slug, limit: 20 })).items, `category=${parent.slug}`);
  for (const p of childItems) assert.ok(parentIds.has(p.id), `${p.slug} in ${child.slug} missing from ${parent.slug}`);
  // The child's products really are in the child's subtree.
  const subtree = new Set(flattenTree([all.find(({ node }) => node.slug === child.slug).node]).map(({ node }) => node.slug));
  for (const p of childItems.slice(0, 5)) {
    const detail = (await api('GET', `/v1/products/${p.slug}`)).body;
    assert.ok(detail.categories.some((c) => subtree.has(c.slug)), `${p.slug} is not in ${child.slug}'s subtree`);
  }
});

test('brand filter returns only that brand', async () => {
  const slug = universe[0].brand.slug;
  const { items } = await listAllProducts({ brand: slug, limit: 100 });
  assert.equal(items.length, universe.filter((p) => p.brand.slug === slug).length);
  for (const p of items) assert.equal(p.brand.slug, slug);
});

test('status, featured and in_stock filters return only matching products', async () => {
  for (const status of ['regular', 'new', 'hot', 'sale']) {
    const { items } = await listAllProducts({ status, limit: 100 });
    assert.equal(items.length, universe.filter((p) => p.status === status).length, `status=${status}`);
    for (const p of items) assert.equal(p.status, status);
  }
  for (const [name, value] of [['featured', true], ['featured', false], ['in_stock', true], ['in_stock', false]]) {
    const { items } = await listAllProducts({ [name]: value, limit: 100 });
    assert.equal(items.length, universe.filter((p) => p[name] === value).length, `${name}=${value}`);
    for (const p of items) assert.equal(p[name], value, `${name}=${value} returned ${p.slug}`);
  }
});

test('min_price and max_price are inclusive bounds on the list price', async () => {
  const prices = universe.map((p) => p.price.amount).sort((a, b) => a - b);
  const [lo, hi] = [prices[Math.floor(prices.length / 4)], prices[Math.floor((prices.length * 3) / 4)]];
  const { items } = await listAllProducts({ min_price: lo, max_price: hi, limit: 100 });
  assert.equal(items.length, prices.filter((x) => x >= lo && x <= hi).length);
  for (const p of items) assert.ok(p.price.amount >= lo && p.price.amount <= hi, `${p.slug} at ${p.price.amount}`);
  const exact = await listAllProducts({ min_price: lo, max_price: lo, limit: 100 });
  assert.ok(exact.items.length >= 1 && exact.items.every((p) => p.price.amount === lo));
});

test('facets are absent unless asked for', async () => {
  assert.equal('facets' in await listProducts({ limit: 1 }), false);
  assert.equal('facets' in await listProducts({ limit: 1, facets: false }), false);
});

test('facet counts agree with the filtered results', async () => {
  const brand = universe[0].brand.slug;
  const filtered = universe.filter((p) => p.brand.slug === brand);
  const page = await listProducts({ brand, facets: true, limit: 1 });
  const { facets } = page;
  assert.ok(facets, 'facets=true must return facets');
  assert.deepEqual(facets.brands.map((b) => [b.slug, b.count]), [[brand, filtered.length]]);
  for (const c of facets.categories) {
    assert.equal(c.count, await countOf({ brand, category: c.slug }), `category facet ${c.slug}`);
  }
  let total = 0;
  facets.price_bands.forEach((band, i) => {
    if (i === 0) assert.equal(band.min, 0);
    if (i > 0) assert.equal(band.min, facets.price_bands[i - 1].max, 'bands must be contiguous');
    assert.equal(band.max === null, i === facets.price_bands.length - 1, 'only the last band is open');
    const inBand = filtered.filter((p) => p.price.amount >= band.min && (band.max === null || p.price.amount < band.max));
    assert.equal(band.count, inBand.length, `price band ${band.min}..${band.max}`);
    total += band.count;
  });
  assert.equal(total, filtered.length);
  // Facets describe the whole result set, so the next page repeats them.
  if (page.next_cursor) {
    const next = await listProducts({ brand, facets: true, limit: 1, cursor: page.next_cursor });
    assert.deepEqual(next.facets, facets);
  }
});

test('unfiltered brand facets count each brand', async () => {
  const { facets } = await listProducts({ facets: true, limit: 1 });
  const counts = new Map();
  for (const p of universe) counts.set(p.brand.slug, (counts.get(p.brand.slug) ?? 0) + 1);
  assert.deepEqual(new Map(facets.brands.map((b) => [b.slug, b.count])), counts);
});

test('product detail repeats the summary and adds variants, images and categories', async () => {
  const picks = [universe[0], universe[Math.floor(universe.length / 2)], universe.at(-1)];
  for (const summary of picks) {
    const res = await api('GET', `/v1/products/${summary.slug}`);
    assert.equal(res.status, 200);
    const d = res.body;
    for (const key of Object.keys(summary)) assert.deepEqual(d[key], summary[key], `${summary.slug}.${key}`);
    assert.deepEqual(d.image, d.images[0] ?? null, 'image is the first of images');
    assert.ok(d.categories.length >= 1, `${summary.slug} has no category`);
    assert.ok(Date.parse(d.created_at) <= Date.parse(d.updated_at));
    assert.ok(d.variants.length >= 1, `${summary.slug} has no variant`);
    assert.equal(d.price.amount, Math.min(...d.variants.map((v) => v.price.amount)), 'price is the lowest variant price');
    assert.equal(new Set(d.variants.map((v) => v.sku)).size, d.variants.length, 'SKUs are unique');
    for (const v of d.variants) assert.equal(v.available, v.stock_state !== 'out_of_stock', `${v.sku}.available`);
    assert.equal(d.in_stock, d.variants.some((v) => v.available), 'in_stock means a variant is available');
  }
});

test('unknown product slug is 404 and a malformed one is 400 naming slug', async () => {
  assertProblem(await api('GET', '/v1/products/no-such-product-xyz'), 404, 'not-found');
  assertProblem(await api('GET', '/v1/products/NOT_A_SLUG'), 400, 'validation-error', 'slug');
});

test('product list and detail support ETag / 304 and public caching', async () => {
  await assertConditionalGet('/v1/products?limit=5&sort=price');
  await assertConditionalGet(`/v1/products/${universe[0].slug}`);
});
