// catalog-cache.test.mjs — the catalog response cache and its exact invalidation (issue
// 15, docs/caching.md), black-box on two server instances of our own sharing the test
// database: A (orderWorld: staff tokens, checkout) writes, B reads. Once B has heard of a
// staff write on A (its NOTIFY: a bounded wait on B's /metrics, which on an idle machine
// is over before the next request and on a loaded one takes milliseconds), the very next
// read from B shows it; so for a plain SQL write; revalidation is a 304 from the
// (version, key) ETag; parameter order and defaults make one key; a tiny
// CATALOG_CACHE_BYTES evicts; a bulk statement is one version; a listener whose
// connection is killed while the catalog changes is exact again after it reconnects; and
// a checkout that leaves a variant in stock does not touch the version.
//
// Registered RUN_SERIAL (tests/node.cmake): it counts catalog versions, which any other
// test writing the catalog would move.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { orderWorld, sql } from './lib/orders.mjs';
import { requireEnv, startServer, stopServer } from './lib/server.mjs';

const RUN = Date.now().toString(36);
let A;
let B;
let staff;
const made = [];

const adminSql = (text) => execFileSync('psql', [requireEnv('STOREFRONT_TEST_ADMIN_DATABASE_URL'), '-XAtqc', text],
  { encoding: 'utf8' }).trim();
const version = () => Number(sql('SELECT version FROM catalog_version'));
/** Runs a script of statements in one session; every result row, in order. */
const script = (text) => execFileSync('psql', [requireEnv('STOREFRONT_SERVER_DATABASE_URL'), '-XAtq',
  '-v', 'ON_ERROR_STOP=1'], { input: text, encoding: 'utf8' }).trim().split('\n').map(Number);
const get = (srv, path, headers = {}) => api('GET', path, { base: srv.base, headers });

/** /metrics of a server as {"name{labels}": value}. */
async function metrics(srv) {
  const res = await fetch(`${srv.base}/metrics`);
  assert.equal(res.status, 200);
  const out = {};
  for (const line of (await res.text()).split('\n')) {
    const m = /^(storefront_catalog_[a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Polls (bounded: 15 s) until the server's listener is connected at version >= v. */
async function caughtUp(srv, v = version()) {
  let m;
  for (let i = 0; i < 300; i++) {
    m = await metrics(srv);
    if (m.storefront_catalog_listener_connected === 1 && m.storefront_catalog_version >= v) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`the listener never reached version ${v}: ${JSON.stringify(m)}`);
}

async function newProduct(price = 1999, stock = 50) {
  const res = await A.send('POST', '/v1/admin/products', {
    token: staff, headers: { 'idempotency-key': randomUUID() },
    body: {
      name: `Cache ${RUN} ${randomUUID().slice(0, 8)}`, brand_id: Number(sql('SELECT min(id) FROM brands')),
      variants: [{ sku: `C-${randomUUID().slice(0, 12)}`, price, stock }],
    },
  });
  assert.equal(res.status, 201, res.text);
  made.push(res.body.id);
  return res.body;
}

before(async () => {
  A = await orderWorld('CatalogCache1');
  staff = A.staff();
  B = await startServer({});
  await caughtUp(A.srv);
  await caughtUp(B);
});

after(async () => {
  for (const id of made) {
    const res = await A.send('DELETE', `/v1/admin/products/${id}`, { token: staff });
    if (res.status === 409) sql(`UPDATE products SET active = false WHERE id = ${Number(id)}`);
  }
  if (B) assert.equal((await stopServer(B)).code, 0, B.output());
  if (A) await A.stop();
});

test('a detail read on B is a miss, then a hit with the same body and a (version, key) ETag', async () => {
  const p = await newProduct();
  await caughtUp(B);
  const m0 = await metrics(B);
  const first = await get(B, `/v1/products/${p.slug}`);
  assert.equal(first.status, 200, first.text);
  assert.match(first.headers.etag, /^"c[0-9]+-[0-9a-f]{16}"$/);
  const m1 = await metrics(B);
  assert.equal(m1.storefront_catalog_cache_misses_total, m0.storefront_catalog_cache_misses_total + 1);
  const second = await get(B, `/v1/products/${p.slug}`);
  assert.equal(second.text, first.text);
  assert.equal(second.headers.etag, first.headers.etag);
  const m2 = await metrics(B);
  assert.equal(m2['storefront_catalog_cache_hits_total{kind="body"}'],
    m1['storefront_catalog_cache_hits_total{kind="body"}'] + 1);
  assert.equal(m2.storefront_catalog_cache_misses_total, m1.storefront_catalog_cache_misses_total);
  assert.ok(m2.storefront_catalog_cache_entries >= 1 && m2.storefront_catalog_cache_bytes > 0);
  // A answers the same request with the same ETag: it names (version, request), not the instance.
  const onA = await A.send('GET', `/v1/products/${p.slug}`);
  assert.equal(onA.headers.etag, first.headers.etag);
});

test('a price change through the admin API on A is on the next read from B once B has heard of it', async () => {
  const p = await newProduct(2500);
  await caughtUp(B);
  const path = `/v1/products/${p.slug}`;
  const before1 = await get(B, path);
  await get(B, path); // kept
  assert.equal(before1.body.price.amount, 2500);
  const oldTag = before1.headers.etag;
  const res = await A.send('PATCH', `/v1/admin/variants/${p.variants[0].id}`,
    { token: staff, body: { price: 2750 }, headers: { 'if-match': '*' } });
  assert.equal(res.status, 200, res.text);
  await caughtUp(B);
  const now = await get(B, path);
  assert.equal(now.status, 200);
  assert.equal(now.body.price.amount, 2750);
  assert.equal(now.body.variants[0].price.amount, 2750);
  assert.notEqual(now.headers.etag, oldTag);
  // Revalidation: the old tag gets the new body, the new one a 304 without the handler.
  const m0 = await metrics(B);
  const stale = await get(B, path, { 'if-none-match': oldTag });
  assert.equal(stale.status, 200);
  assert.equal(stale.body.price.amount, 2750);
  const fresh = await get(B, path, { 'if-none-match': now.headers.etag });
  assert.equal(fresh.status, 304);
  assert.equal(fresh.headers.etag, now.headers.etag);
  assert.match(fresh.headers['cache-control'], /^public, max-age=/);
  const m1 = await metrics(B);
  assert.equal(m1['storefront_catalog_cache_hits_total{kind="not_modified"}'],
    m0['storefront_catalog_cache_hits_total{kind="not_modified"}'] + 1);
  // The list shows it too.
  const list = await get(B, `/v1/products?q=${encodeURIComponent(p.name)}&limit=5`);
  assert.equal(list.body.items.find((i) => i.slug === p.slug)?.price.amount, 2750);
});

test('the writing instance shows a staff write on its very next read, without waiting for NOTIFY', async () => {
  const p = await newProduct(3100);
  await caughtUp(A.srv);
  const path = `/v1/products/${p.slug}`;
  for (let i = 0; i < 3; i++) {
    // Kept on A, then changed through A and read back at once, three times over.
    const before = await get(A.srv, path);
    await get(A.srv, path);
    const price = 3200 + i;
    const res = await A.send('PATCH', `/v1/admin/variants/${p.variants[0].id}`,
      { token: staff, body: { price }, headers: { 'if-match': '*' } });
    assert.equal(res.status, 200, res.text);
    const now = await get(A.srv, path);
    assert.equal(now.status, 200);
    assert.equal(now.body.price.amount, price, 'the write is on the writer\'s next read');
    assert.notEqual(now.headers.etag, before.headers.etag);
  }
});

test('a plain SQL write invalidates as well: the next read shows it', async () => {
  const p = await newProduct();
  await caughtUp(B);
  const path = `/v1/products/${p.slug}`;
  const first = await get(B, path);
  await get(B, path);
  sql(`UPDATE products SET name = 'Renamed ${RUN}' WHERE id = ${Number(p.id)}`);
  await caughtUp(B);
  const now = await get(B, path);
  assert.equal(now.body.name, `Renamed ${RUN}`);
  assert.notEqual(now.headers.etag, first.headers.etag);
});

test('parameter order and default values make one key (one ETag); other values do not', async () => {
  await caughtUp(B);
  const tag = async (q) => {
    const res = await get(B, `/v1/products${q}`);
    assert.equal(res.status, 200, res.text);
    return res.headers.etag;
  };
  const base = await tag('?sort=price');
  assert.match(base, /^"c[0-9]+-/);
  assert.equal(await tag('?limit=20&sort=price'), base);
  assert.equal(await tag('?sort=price&limit=20'), base);
  assert.equal(await tag('?sort=price&facets=false&limit=20'), base);
  assert.notEqual(await tag('?sort=price&limit=5'), base);
  assert.notEqual(await tag('?sort=name'), base);
  const slug = sql("SELECT slug FROM products WHERE active ORDER BY id LIMIT 1");
  const r1 = await get(B, `/v1/products/${slug}/reviews`);
  const r2 = await get(B, `/v1/products/${slug}/reviews?limit=20&sort=newest`);
  assert.equal(r2.headers.etag, r1.headers.etag);
  const s1 = await get(B, '/v1/search/suggestions?q=lap');
  const s2 = await get(B, '/v1/search/suggestions?limit=10&q=lap');
  assert.equal(s2.headers.etag, s1.headers.etag);
});

test('errors are never kept nor tagged: a 404 and a 400 run their handler every time', async () => {
  await caughtUp(B);
  const m0 = await metrics(B);
  for (let i = 0; i < 2; i++) {
    const missing = await get(B, `/v1/products/no-such-product-${RUN}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.etag, undefined);
    const bad = await get(B, '/v1/products?limit=0');
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.etag, undefined);
  }
  const m1 = await metrics(B);
  assert.equal(m1.storefront_catalog_cache_misses_total, m0.storefront_catalog_cache_misses_total + 4);
  assert.equal(m1['storefront_catalog_cache_hits_total{kind="body"}'], m0['storefront_catalog_cache_hits_total{kind="body"}']);
});

test('a tiny CATALOG_CACHE_BYTES evicts the least recently used answers and stays within bound', async () => {
  const C = await startServer({ CATALOG_CACHE_BYTES: '6000' });
  try {
    await caughtUp(C);
    const slugs = sql('SELECT slug FROM products WHERE active ORDER BY id LIMIT 12').split('\n');
    for (const s of slugs) assert.equal((await get(C, `/v1/products/${s}`)).status, 200);
    const m = await metrics(C);
    assert.ok(m.storefront_catalog_cache_evictions_total > 0, JSON.stringify(m));
    assert.ok(m.storefront_catalog_cache_bytes <= 6000, JSON.stringify(m));
    assert.ok(m.storefront_catalog_cache_entries >= 1);
    // The most recent is still kept: a hit.
    await get(C, `/v1/products/${slugs.at(-1)}`);
    const m2 = await metrics(C);
    assert.equal(m2['storefront_catalog_cache_hits_total{kind="body"}'],
      m['storefront_catalog_cache_hits_total{kind="body"}'] + 1);
  } finally {
    assert.equal((await stopServer(C)).code, 0, C.output());
  }
});

test('CATALOG_CACHE_BYTES=0 keeps nothing, yet a revalidation is still a 304 from the ETag', async () => {
  const C = await startServer({ CATALOG_CACHE_BYTES: '0' });
  try {
    await caughtUp(C);
    const first = await get(C, '/v1/categories');
    await get(C, '/v1/categories');
    const m = await metrics(C);
    assert.equal(m.storefront_catalog_cache_entries, 0);
    assert.equal(m['storefront_catalog_cache_hits_total{kind="body"}'], 0);
    const again = await get(C, '/v1/categories', { 'if-none-match': first.headers.etag });
    assert.equal(again.status, 304);
  } finally {
    assert.equal((await stopServer(C)).code, 0, C.output());
  }
});

test('a bulk statement, and a transaction of several, each bump the version once', async () => {
  // Locking the version row first makes the count exact whatever else commits.
  const bulk = script(`BEGIN;
    SELECT version FROM catalog_version FOR UPDATE;
    UPDATE products SET description = description
     WHERE id IN (SELECT id FROM products WHERE active ORDER BY id LIMIT 40);
    SELECT version FROM catalog_version;
    COMMIT;`);
  assert.equal(bulk[1], bulk[0] + 1, 'forty rows, one statement: one bump');
  const multi = script(`BEGIN;
    SELECT version FROM catalog_version FOR UPDATE;
    UPDATE products SET description = description WHERE id = (SELECT min(id) FROM products);
    UPDATE categories SET name = name WHERE id = (SELECT min(id) FROM categories);
    UPDATE brands SET name = name WHERE id = (SELECT min(id) FROM brands);
    SELECT version FROM catalog_version;
    COMMIT;`);
  assert.equal(multi[1], multi[0] + 1, 'one transaction: one bump');
  const m = await caughtUp(B, multi[1]);
  assert.ok(m.storefront_catalog_version >= multi[1]);
});

test('a listener killed while the catalog changes is exact again once it has reconnected', async () => {
  const p = await newProduct(3100);
  await caughtUp(B);
  const path = `/v1/products/${p.slug}`;
  await get(B, path);
  assert.equal((await get(B, path)).body.price.amount, 3100); // kept
  const port = new URL(B.base).port;
  const m0 = await metrics(B);
  // Terminate B's listener and change the product in the same breath: the NOTIFY of
  // this write may well reach nobody on B's side.
  const killed = adminSql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE application_name = 'storefront-catalog-listener-${port}'`);
  assert.equal(killed, '1');
  sql(`UPDATE product_variants SET price_amount = 3300 WHERE id = ${Number(p.variants[0].id)}`);
  let m;
  for (let i = 0; i < 300; i++) {
    m = await metrics(B);
    if (m.storefront_catalog_listener_connects_total > m0.storefront_catalog_listener_connects_total &&
        m.storefront_catalog_listener_connected === 1) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(m.storefront_catalog_listener_connects_total > m0.storefront_catalog_listener_connects_total,
    JSON.stringify(m));
  // The reconnect may have come before the UPDATE committed (then its NOTIFY is heard) or
  // after it (then the re-read finds it): either way B gets to the table's version.
  await caughtUp(B);
  assert.equal((await get(B, path)).body.price.amount, 3300);
  // And it hears the next change again.
  sql(`UPDATE product_variants SET price_amount = 3400 WHERE id = ${Number(p.variants[0].id)}`);
  await caughtUp(B);
  assert.equal((await get(B, path)).body.price.amount, 3400);
});

test('a checkout that leaves the variant in stock does not move the version; selling out does', async () => {
  const v0 = version();
  await A.place(); // A's variant has >= 50 in stock: one sold leaves it in the same class
  assert.equal(version(), v0, 'stock 50 -> 49 shows nowhere in the catalog');
  const p = await newProduct(1000, 7);
  const v1 = version();
  sql(`UPDATE product_variants SET stock = 6 WHERE id = ${Number(p.variants[0].id)}`);
  assert.equal(version(), v1, '7 -> 6: still in_stock');
  sql(`UPDATE product_variants SET stock = 5 WHERE id = ${Number(p.variants[0].id)}`);
  assert.equal(version(), v1 + 1, '6 -> 5: low_stock shows');
  sql(`UPDATE product_variants SET stock = 0 WHERE id = ${Number(p.variants[0].id)}`);
  assert.equal(version(), v1 + 2, '5 -> 0: out of stock shows');
  await caughtUp(B);
  const res = await get(B, `/v1/products/${p.slug}`);
  assert.equal(res.body.in_stock, false);
  assert.equal(res.body.variants[0].stock_state, 'out_of_stock');
});
