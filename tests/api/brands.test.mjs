// brands.test.mjs — the brand list, black-box.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './lib/client.mjs';
import { assertProblem, assertConditionalGet, compareBytes, listProducts } from './lib/helpers.mjs';

test('GET /v1/brands lists at least 8 brands with unique slugs, ordered by name', async () => {
  const res = await api('GET', '/v1/brands');
  assert.equal(res.status, 200);
  const brands = res.body.items;
  assert.ok(brands.length >= 8, `expected >= 8 brands, got ${brands.length}`);
  assert.equal(new Set(brands.map((b) => b.slug)).size, brands.length);
  for (let i = 1; i < brands.length; i++) {
    assert.ok(compareBytes(brands[i - 1].name, brands[i].name) <= 0,
      `brands out of order: ${brands[i - 1].name} before ${brands[i].name}`);
  }
});

test('every brand of a listed product is in /v1/brands with the same id and name', async () => {
  const byslug = new Map((await api('GET', '/v1/brands')).body.items.map((b) => [b.slug, b]));
  const page = await listProducts({ limit: 100 });
  for (const { brand } of page.items) {
    const b = byslug.get(brand.slug);
    assert.ok(b, `brand ${brand.slug} missing from /v1/brands`);
    assert.deepEqual({ id: b.id, slug: b.slug, name: b.name }, brand);
  }
});

test('unknown query parameter on /v1/brands is 400 naming it', async () => {
  assertProblem(await api('GET', '/v1/brands?page=2'), 400, 'validation-error', 'page');
});

test('brands support ETag / 304 and public caching', async () => {
  await assertConditionalGet('/v1/brands');
});
