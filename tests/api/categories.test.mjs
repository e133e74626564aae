// categories.test.mjs — the category tree and category detail, black-box.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './lib/client.mjs';
import { assertProblem, assertConditionalGet, flattenTree } from './lib/helpers.mjs';

async function tree() {
  const res = await api('GET', '/v1/categories');
  assert.equal(res.status, 200);
  return res.body.items;
}

test('GET /v1/categories returns a consistent tree of at least 10 categories', async () => {
  const all = flattenTree(await tree());
  assert.ok(all.length >= 10, `expected >= 10 categories, got ${all.length}`);
  const slugs = new Set(all.map(({ node }) => node.slug));
  assert.equal(slugs.size, all.length, 'category slugs must be unique');
  assert.ok(all.some(({ path }) => path.length > 0), 'the tree must have at least one nested category');
  for (const { node, path } of all) {
    assert.equal(node.parent_slug, path.length ? path.at(-1).slug : null, `${node.slug}.parent_slug`);
  }
});

test('GET /v1/categories/{slug} gives ancestors root first and direct children', async () => {
  const all = flattenTree(await tree());
  const deepest = all.reduce((a, b) => (b.path.length > a.path.length ? b : a));
  const withChildren = all.find(({ node }) => node.children.length > 0);
  for (const { node, path } of [deepest, withChildren]) {
    const res = await api('GET', `/v1/categories/${node.slug}`);
    assert.equal(res.status, 200);
    const d = res.body;
    assert.deepEqual([d.id, d.slug, d.name, d.description, d.parent_slug],
      [node.id, node.slug, node.name, node.description, node.parent_slug]);
    assert.deepEqual(d.ancestors, path.map(({ id, slug, name }) => ({ id, slug, name })));
    assert.deepEqual(d.children, node.children.map(({ id, slug, name }) => ({ id, slug, name })));
  }
});

test('a root category has no ancestors', async () => {
  const [root] = await tree();
  const res = await api('GET', `/v1/categories/${root.slug}`);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.ancestors, []);
  assert.equal(res.body.parent_slug, null);
});

test('unknown category slug is 404', async () => {
  assertProblem(await api('GET', '/v1/categories/no-such-category-xyz'), 404, 'not-found');
});

test('malformed category slug is 400 naming slug', async () => {
  assertProblem(await api('GET', '/v1/categories/Bad_Slug'), 400, 'validation-error', 'slug');
  assertProblem(await api('GET', '/v1/categories/trailing-'), 400, 'validation-error', 'slug');
  assertProblem(await api('GET', `/v1/categories/${'a'.repeat(101)}`), 400, 'validation-error', 'slug');
});

test('unknown query parameter on /v1/categories is 400 naming it', async () => {
  assertProblem(await api('GET', '/v1/categories?depth=2'), 400, 'validation-error', 'depth');
});

test('category tree and detail support ETag / 304 and public caching', async () => {
  await assertConditionalGet('/v1/categories');
  const [root] = await tree();
  await assertConditionalGet(`/v1/categories/${root.slug}`);
});
