// helpers.mjs — shared assertions and catalog walkers for the black-box API tests.
//
// Nothing here hard-codes catalog data: tests discover slugs, prices and categories
// from the server's own list responses, so a reseeded catalog does not break them.
import assert from 'node:assert/strict';
import { api } from './client.mjs';

/** Query string from an object, skipping undefined values; '' when empty. */
export function qs(params = {}) {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]);
  return entries.length ? `?${new URLSearchParams(entries)}` : '';
}

/**
 * Asserts res is a problem with this HTTP status and problem type slug (e.g.
 * 'validation-error'); with field, that errors[] names it. (The client already checked
 * the body against the Problem schema and that body.status equals the HTTP status.)
 */
export function assertProblem(res, status, type, field) {
  const summary = `${res.status} ${JSON.stringify(res.body).slice(0, 400)}`;
  assert.equal(res.status, status, `expected ${status}, got ${summary}`);
  assert.equal(res.headers['content-type'].split(';')[0].trim(), 'application/problem+json');
  for (const key of ['type', 'title', 'status', 'detail', 'request_id']) {
    assert.ok(key in res.body, `problem lacks ${key}: ${summary}`);
  }
  assert.equal(res.body.status, status);
  if (type) assert.equal(res.body.type, `/problems/${type}`, `wrong problem type: ${summary}`);
  if (field) {
    assert.ok(res.body.errors?.some((e) => e.field === field),
      `expected errors[] to name ${JSON.stringify(field)}: ${summary}`);
  }
}

/** GET /v1/products with params; asserts 200 and returns the parsed ProductList. */
export async function listProducts(params) {
  const res = await api('GET', `/v1/products${qs(params)}`);
  assert.equal(res.status, 200, `GET /v1/products${qs(params)} -> ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Follows next_cursor from the first page to the last and returns {items, pages}.
 * Stops with an assertion after maxPages so a cursor that loops cannot hang the suite.
 */
export async function listAllProducts(params = {}, { maxPages = 200 } = {}) {
  const items = [];
  let cursor;
  for (let pages = 1; pages <= maxPages; pages++) {
    const page = await listProducts({ ...params, cursor });
    items.push(...page.items);
    if (page.next_cursor === null) return { items, pages };
    assert.ok(page.items.length > 0, 'a page with a next_cursor must not be empty');
    cursor = page.next_cursor;
  }
  assert.fail(`pagination did not end within ${maxPages} pages for ${qs(params)}`);
}

/** Asserts no product id appears twice and returns the set of ids. */
export function uniqueIds(items, what) {
  const ids = new Set();
  for (const item of items) {
    assert.ok(!ids.has(item.id), `${what}: product ${item.id} (${item.slug}) returned twice`);
    ids.add(item.id);
  }
  return ids;
}

/** Every category node of the tree, depth first, each with its path from the root. */
export function flattenTree(nodes, path = []) {
  return nodes.flatMap((node) => [{ node, path }, ...flattenTree(node.children, [...path, node])]);
}

/** Byte order of UTF-8, which is what sort=name and brand order promise (COLLATE "C"). */
export function compareBytes(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/** A catalog ETag ("c<version>-<hash>", docs/caching.md) whose version moved on. */
class CatalogMoved extends Error {}

function sameRepresentation(a, b, message) {
  const va = /^"c(\d+)-(.*)"$/.exec(a ?? '');
  const vb = /^"c(\d+)-(.*)"$/.exec(b ?? '');
  if (va && vb && va[2] === vb[2] && va[1] !== vb[1]) throw new CatalogMoved(message);
  assert.equal(b, a, message);
}

/**
 * Strong ETag, public caching and a 304 with the same ETag on If-None-Match.
 *
 * A catalog ETag carries the catalog version, which any staff write bumps, and other
 * tests write to the catalog concurrently: when only the version part moved between two
 * answers, the whole check starts again (a few times), so a changed hash of the same
 * request, or a version that never holds still, still fails.
 */
export async function assertConditionalGet(path) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await conditionalGetOnce(path);
    } catch (err) {
      if (!(err instanceof CatalogMoved) || attempt === 8) throw err;
    }
  }
}

async function conditionalGetOnce(path) {
  const first = await api('GET', path);
  assert.equal(first.status, 200);
  const etag = first.headers.etag;
  assert.match(etag, /^"[^"]+"$/, 'ETag must be strong and quoted');
  assert.match(first.headers['cache-control'], /^public, max-age=\d+/);
  const again = await api('GET', path);
  sameRepresentation(etag, again.headers.etag, 'the same representation must keep its ETag');
  const cached = await api('GET', path, { headers: { 'If-None-Match': etag } });
  if (cached.status === 200) sameRepresentation(etag, cached.headers.etag, 'a 200 to If-None-Match');
  assert.equal(cached.status, 304);
  assert.equal(cached.text, '');
  assert.equal(cached.headers.etag, etag);
  assert.match(cached.headers['cache-control'], /^public, max-age=\d+/);
  const listed = await api('GET', path, { headers: { 'If-None-Match': `"not-it", ${etag}` } });
  if (listed.status === 200) sameRepresentation(etag, listed.headers.etag, 'a 200 to the list');
  assert.equal(listed.status, 304, 'If-None-Match with a list containing the ETag must match');
  const stale = await api('GET', path, { headers: { 'If-None-Match': '"something-else"' } });
  assert.equal(stale.status, 200);
  const head = await api('HEAD', path);
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  sameRepresentation(etag, head.headers.etag, 'HEAD must carry the same ETag as GET');
}
