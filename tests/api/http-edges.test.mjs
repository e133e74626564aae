// http-edges.test.mjs — the contract's edges: HEAD beside every GET, and what the server
// (or libmicrohttpd under it) answers to malformed HTTP. See docs/http.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import YAML from 'yaml';
import net from 'node:net';
import { api } from './lib/client.mjs';
import { validateResponse } from './lib/contract.mjs';
import { SECURITY_HEADERS } from './lib/helpers.mjs';

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
    // A catalog ETag carries the catalog version, which other tests' staff writes bump
    // concurrently (docs/caching.md): take a GET and HEAD pair that saw the same version.
    let get, head;
    for (let attempt = 1; attempt <= 8; attempt++) {
      get = await api('GET', path);
      head = await api('HEAD', path);
      if (head.headers.etag === get.headers.etag) break;
    }
    assert.equal(head.status, get.status, path);
    assert.equal(head.text, '', `${path}: HEAD sent a body`);
    for (const name of same) assert.equal(head.headers[name], get.headers[name], `${path} ${name}`);
    assert.ok(head.headers['x-request-id'], `${path}: no X-Request-Id`);
    if (get.status === 200 && path.startsWith('/v1/')) {
      assert.ok(get.headers.etag, `${path}: the catalog GET has an ETag`);
      let revalidated;
      for (let attempt = 1; attempt <= 8; attempt++) {
        const etag = attempt === 1 ? get.headers.etag : (await api('GET', path)).headers.etag;
        revalidated = await api('HEAD', path, { headers: { 'If-None-Match': etag } });
        if (revalidated.status === 304) break;
      }
      assert.equal(revalidated.status, 304, `${path}: HEAD with If-None-Match`);
    }
  }
});

// --- malformed HTTP, over a raw socket ------------------------------------------------

const base = new URL(process.env.STOREFRONT_BASE_URL ?? 'http://127.0.0.1:8080');

/** Writes bytes on a fresh connection; resolves with what came back once the server
 * closes it: {status, headers (lower-case), body, raw, closed}. */
function rawExchange(bytes) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(base.port || 80), base.hostname);
    const chunks = [];
    socket.setTimeout(10000, () => socket.destroy(new Error('the server neither answered nor closed in 10 s')));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      const head = raw.slice(0, end).split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head[0])?.[1]);
      const headers = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status, headers, body: raw.slice(end + 4), raw, closed: true });
    });
    socket.end(bytes);
  });
}

async function stillServing() {
  const res = await api('GET', '/healthz');
  assert.equal(res.status, 200);
}

const get = (headerLines) => `GET /healthz HTTP/1.1\r\nHost: edges\r\nX-Request-Id: edges-431\r\n${headerLines}\r\n`;

for (const [name, bytes] of [
  ['a 40 KiB header', get(`X-Big: ${'a'.repeat(40 * 1024)}\r\n`)],
  ['300 headers', get(Array.from({ length: 300 }, (_, i) => `X-H${i}: v\r\n`).join(''))],
]) {
  test(`${name}: 431 problem+json with X-Request-Id and the security headers`, async () => {
    const res = await rawExchange(bytes);
    assert.equal(res.status, 431, res.raw.slice(0, 300));
    const body = validateResponse({ method: 'GET', path: '/healthz' }, { status: res.status, headers: res.headers, body: res.body });
    assert.equal(body.type, '/problems/header-fields-too-large');
    assert.equal(res.headers['x-request-id'], 'edges-431');
    assert.equal(res.headers.connection, 'close');
    for (const [h, v] of Object.entries(SECURITY_HEADERS)) assert.equal(res.headers[h], v, h);
    await stillServing();
  });
}

test('headers at the limits still reach the handler', async () => {
  const res = await rawExchange(`GET /healthz HTTP/1.1\r\nHost: edges\r\nConnection: close\r\nX-Big: ${'a'.repeat(16 * 1024)}\r\n` +
    `${Array.from({ length: 90 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`);
  assert.equal(res.status, 200, res.raw.slice(0, 300));
});

// What libmicrohttpd 0.9.75 answers itself, before the server sees the request (see
// docs/http.md): its built-in HTML page, Connection: close, and the socket closed.
for (const [name, bytes, status, page] of [
  ['headers over libmicrohttpd\'s 64 KiB', get(`X-Big: ${'a'.repeat(200 * 1024)}\r\n`), 431, 'Your HTTP header was too big'],
  ['a header line without a colon', 'GET /healthz HTTP/1.1\r\nHost: edges\r\nThisLineHasNoColon\r\n\r\n', 400, 'syntactically incorrect'],
  ['a garbage request line', '\x01\x02 garbage\r\n\r\n', 400, 'syntactically incorrect'],
  ['Content-Length: -1', 'POST /v1/carts HTTP/1.1\r\nHost: edges\r\nContent-Length: -1\r\n\r\n', 400, 'wrong value for <b>Content-Length</b>'],
  ['a bad chunk size', 'POST /v1/carts HTTP/1.1\r\nHost: edges\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400, 'chunked encoding was syntactically incorrect'],
]) {
  test(`${name}: libmicrohttpd's own ${status}, connection closed, server still serving`, async () => {
    const res = await rawExchange(bytes);
    assert.equal(res.status, status, res.raw.slice(0, 300));
    assert.equal(res.headers.connection, 'close');
    assert.ok(res.raw.includes(page), res.raw.slice(0, 400));
    assert.equal(res.headers['x-request-id'], undefined, 'if this fails the server now answers itself: update docs/http.md');
    await stillServing();
  });
}
