// http-edges.test.mjs — the contract's edges: HEAD beside every GET, and what the server
// (or libmicrohttpd under it) answers to malformed HTTP. See docs/http.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import YAML from 'yaml';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
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

test('npm run edges:head-ops adds exactly the missing head operations', () => {
  // openapi.yaml with two head operations cut out: the script puts them back as they were.
  const text = fs.readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8');
  const cut = (t, path) => {
    const start = t.indexOf('\n    head:\n', t.indexOf(`\n  ${path}:\n`));
    const end = t.slice(start + 1).search(/\n {4}\S/) + start + 1;
    return t.slice(0, start) + t.slice(end);
  };
  const without = cut(cut(text, '/v1/products'), '/v1/admin/analytics/sessions/{session_id}');
  assert.ok(without.length < text.length - 1000);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'head-ops-')), 'openapi.yaml');
  fs.writeFileSync(file, without);
  const script = new URL('../../frontend-contract/scripts/add-head-operations.mjs', import.meta.url);
  execFileSync(process.execPath, [script.pathname, file], { stdio: ['ignore', 'ignore', 'pipe'] });
  assert.equal(fs.readFileSync(file, 'utf8'), text);
  fs.rmSync(path.dirname(file), { recursive: true });
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

const ORIGIN = (process.env.CORS_ALLOWED_ORIGINS ?? 'http://localhost:5173').split(',')[0].trim();

test('HEAD answers the GET status and headers with no body, for each public path', async () => {
  const same = ['content-type', 'content-length', 'etag', 'cache-control', 'x-content-type-options',
    'x-frame-options', 'referrer-policy', 'content-security-policy', 'vary',
    'access-control-allow-origin', 'access-control-allow-credentials'];
  for (const path of await publicPaths()) {
    // A catalog ETag carries the catalog version, which other tests' staff writes bump
    // concurrently (docs/caching.md): take a GET and HEAD pair that saw the same version.
    let get, head;
    for (let attempt = 1; attempt <= 8; attempt++) {
      get = await api('GET', path, { headers: { Origin: ORIGIN } });
      head = await api('HEAD', path, { headers: { Origin: ORIGIN } });
      if (head.headers.etag === get.headers.etag) break;
    }
    assert.equal(head.headers['access-control-allow-origin'], ORIGIN, `${path}: HEAD has the CORS headers`);
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

test('the Allow header of a 405 and of a preflight lists HEAD wherever it lists GET', async () => {
  for (const path of ['/v1/products', '/v1/categories', '/healthz']) {
    const refused = await api('PUT', path, { unrouted: true });
    assert.equal(refused.status, 405, path);
    assert.match(refused.headers.allow, /^GET, HEAD\b/, `${path}: 405 Allow`);
    const preflight = await api('OPTIONS', path, { headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET' } });
    assert.match(preflight.headers.allow, /^GET, HEAD\b/, `${path}: preflight Allow`);
    assert.match(preflight.headers['access-control-allow-methods'], /\bGET, HEAD\b/, `${path}: Access-Control-Allow-Methods`);
  }
  const postOnly = await api('GET', '/v1/checkout', { unrouted: true });
  assert.equal(postOnly.status, 405);
  assert.doesNotMatch(postOnly.headers.allow, /HEAD/, 'no HEAD where there is no GET');
});

// --- malformed HTTP, over a raw socket ------------------------------------------------
// One test per row of docs/http.md's "Malformed HTTP" table, with the request the row
// names, asserting each column: who answers, the status, the body, X-Request-Id and the
// security headers, and that the server (not the client) closes the connection.

const base = new URL(process.env.STOREFRONT_BASE_URL ?? 'http://127.0.0.1:8080');

/**
 * Parses the HTTP/1.1 response at `raw`'s start: {status, headers (lower-case), body, rest};
 * `rest` is what follows a body of Content-Length bytes (a pipelined answer).
 */
function parseHead(raw) {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no response head in ${JSON.stringify(raw.slice(0, 200))}`);
  const lines = raw.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(lines[0])?.[1]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const after = raw.slice(end + 4);
  const length = headers['content-length'] === undefined ? after.length : Number(headers['content-length']);
  return { status, headers, body: after.slice(0, length), rest: after.slice(length) };
}

/**
 * Writes bytes on a fresh connection and keeps our side open; resolves once the server
 * has closed the connection, with {status, headers, body, rest} of the first answer and
 * `raw`, everything received. Fails if the server keeps the connection open for 10 s.
 */
function rawExchange(bytes) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(base.port || 80), base.hostname);
    const chunks = [];
    let closedByServer = false;
    socket.setTimeout(10000, () => socket.destroy(new Error('the server neither answered nor closed in 10 s')));
    socket.on('data', (d) => chunks.push(d));
    socket.on('end', () => { closedByServer = true; });
    socket.on('error', reject);
    socket.on('close', () => {
      if (!closedByServer) return;
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ ...parseHead(raw), raw });
    });
    socket.write(bytes);
  });
}

async function stillServing() {
  const res = await api('GET', '/healthz');
  assert.equal(res.status, 200);
}

const get = (headerLines, url = '/healthz') =>
  `GET ${url} HTTP/1.1\r\nHost: edges\r\nX-Request-Id: edges-431\r\n${headerLines}\r\n`;
const header = (bytes) => `X-Big: ${'a'.repeat(bytes)}\r\n`;
const fields = (n) => Array.from({ length: n }, (_, i) => `X-H${i}: v\r\n`).join('');
const KiB = 1024;

/** The server's own answer: problem+json of `type`, X-Request-Id, the security headers. */
function assertServerProblem(res, status, type) {
  assert.equal(res.status, status, res.raw.slice(0, 300));
  const body = validateResponse({ method: 'GET', path: '/healthz' }, { status: res.status, headers: res.headers, body: res.body });
  assert.equal(body.type, `/problems/${type}`);
  assert.equal(res.headers['x-request-id'], 'edges-431');
  for (const [h, v] of Object.entries(SECURITY_HEADERS)) assert.equal(res.headers[h], v, h);
}

// Header fields over HTTP_MAX_HEADER_BYTES or HTTP_MAX_HEADERS that still fit
// libmicrohttpd's 64 KiB pool. 63 KiB is the largest whole-KiB header that fits (measured:
// a request head of at most 64,960 bytes reaches the pipeline); 867 short fields do too.
for (const [name, bytes] of [
  ['a 40 KiB header', get(header(40 * KiB))],
  ['a 63 KiB header (the largest head the server still sees)', get(header(63 * KiB))],
  ['300 headers', get(fields(300))],
  ['850 headers', get(fields(850))],
]) {
  test(`${name}: the server's 431 problem+json with X-Request-Id and the security headers, connection closed`, async () => {
    const res = await rawExchange(bytes);
    assertServerProblem(res, 431, 'header-fields-too-large');
    assert.equal(res.headers.connection, 'close');
    await stillServing();
  });
}

test('headers at the limits still reach the handler', async () => {
  const res = await rawExchange(`GET /healthz HTTP/1.1\r\nHost: edges\r\nConnection: close\r\nX-Big: ${'a'.repeat(16 * KiB)}\r\n` +
    `${fields(90)}\r\n`);
  assert.equal(res.status, 200, res.raw.slice(0, 300));
});

test('a 40 KiB URL: the server\'s 414 problem+json, and the connection serves the next request', async () => {
  // Pipelined: the over-long request, then one that asks to close, on one connection.
  const res = await rawExchange(get('', `/healthz?q=${'a'.repeat(40 * KiB)}`) +
    'GET /healthz HTTP/1.1\r\nHost: edges\r\nConnection: close\r\n\r\n');
  assertServerProblem(res, 414, 'uri-too-long');
  assert.equal(res.headers.connection, undefined, 'a 414 keeps the connection');
  const next = parseHead(res.rest);
  assert.equal(next.status, 200);
  await stillServing();
});

// What libmicrohttpd 0.9.75 answers itself, before the server sees the request (see
// docs/http.md): its built-in HTML page and nothing else — a status line, Date,
// Connection: close and Content-Length (so no X-Request-Id, no security headers) — and it
// closes the connection.
const REQUEST_TOO_BIG = '<html><head><title>Request too big</title></head><body>Your HTTP header was too big for the memory constraints of this webserver.</body></html>';
const MALFORMED = '<html><head><title>Request malformed</title></head><body>Your HTTP request was syntactically incorrect.</body></html>';
const BAD_LENGTH = '<html><head><title>Request malformed</title></head><body>Your HTTP request has wrong value for <b>Content-Length</b> header.</body></html>';
const BAD_CHUNK = '<html><head><title>Request malformed</title></head><body>Your HTTP chunked encoding was syntactically incorrect.</body></html>';
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const [name, bytes, status, page, heads = 1] of [
  ['a 100 KiB header', get(header(100 * KiB)), 431, REQUEST_TOO_BIG],
  ['a 64 KiB header (just past the pool)', get(header(64 * KiB)), 431, REQUEST_TOO_BIG],
  ['1000 headers', get(fields(1000)), 431, REQUEST_TOO_BIG],
  ['a 64 KiB URL', get('', `/healthz?q=${'a'.repeat(64 * KiB)}`), 414, REQUEST_TOO_BIG],
  ['a header line without a colon', 'GET /healthz HTTP/1.1\r\nHost: edges\r\nThisLineHasNoColon\r\n\r\n', 400, MALFORMED],
  ['a garbage request line', '\x01\x02 garbage\r\n\r\n', 400, MALFORMED],
  // 0.9.75 writes its status line and headers twice before this page.
  ['Content-Length: -1', 'POST /v1/carts HTTP/1.1\r\nHost: edges\r\nContent-Length: -1\r\n\r\n', 400, BAD_LENGTH, 2],
  ['a bad chunk size', 'POST /v1/carts HTTP/1.1\r\nHost: edges\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400, BAD_CHUNK],
]) {
  test(`${name}: libmicrohttpd's own ${status} HTML page, no X-Request-Id, connection closed, server still serving`, async () => {
    const res = await rawExchange(bytes);
    assert.equal(res.headers['x-request-id'], undefined, 'if this fails the server now answers itself: update docs/http.md');
    const reason = { 400: 'Bad Request', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' }[status];
    const head = `HTTP/1\\.1 ${status} ${reason}\\r\\nDate: [^\\r]+\\r\\nConnection: close\\r\\nContent-Length: ${page.length}\\r\\n\\r\\n`;
    assert.match(res.raw, new RegExp(`^(?:${head}){${heads}}${escapeRe(page)}$`), res.raw.slice(0, 400));
    await stillServing();
  });
}
