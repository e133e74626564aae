// admin-catalog.test.mjs — staff catalog management (issue #11, item 1): products,
// variants, categories and brands under /v1/admin/, black-box. Every route's happy path
// and its 400/401/403/404/409/412/428; Idempotency-Key replays and reuse (422); two staff
// editing one product (the second, with a stale ETag, gets 412 and the first change is
// kept); the category tree refusing a cycle; and every write followed at once by public
// reads (detail, list, search, facets, suggestions) that show it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertProblem } from './lib/helpers.mjs';
import { orderWorld, sql } from './lib/orders.mjs';

const RUN = Date.now().toString(36);
const ADDRESS = { name: 'Ada Lovelace', line1: '1 Main St', city: 'Berlin', postal_code: '10115', country: 'DE' };

let w;
let staff;
let staff2;
let shopper;
let seedBrandId;
const made = { products: new Set(), categories: new Set(), brands: new Set() };

before(async () => {
  w = await orderWorld('AdminCatalog1');
  staff = w.staff();
  staff2 = w.staff();
  shopper = w.person();
  seedBrandId = Number(sql('SELECT min(id) FROM brands'));
});

// The other catalog tests walk and count the public catalog (every product has a
// category, every brand with a distinctive prefix is suggested): leave it as found.
// A product that was ordered cannot go; it is archived under a seed brand instead.
after(async () => {
  if (!w) return;
  const del = (path) => w.send('DELETE', path, { token: staff });
  for (const id of made.products) {
    const res = await del(`/v1/admin/products/${id}`);
    if (res.status === 409) {
      const arch = await patch(`/v1/admin/products/${id}`, { archived: true, brand_id: seedBrandId }, '*');
      assert.equal(arch.status, 200, arch.text);
    }
  }
  for (const id of [...made.categories].sort((a, b) => b - a)) await del(`/v1/admin/categories/${id}`);
  for (const id of made.brands) assert.ok([204, 404].includes((await del(`/v1/admin/brands/${id}`)).status));
  await w.stop();
});

/** A create with a fresh Idempotency-Key (or the given one); remembers what it made. */
async function create(path, body, { token = staff, key = randomUUID() } = {}) {
  const res = await w.send('POST', path, { token, body, headers: { 'idempotency-key': key } });
  const kind = path.split('/')[3];
  if (res.status === 201 && made[kind]) made[kind].add(res.body.id);
  return res;
}
const patch = (path, body, etag, token = staff) =>
  w.send('PATCH', path, { token, body, headers: etag === undefined ? {} : { 'if-match': etag } });
const get = (path, token = staff) => w.send('GET', path, { token });
const pub = (path) => w.send('GET', path);

async function created(path, body) {
  const res = await create(path, body);
  assert.equal(res.status, 201, res.text);
  return res;
}

async function newBrand(name = `Brand ${RUN} ${randomUUID().slice(0, 6)}`) {
  return (await created('/v1/admin/brands', { name })).body;
}

async function newProduct(extra = {}) {
  const brand = extra.brand_id ? {} : { brand_id: (await newBrand()).id };
  const res = await created('/v1/admin/products', {
    name: `Widget ${RUN} ${randomUUID().slice(0, 8)}`, ...brand,
    variants: [{ sku: `W-${randomUUID().slice(0, 12)}`, price: 1999, stock: 5 }], ...extra,
  });
  return res;
}

const slugsOf = (res) => res.body.items.map((p) => p.slug);

// --- brands ------------------------------------------------------------------------------

test('brands: create derives the slug, replays its Idempotency-Key, 422 on reuse, 409 on a taken slug', async () => {
  const key = randomUUID();
  const body = { name: `  Ñandú Über-Gear ${RUN}  `, logo_url: 'https://cdn.example.com/l.png' };
  const res = await create('/v1/admin/brands', body, { key });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.slug, `nandu-uber-gear-${RUN}`);
  assert.equal(res.body.name, `Ñandú Über-Gear ${RUN}`);
  assert.equal(res.headers.location, `/v1/admin/brands/${res.body.id}`);
  assert.equal(res.headers.etag, `"r${res.body.revision}"`);
  assert.equal(res.headers['cache-control'], 'private, no-store');

  const again = await create('/v1/admin/brands', body, { key });
  assert.equal(again.status, 201);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.text, res.text);
  assert.equal(again.headers.etag, res.headers.etag);
  assert.equal(again.headers.location, res.headers.location);
  assert.equal(Number(sql(`SELECT count(*) FROM brands WHERE slug = '${res.body.slug}'`)), 1);

  assertProblem(await create('/v1/admin/brands', { name: 'Other' }, { key }), 422, 'idempotency-key-reused');
  const taken = await create('/v1/admin/brands', { name: 'x', slug: res.body.slug });
  assertProblem(taken, 409, 'conflict');
  assert.match(taken.body.detail, new RegExp(res.body.slug));
  const missing = await w.send('POST', '/v1/admin/brands', { token: staff, body: { name: 'No key' } });
  assertProblem(missing, 400, 'validation-error', 'Idempotency-Key');
});

test('brands: every bad field is named, unknown fields too', async () => {
  const res = await create('/v1/admin/brands', {
    name: 'evil\u202Eexe', logo_url: 'http://insecure.example.com/x.png', colour: 'red', slug: 'Not A Slug',
  });
  assertProblem(res, 400, 'validation-error');
  for (const f of ['name', 'logo_url', 'colour', 'slug']) assertProblem(res, 400, 'validation-error', f);
  assertProblem(await create('/v1/admin/brands', {}), 400, 'validation-error', 'name');
  assertProblem(await create('/v1/admin/brands', { name: '!!!' }), 400, 'validation-error', 'slug');
  assertProblem(await create('/v1/admin/brands', { name: 'x'.repeat(121) }), 400, 'validation-error', 'name');
  assertProblem(await create('/v1/admin/brands', '[1]'), 400, 'bad-request');
});

test('brands: auth is 401 without a token and 403 for a shopper, on every route', async () => {
  const b = await newBrand();
  for (const [method, path] of [['POST', '/v1/admin/brands'], ['GET', `/v1/admin/brands/${b.id}`],
    ['PATCH', `/v1/admin/brands/${b.id}`], ['DELETE', `/v1/admin/brands/${b.id}`],
    ['POST', '/v1/admin/products'], ['GET', `/v1/admin/products/${b.id}`],
    ['POST', '/v1/admin/categories'], ['PATCH', `/v1/admin/variants/${b.id}`]]) {
    const body = method === 'POST' || method === 'PATCH' ? { name: 'x' } : undefined;
    assertProblem(await w.send(method, path, { body, headers: { 'idempotency-key': 'k', 'if-match': '*' } }), 401);
    assertProblem(await w.send(method, path, { token: shopper, body, headers: { 'idempotency-key': 'k', 'if-match': '*' } }),
      403, 'forbidden');
  }
});

test('brands: rename needs If-Match (428, 412 stale) and reaches search at once; delete 409 while used', async () => {
  const brand = await newBrand();
  const word = `zorblax${RUN}`;
  const prod = (await newProduct({ brand_id: brand.id })).body;
  const path = `/v1/admin/brands/${brand.id}`;
  const read = await get(path);
  assert.equal(read.status, 200);
  assert.equal(read.headers.etag, `"r${brand.revision}"`);
  assertProblem(await patch(path, { name: `${word} Labs` }), 428, 'precondition-required');
  assertProblem(await patch(path, { name: `${word} Labs` }, '"r999"'), 412, 'precondition-failed');
  assertProblem(await patch(path, { name: `${word} Labs` }, 'W/"r1"'), 412, 'precondition-failed');
  const res = await patch(path, { name: `${word} Labs`, logo_url: null }, read.headers.etag);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.name, `${word} Labs`);
  assert.equal(res.body.logo_url, null);
  assert.equal(res.headers.etag, `"r${brand.revision + 1}"`);
  const found = await pub(`/v1/products?q=${word}`);
  assert.equal(found.status, 200);
  assert.ok(slugsOf(found).includes(prod.slug), `search for the new brand name finds ${prod.slug}`);
  const detail = await pub(`/v1/products/${prod.slug}`);
  assert.equal(detail.body.brand.name, `${word} Labs`);

  const del = await w.send('DELETE', path, { token: staff });
  assertProblem(del, 409, 'conflict');
  assert.match(del.body.detail, /1 product/);
  const unused = await newBrand();
  assertProblem(await w.send('DELETE', `/v1/admin/brands/${unused.id}`, { token: staff, headers: { 'if-match': '"r7"' } }),
    412, 'precondition-failed');
  assert.equal((await w.send('DELETE', `/v1/admin/brands/${unused.id}`, { token: staff, headers: { 'if-match': `"r${unused.revision}"` } })).status, 204);
  assertProblem(await get(`/v1/admin/brands/${unused.id}`), 404, 'not-found');
  assertProblem(await patch(`/v1/admin/brands/${unused.id}`, { name: 'x' }, '*'), 404, 'not-found');
  assertProblem(await w.send('DELETE', `/v1/admin/brands/${unused.id}`, { token: staff }), 404, 'not-found');
  assertProblem(await get('/v1/admin/brands/abc'), 400, 'validation-error', 'id');
  const other = await newBrand();
  assertProblem(await patch(path, { slug: other.slug }, '*'), 409, 'conflict');
});

// --- categories --------------------------------------------------------------------------

test('categories: create a tree, refuse a cycle (409), move, rename, delete (409 with children)', async () => {
  const root = (await created('/v1/admin/categories', { name: `Root ${RUN}` })).body;
  assert.equal(root.slug, `root-${RUN}`);
  assert.equal(root.parent_id, null);
  const child = (await created('/v1/admin/categories', { name: `Child ${RUN}`, parent_id: root.id })).body;
  const grand = (await created('/v1/admin/categories', { name: `Grand ${RUN}`, parent_id: child.id, position: 3 })).body;
  assert.equal(grand.parent_id, child.id);
  assertProblem(await create('/v1/admin/categories', { name: 'x', parent_id: 999999999 }), 400, 'validation-error', 'parent_id');
  assertProblem(await create('/v1/admin/categories', { name: 'y', slug: root.slug }), 409, 'conflict');

  const rootPath = `/v1/admin/categories/${root.id}`;
  const cycle = await patch(rootPath, { parent_id: grand.id }, `"r${root.revision}"`);
  assertProblem(cycle, 409, 'conflict');
  assert.match(cycle.body.detail, /cycle/);
  assertProblem(await patch(rootPath, { parent_id: root.id }, '*'), 409, 'conflict');
  assert.equal((await get(rootPath)).body.parent_id, null, 'a refused move changes nothing');

  const moved = await patch(`/v1/admin/categories/${grand.id}`, { parent_id: null, name: `Grand moved ${RUN}` }, `"r${grand.revision}"`);
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.body.parent_id, null);
  assert.equal(moved.body.name, `Grand moved ${RUN}`);
  assertProblem(await patch(`/v1/admin/categories/${grand.id}`, { name: 'z' }, `"r${grand.revision}"`), 412, 'precondition-failed');
  assertProblem(await patch(`/v1/admin/categories/${grand.id}`, { name: 'z' }), 428, 'precondition-required');
  assertProblem(await patch(`/v1/admin/categories/${grand.id}`, { name: '', extra: 1 }, '*'), 400, 'validation-error', 'extra');

  const prod = (await newProduct({ category_ids: [child.id, grand.id] })).body;
  assert.deepEqual(prod.categories.map((c) => c.id).sort(), [child.id, grand.id].sort());
  const listed = await pub(`/v1/products?category=${root.slug}`);
  assert.ok(slugsOf(listed).includes(prod.slug), 'the product shows under its category ancestors');

  const del = await w.send('DELETE', rootPath, { token: staff });
  assertProblem(del, 409, 'conflict');
  assert.match(del.body.detail, /child/);
  assert.equal((await w.send('DELETE', `/v1/admin/categories/${grand.id}`, { token: staff })).status, 204);
  const after = await get(`/v1/admin/products/${prod.id}`);
  assert.deepEqual(after.body.categories.map((c) => c.id), [child.id], 'products lose the deleted category');
  assertProblem(await get(`/v1/admin/categories/${grand.id}`), 404, 'not-found');
  assertProblem(await w.send('DELETE', `/v1/admin/categories/${grand.id}`, { token: staff }), 404, 'not-found');
});

// --- products ----------------------------------------------------------------------------

test('products: create with variants is public at once (detail, list, search, suggestions, facets); ledger says who', async () => {
  const brand = await newBrand(`Quuxcorp ${RUN}`);
  const cat = (await created('/v1/admin/categories', { name: `Gadgets ${RUN}` })).body;
  const word = `flibbertron${RUN}`;
  const res = await created('/v1/admin/products', {
    name: `${word} Pro Mouse`, brand: brand.slug, category_ids: [cat.id], description: 'Line one\nLine two',
    status: 'new', featured: true,
    variants: [{ sku: `FP-${RUN}-B`, name: 'Black', options: { color: 'black' }, price: 4999, compare_at: 5999, stock: 7 },
      { sku: `FP-${RUN}-W`, price: 3999 }],
  });
  const p = res.body;
  assert.equal(res.headers.location, `/v1/admin/products/${p.id}`);
  assert.equal(res.headers.etag, `"r${p.revision}"`);
  assert.equal(p.slug, `${word}-pro-mouse`);
  assert.equal(p.brand.id, brand.id);
  assert.equal(p.price, 3999);
  assert.equal(p.in_stock, true);
  assert.equal(p.status, 'new');
  assert.equal(p.archived_at, null);
  assert.deepEqual(p.variants.map((v) => [v.sku, v.name, v.stock]),
    [[`FP-${RUN}-B`, 'Black', 7], [`FP-${RUN}-W`, p.name, 0]]);
  assert.deepEqual(p.variants[0].options, { color: 'black' });

  const detail = await pub(`/v1/products/${p.slug}`);
  assert.equal(detail.status, 200, detail.text);
  assert.equal(detail.body.name, p.name);
  assert.ok(slugsOf(await pub(`/v1/products?category=${cat.slug}`)).includes(p.slug));
  assert.ok(slugsOf(await pub(`/v1/products?brand=${brand.slug}`)).includes(p.slug));
  assert.ok(slugsOf(await pub(`/v1/products?q=${word}`)).includes(p.slug));
  const sugg = await pub(`/v1/search/suggestions?q=${word}`);
  assert.equal(sugg.status, 200);
  assert.ok(JSON.stringify(sugg.body).includes(p.slug), 'suggestions offer the new product');
  const facets = await pub(`/v1/products?category=${cat.slug}&facets=true`);
  assert.ok(JSON.stringify(facets.body.facets).includes(brand.slug), 'facets count the new product');

  const ledger = sql(`SELECT m.reason || ':' || m.delta || ':' || (m.actor_id IS NOT NULL)
    FROM stock_movements m JOIN product_variants v ON v.id = m.variant_id WHERE v.sku = 'FP-${RUN}-B'`);
  assert.equal(ledger, 'created:7:true');

  const again = await get(`/v1/admin/products/${p.id}`);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, p);
  assert.equal(again.headers.etag, res.headers.etag);
});

test('products: validation names every bad field; taken slug and SKU are 409 naming them', async () => {
  const res = await create('/v1/admin/products', {
    brand_id: 999999999, status: 'vintage', featured: 'yes', category_ids: [999999998], wat: 1,
    variants: [{ price: -1, compare_at: 5 }, 'x'],
  });
  assertProblem(res, 400, 'validation-error');
  for (const f of ['name', 'status', 'featured', 'wat', 'variants[0].sku', 'variants[0].price', 'variants[1]']) {
    assertProblem(res, 400, 'validation-error', f);
  }
  const brand = await newBrand();
  assertProblem(await create('/v1/admin/products', { name: 'n', brand_id: 999999999 }), 400, 'validation-error', 'brand_id');
  assertProblem(await create('/v1/admin/products', { name: 'n', brand: 'no-such-brand-x' }), 400, 'validation-error', 'brand');
  assertProblem(await create('/v1/admin/products', { name: 'n', brand_id: brand.id, category_ids: [999999998] }),
    400, 'validation-error', 'category_ids');
  assertProblem(await create('/v1/admin/products', { name: 'n\u200Bz', brand_id: brand.id }), 400, 'validation-error', 'name');
  assertProblem(await create('/v1/admin/products', { name: 'n', brand_id: brand.id, variants: [{ sku: 'A1', price: 10, compare_at: 10 }] }),
    400, 'validation-error', 'variants[0].compare_at');
  assertProblem(await create('/v1/admin/products', { name: 'n', brand_id: brand.id, variants: [{ sku: 'A1', price: 10, options: { c: 1 } }] }),
    400, 'validation-error', 'variants[0].options');

  const first = (await newProduct()).body;
  const dupSlug = await create('/v1/admin/products', { name: 'Whatever', slug: first.slug, brand_id: brand.id });
  assertProblem(dupSlug, 409, 'conflict');
  assert.match(dupSlug.body.detail, new RegExp(first.slug));
  const sku = first.variants[0].sku;
  const dupSku = await create('/v1/admin/products', { name: `Other ${randomUUID()}`, brand_id: brand.id, variants: [{ sku, price: 1 }] });
  assertProblem(dupSku, 409, 'conflict');
  assert.match(dupSku.body.detail, new RegExp(sku));
  assert.equal(Number(sql(`SELECT count(*) FROM products WHERE name LIKE 'Other %' AND brand_id = ${brand.id}`)), 0,
    'a refused create leaves nothing behind');
});

test('products: two staff edit one product; the stale ETag gets 412 and the first change is kept', async () => {
  const p = (await newProduct()).body;
  const path = `/v1/admin/products/${p.id}`;
  const etag = (await get(path)).headers.etag;
  const a = await patch(path, { name: `Renamed by A ${RUN}` }, etag, staff);
  assert.equal(a.status, 200, a.text);
  const b = await patch(path, { description: 'B was here' }, etag, staff2);
  assertProblem(b, 412, 'precondition-failed');
  const now = await get(path);
  assert.equal(now.body.name, `Renamed by A ${RUN}`);
  assert.equal(now.body.description, '');
  assert.equal(now.headers.etag, a.headers.etag);
  assert.notEqual(a.headers.etag, etag);
  assertProblem(await patch(path, { name: 'x' }), 428, 'precondition-required');
  assertProblem(await patch(path, { variants: [] }, '*'), 400, 'validation-error', 'variants');
  assertProblem(await patch(path, { name: null }, '*'), 400, 'validation-error', 'name');
  assertProblem(await patch('/v1/admin/products/999999999', { name: 'x' }, '*'), 404, 'not-found');
  const other = (await newProduct()).body;
  assertProblem(await patch(path, { slug: other.slug }, '*'), 409, 'conflict');
});

test('products: rename and archive show at once in public reads; unarchive brings it back', async () => {
  const p = (await newProduct()).body;
  const path = `/v1/admin/products/${p.id}`;
  const word = `quibblefish${RUN}`;
  let res = await patch(path, { name: `${word} Keyboard`, slug: `${word}-kb` }, `"r${p.revision}"`);
  assert.equal(res.status, 200, res.text);
  assert.ok(slugsOf(await pub(`/v1/products?q=${word}`)).includes(`${word}-kb`), 'search finds the new name at once');
  assert.equal((await pub(`/v1/products/${word}-kb`)).status, 200);
  assertProblem(await pub(`/v1/products/${p.slug}`), 404, 'not-found');

  assertProblem(await patch(path, { archived: true, active: true }, res.headers.etag), 400, 'validation-error', 'active');
  res = await patch(path, { archived: true }, res.headers.etag);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.active, false);
  assert.ok(res.body.archived_at);
  assertProblem(await pub(`/v1/products/${word}-kb`), 404, 'not-found');
  assert.ok(!slugsOf(await pub(`/v1/products?q=${word}`)).includes(`${word}-kb`), 'gone from search');
  assert.ok(!slugsOf(await pub(`/v1/products?brand=${p.brand.slug}`)).includes(`${word}-kb`), 'gone from the list');
  assertProblem(await patch(path, { active: true }, res.headers.etag), 400, 'validation-error', 'active');

  res = await patch(path, { archived: false }, res.headers.etag);
  assert.equal(res.body.active, true);
  assert.equal(res.body.archived_at, null);
  assert.equal((await pub(`/v1/products/${word}-kb`)).status, 200);
});

test('products: delete (204, gone everywhere), 409 once ordered, 404 unknown', async () => {
  const p = (await newProduct()).body;
  assert.equal((await w.send('DELETE', `/v1/admin/products/${p.id}`, { token: staff })).status, 204);
  assertProblem(await get(`/v1/admin/products/${p.id}`), 404, 'not-found');
  assertProblem(await pub(`/v1/products/${p.slug}`), 404, 'not-found');
  assertProblem(await w.send('DELETE', `/v1/admin/products/${p.id}`, { token: staff }), 404, 'not-found');

  const q = (await newProduct()).body;
  const token = w.person();
  const item = await w.send('POST', '/v1/me/cart/items', { token, body: { variant_id: q.variants[0].id, quantity: 1 } });
  assert.equal(item.status, 200, item.text);
  const order = await w.send('POST', '/v1/checkout', {
    token, headers: { 'idempotency-key': randomUUID() },
    body: { shipping_address: ADDRESS, shipping_method: 'standard', payment_method: 'manual' },
  });
  assert.equal(order.status, 201, order.text);
  const del = await w.send('DELETE', `/v1/admin/products/${q.id}`, { token: staff });
  assertProblem(del, 409, 'conflict');
  assert.match(del.body.detail, /archive/);
  assertProblem(await w.send('DELETE', `/v1/admin/variants/${q.variants[0].id}`, { token: staff }), 409, 'conflict');

  // A product only in a cart can go: the cart line goes with it.
  const r = (await newProduct()).body;
  const cartItem = await w.send('POST', '/v1/me/cart/items', { token, body: { variant_id: r.variants[0].id, quantity: 1 } });
  assert.equal(cartItem.status, 200, cartItem.text);
  assert.equal((await w.send('DELETE', `/v1/admin/products/${r.id}`, { token: staff })).status, 204);
});

// --- variants ----------------------------------------------------------------------------

test('variants: create, read, patch (never stock), delete, with every refusal', async () => {
  const p = (await newProduct()).body;
  const base = `/v1/admin/products/${p.id}/variants`;
  const sku = `V-${RUN}-${randomUUID().slice(0, 6)}`;
  const res = await created(base, { sku, name: 'Blue', options: { color: 'blue' }, price: 1500, stock: 3, position: 2 });
  const v = res.body;
  assert.equal(res.headers.location, `/v1/admin/variants/${v.id}`);
  assert.equal(v.product_id, p.id);
  assert.equal(v.stock, 3);
  assert.equal(v.currency, 'USD');
  assert.equal((await get(`/v1/admin/products/${p.id}`)).body.price, 1500, 'the cheaper variant sets the product price');

  assertProblem(await create(base, { sku, price: 1 }), 409, 'conflict');
  assertProblem(await create(base, { sku: 'bad sku!', price: 1 }), 400, 'validation-error', 'sku');
  assertProblem(await create(base, { sku: `${sku}-2`, price: 1, currency: 'EUR' }), 400, 'validation-error', 'currency');
  assertProblem(await create(base, { sku: `${sku}-3` }), 400, 'validation-error', 'price');
  assertProblem(await create('/v1/admin/products/999999999/variants', { sku: `${sku}-4`, price: 1 }), 404, 'not-found');

  const path = `/v1/admin/variants/${v.id}`;
  const read = await get(path);
  assert.equal(read.status, 200);
  assert.equal(read.headers.etag, `"r${v.revision}"`);
  assertProblem(await patch(path, { stock: 100 }, read.headers.etag), 400, 'validation-error', 'stock');
  assertProblem(await patch(path, { price: 2000 }), 428, 'precondition-required');
  assertProblem(await patch(path, { compare_at: 1000 }, read.headers.etag), 400, 'validation-error', 'compare_at');
  const up = await patch(path, { price: 900, compare_at: 1200, options: { color: 'navy' }, sku: `${sku}-n` }, read.headers.etag);
  assert.equal(up.status, 200, up.text);
  assert.equal(up.body.price, 900);
  assert.equal(up.body.stock, 3, 'stock is untouched');
  assert.deepEqual(up.body.options, { color: 'navy' });
  assert.equal((await get(`/v1/admin/products/${p.id}`)).body.price, 900, 'the product price follows at once');
  assert.equal((await pub(`/v1/products/${p.slug}`)).status, 200);
  assertProblem(await patch(path, { price: 1 }, read.headers.etag), 412, 'precondition-failed');
  assertProblem(await patch(path, { sku: p.variants[0].sku }, '*'), 409, 'conflict');
  assertProblem(await patch('/v1/admin/variants/999999999', { price: 1 }, '*'), 404, 'not-found');
  assertProblem(await get('/v1/admin/variants/999999999'), 404, 'not-found');

  assert.equal((await w.send('DELETE', path, { token: staff, headers: { 'if-match': up.headers.etag } })).status, 204);
  assertProblem(await get(path), 404, 'not-found');
  assertProblem(await w.send('DELETE', path, { token: staff }), 404, 'not-found');
});

test('creates replay per route and per key; a failed create forgets its key', async () => {
  const key = randomUUID();
  const bad = await create('/v1/admin/categories', { name: '' }, { key });
  assertProblem(bad, 400, 'validation-error', 'name');
  const good = await create('/v1/admin/categories', { name: `Retry ${RUN}` }, { key });
  assert.equal(good.status, 201, good.text);
  const replay = await create('/v1/admin/categories', { name: `Retry ${RUN}` }, { key });
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal(replay.body.id, good.body.id);
  assertProblem(await create('/v1/admin/brands', { name: `Retry ${RUN}` }, { key }), 422, 'idempotency-key-reused');
});
