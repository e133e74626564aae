// clickstream-sdk-capture.test.mjs — what the real AWS Clickstream web SDK
// (@aws/clickstream-web, in headless Chromium) puts on the wire, checked against what
// docs/clickstream.md ("SDK protocol") and api/clickstream/sdk_map.c assume.
//
// The endpoint is a small capture server in this test (no Storefront server needed), so
// this runs in every `make test`. With UPDATE_SDK_FIXTURES=1 it also rewrites
// tests/fixtures/clickstream-sdk/, the real request bodies and query strings that
// tests/unit/test_clickstream_sdk.c maps; without it, it checks that the committed
// fixtures still have the shape the SDK sends today.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runSdk, startPageServer } from './lib/sdk-browser.mjs';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/clickstream-sdk');
const APP_ID = 'storefront-web';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const hashCode = (buf) => createHash('sha256').update(buf).digest('hex').slice(0, 8);

const RECORDS = [
  {
    name: 'add_to_cart',
    attributes: { currency: 'EUR', value: 19.99, coupon: 'WELCOME10' },
    items: [{ id: '42', name: 'Ergonomic mouse', brand: 'Logi', price: 19.99, quantity: 1 }],
  },
  { name: 'product_view', attributes: { list: 'search results' }, items: [{ id: 'MX-KEYS-DE' }] },
];

/** A capture endpoint: records every request; answers CORS the way the SDK needs
 * (credentials: 'include' requires Access-Control-Allow-Credentials) unless told not to. */
async function captureServer({ allowCredentials = true } = {}) {
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      const origin = req.headers.origin;
      const cors = origin ? {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'Content-Type',
        ...(allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
      } : {};
      // The SDK expects 200 with an empty body.
      res.writeHead(req.method === 'OPTIONS' ? 204 : 200, cors).end();
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    seen, endpoint: `http://127.0.0.1:${server.address().port}/v1/clickstream`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

function checkPost(p) {
  const url = new URL(p.url, 'http://x');
  assert.deepEqual([...url.searchParams.keys()].sort(),
    ['appId', 'event_bundle_sequence_id', 'hashCode', 'platform', 'upload_timestamp']);
  assert.equal(url.searchParams.get('appId'), APP_ID);
  assert.equal(url.searchParams.get('platform'), 'Web');
  assert.match(url.searchParams.get('event_bundle_sequence_id'), /^[0-9]+$/);
  assert.match(url.searchParams.get('upload_timestamp'), /^[0-9]{13}$/);
  // hashCode: the first 8 hex digits of the SHA-256 of the body bytes as sent.
  assert.equal(url.searchParams.get('hashCode'), hashCode(p.body));
  assert.equal(p.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(p.headers['content-encoding'], undefined, 'the web SDK never compresses');
  const events = JSON.parse(p.body.toString('utf8'));
  assert.ok(Array.isArray(events) && events.length > 0);
  for (const e of events) {
    assert.match(e.event_id, UUID);
    assert.ok(Number.isInteger(e.timestamp));
    assert.equal(e.app_id, APP_ID);
    assert.equal(e.platform, 'Web');
    assert.match(e.unique_id, UUID);
    assert.match(e.attributes._session_id, /^[0-9a-f]{8}-[0-9]{8}-[0-9]{9}$/);
    assert.match(e.attributes._page_url, /^http:\/\/127\.0\.0\.1:[0-9]+\/page\//);
    assert.equal(typeof e.user, 'object');
  }
  return events;
}

function saveFixture(name, p) {
  mkdirSync(FIXTURES, { recursive: true });
  writeFileSync(resolve(FIXTURES, `${name}.json`), p.body);
  writeFileSync(resolve(FIXTURES, `${name}.query`), `${new URL(p.url, 'http://x').search.slice(1)}\n`);
}

test('Immediate mode: one POST per event, query parameters, hashCode over the body, CORS preflight', async () => {
  const cap = await captureServer();
  try {
    const run = await runSdk({ endpoint: cap.endpoint, appId: APP_ID, sendMode: 'Immediate',
      userId: 'shopper-7', records: RECORDS });
    const posts = cap.seen.filter((r) => r.method === 'POST');
    const types = posts.flatMap((p) => checkPost(p).map((e) => e.event_type));
    for (const t of ['_first_open', '_session_start', '_page_view', '_profile_set', 'add_to_cart', 'product_view']) {
      assert.ok(types.includes(t), `${t} was sent (got ${types})`);
    }
    assert.ok(posts.every((p) => JSON.parse(p.body).length === 1), 'Immediate sends one event per request');
    // A cross-origin fetch with a JSON Content-Type: the browser preflights it.
    const pre = cap.seen.find((r) => r.method === 'OPTIONS');
    assert.ok(pre, 'preflight seen');
    assert.equal(pre.headers['access-control-request-method'], 'POST');
    assert.equal(pre.headers['access-control-request-headers'], 'content-type');
    assert.ok(run.fetches.length >= posts.length);
    assert.ok(run.fetches.every((f) => f.status === 200), `the SDK saw 200s: ${JSON.stringify(run.fetches)}`);
    // setUserId: user._user_id travels with later events, as {value, set_timestamp}.
    const cart = posts.map((p) => JSON.parse(p.body)[0]).find((e) => e.event_type === 'add_to_cart');
    assert.equal(cart.user._user_id.value, 'shopper-7');
    assert.deepEqual(cart.items[0], RECORDS[0].items[0]);
    assert.equal(cart.attributes.coupon, 'WELCOME10');
    if (process.env.UPDATE_SDK_FIXTURES === '1') {
      for (const p of posts) saveFixture(`immediate-${JSON.parse(p.body)[0].event_type}`, p);
    }
  } finally {
    await cap.close();
  }
});

test('Batch mode: events kept in localStorage go out together, still one hashCode per body', async () => {
  const cap = await captureServer();
  // A page server started by the caller, as tests against a real server use it.
  const page = await startPageServer();
  try {
    await runSdk({ endpoint: cap.endpoint, appId: APP_ID, sendMode: 'Batch', userId: 'shopper-7',
      records: RECORDS, page });
    assert.ok(cap.seen.every((r) => r.headers.origin === page.url), 'requests come from the page origin');
    const posts = cap.seen.filter((r) => r.method === 'POST');
    const batches = posts.map(checkPost);
    assert.ok(batches.some((b) => b.length > 1), 'at least one request carries several events');
    const all = batches.flat().map((e) => e.event_type);
    assert.ok(all.includes('add_to_cart') && all.includes('product_view'));
    if (process.env.UPDATE_SDK_FIXTURES === '1') {
      const biggest = posts.reduce((a, b) => (JSON.parse(b.body).length > JSON.parse(a.body).length ? b : a));
      saveFixture('batch', biggest);
      // The Android/Swift SDKs' compression=gzip: base64 text of the gzip stream, hashCode
      // over that text (StringUtil.compressForGzip in the Android SDK). Built here from
      // the real batch body; the web SDK itself never compresses.
      const b64 = gzipSync(biggest.body).toString('base64');
      const q = new URL(biggest.url, 'http://x').searchParams;
      q.set('platform', 'Android');
      q.set('hashCode', hashCode(Buffer.from(b64)));
      q.set('compression', 'gzip');
      writeFileSync(resolve(FIXTURES, 'batch-gzip-base64.txt'), b64);
      writeFileSync(resolve(FIXTURES, 'batch-gzip-base64.query'), `${q}\n`);
    }
  } finally {
    await cap.close();
    await page.close();
  }
});

test('without Access-Control-Allow-Credentials the browser never sends the events', async () => {
  // The SDK fetches with credentials: 'include', so a server whose CORS answer lacks
  // Access-Control-Allow-Credentials: true fails the preflight: no POST reaches it.
  const cap = await captureServer({ allowCredentials: false });
  try {
    const run = await runSdk({ endpoint: cap.endpoint, appId: APP_ID, records: RECORDS.slice(0, 1) });
    assert.ok(cap.seen.some((r) => r.method === 'OPTIONS'));
    assert.equal(cap.seen.filter((r) => r.method === 'POST').length, 0);
    assert.ok(run.fetches.length > 0 && run.fetches.every((f) => f.status === 0 && f.error),
      JSON.stringify(run.fetches));
  } finally {
    await cap.close();
  }
});

test('the committed fixtures are real SDK requests whose hashCode matches', () => {
  for (const name of ['immediate-add_to_cart', 'immediate-_page_view', 'batch']) {
    const body = readFileSync(resolve(FIXTURES, `${name}.json`));
    const q = new URLSearchParams(readFileSync(resolve(FIXTURES, `${name}.query`), 'utf8').trim());
    checkPost({ url: `/v1/clickstream?${q}`, body, headers: { 'content-type': 'application/json; charset=utf-8' } });
  }
  const b64 = readFileSync(resolve(FIXTURES, 'batch-gzip-base64.txt'));
  const q = new URLSearchParams(readFileSync(resolve(FIXTURES, 'batch-gzip-base64.query'), 'utf8').trim());
  assert.equal(q.get('hashCode'), hashCode(b64));
});
