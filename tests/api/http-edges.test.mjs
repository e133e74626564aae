// http-edges.test.mjs — the contract's edges: HEAD beside every GET, and what the server
// (or libmicrohttpd under it) answers to malformed HTTP. See docs/http.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import YAML from 'yaml';
import { api } from './lib/client.mjs';

const spec = YAML.parse(fs.readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'));

test('openapi.yaml declares a head operation beside every GET, with the same parameters and statuses', () => {
  let gets = 0;
  for (const [path, item] of Object.entries(spec.paths)) {
    if (!item.get) continue;
    gets++;
    assert.ok(item.head, `${path} has a GET but no head operation`);
    assert.deepEqual(item.head.parameters, item.get.parameters, `${path}: head parameters differ from GET's`);
    assert.deepEqual(Object.keys(item.head.responses), Object.keys(item.get.responses), `${path}: head statuses differ`);
    assert.equal(item.head.requestBody, undefined);
  }
  assert.ok(gets > 10);
});

// The public catalog and the probes, with real slugs found through the API.
async function publicPaths() {
  const products = await api('GET', '/v1/products?limit=1');
  const categories = await api('GET', '/v1/categories');
  const product = products.body.items[0].slug;
  const category = categories.body.items?.[0]?.slug ?? categories.body[0]?.slug;
  return ['/healthz', '/readyz', '/v1/categories', `/v1/categories/${category}`, '/v1/brands',
    '/v1/products?limit=3', `/v1/products/${product}`, `/v1/products/${product}/reviews`,
    '/v1/search/suggestions?q=lo', '/v1/products/no-such-product-edges', '/v1/products?limit=0'];
}

test('HEAD answers the GET status and headers with no body, for each public path', async () => {
  const same = ['content-type', 'content-length', 'etag', 'cache-control', 'x-content-type-options',
    'x-frame-options', 'referrer-policy', 'content-security-policy', 'vary'];
  for (const path of await publicPaths()) {
    const get = await api('GET', path);
    const head = await api('HEAD', path);
    assert.equal(head.status, get.status, path);
    assert.equal(head.text, '', `${path}: HEAD sent a body`);
    for (const name of same) assert.equal(head.headers[name], get.headers[name], `${path} ${name}`);
    assert.ok(head.headers['x-request-id'], `${path}: no X-Request-Id`);
    if (get.status === 200 && path.startsWith('/v1/')) {
      assert.ok(get.headers.etag, `${path}: the catalog GET has an ETag`);
      const revalidated = await api('HEAD', path, { headers: { 'If-None-Match': get.headers.etag } });
      assert.equal(revalidated.status, 304, `${path}: HEAD with If-None-Match`);
    }
  }
});
