// clickstream-sdk.test.mjs — the real AWS Clickstream web SDK (@aws/clickstream-web, in
// headless Chromium) against the server's POST /v1/clickstream: its events land in the
// `events` table, mapped as docs/clickstream.md ("SDK protocol") says; and every 4xx of
// the endpoint, through the contract-validating client.
//
// The SDK runs on a page served from another
// loopback origin, so the browser's CORS checks (preflight, credentials: 'include') are
// the real ones: the browser tests use a server of their own (startServer) whose
// CORS_ALLOWED_ORIGINS is that page's origin; the 4xx tests use the shared server
// (make test gives it CLICKSTREAM_APP_IDS=storefront-web).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { api } from '../api/lib/client.mjs';
import { assertProblem } from '../api/lib/helpers.mjs';
import { requireEnv, startServer, stopServer } from '../api/lib/server.mjs';
import { runSdk, startPageServer } from './lib/sdk-browser.mjs';

const APP_ID = 'storefront-web';
let page;
let server;

before(async () => {
  page = await startPageServer();
  server = await startServer({ CORS_ALLOWED_ORIGINS: page.url, CLICKSTREAM_APP_IDS: APP_ID });
});

after(async () => {
  if (server) await stopServer(server);
  if (page) await page.close();
});
const hashCode = (buf) => createHash('sha256').update(buf).digest('hex').slice(0, 8);
const sql = (text) => execFileSync('psql', [requireEnv('STOREFRONT_SERVER_DATABASE_URL'), '-XAtqc', text],
  { encoding: 'utf8' }).trim();

/** The path and query the SDK would use for body (a Buffer or string). */
function sdkPath(body, params = {}) {
  const q = new URLSearchParams({
    platform: 'Web', appId: APP_ID, event_bundle_sequence_id: '1',
    upload_timestamp: String(Date.now()), hashCode: hashCode(body), ...params,
  });
  return `/v1/clickstream?${q}`;
}

function sdkEvent(overrides = {}) {
  return {
    event_type: 'add_to_cart', event_id: randomUUID(), unique_id: randomUUID(), app_id: APP_ID,
    timestamp: Date.now(), platform: 'Web', sdk_name: 'aws-solution-clickstream-sdk',
    user: {}, items: [{ id: '42' }],
    attributes: { _session_id: 'abcd1234-20260101-000000000', _page_url: 'http://localhost:5173/p/42' },
    ...overrides,
  };
}

const post = (body, params, headers = {}) => api('POST', sdkPath(body, params), {
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body,
});

for (const sendMode of ['Immediate', 'Batch']) {
  test(`the real SDK in ${sendMode} mode: its events land in the events table`, async () => {
    const run = await runSdk({
      endpoint: `${server.base}/v1/clickstream`, appId: APP_ID, sendMode, page,
      userId: 'shopper-7',
      records: [
        { name: 'add_to_cart', attributes: { coupon: 'WELCOME10' }, items: [{ id: '42', price: 19.99 }] },
        { name: '_search', attributes: { _search_key: 'q', _search_term: 'mechanical keyboard' } },
      ],
    });
    assert.ok(run.fetches.length > 0 && run.fetches.every((f) => f.status === 200),
      `the SDK saw 200 for every request: ${JSON.stringify(run.fetches)}`);
    const sent = run.requests.filter((r) => r.method === 'POST')
      .flatMap((r) => JSON.parse(r.body.toString('utf8')));
    const ids = [...new Set(sent.map((e) => e.event_id))];
    assert.ok(ids.length >= 4);
    const list = ids.map((id) => `'${id}'`).join(',');
    assert.equal(sql(`SELECT count(*) FROM events WHERE event_id IN (${list})`), String(ids.length));
    assert.equal(sql(`SELECT count(*) FROM events WHERE event_id IN (${list})
      AND (source <> 'sdk' OR app_id <> '${APP_ID}' OR user_id IS NOT NULL)`), '0');

    const cart = sent.find((e) => e.event_type === 'add_to_cart');
    const row = sql(`SELECT event_type, product_id, session_id, anonymous_id, page_url,
        props->>'user._user_id', props->>'coupon', (extract(epoch FROM event_time) * 1000)::bigint
      FROM events WHERE event_id = '${cart.event_id}'`).split('|');
    assert.deepEqual(row, ['add_to_cart', '42', cart.attributes._session_id, cart.unique_id,
      cart.attributes._page_url, 'shopper-7', 'WELCOME10', String(cart.timestamp)]);
    const search = sent.find((e) => e.event_type === '_search');
    assert.equal(sql(`SELECT event_type || '|' || search_query FROM events WHERE event_id = '${search.event_id}'`),
      'search|mechanical keyboard');
    const pv = sent.find((e) => e.event_type === '_page_view');
    assert.equal(sql(`SELECT event_type FROM events WHERE event_id = '${pv.event_id}'`), 'page_view');
  });
}

test('a re-sent batch (the SDK retries) answers 200 and is stored once', async () => {
  const events = [sdkEvent(), sdkEvent({ event_type: '_page_view', items: undefined })];
  const body = JSON.stringify(events);
  for (let i = 0; i < 2; i++) {
    const res = await post(body);
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
  }
  const list = events.map((e) => `'${e.event_id}'`).join(',');
  assert.equal(sql(`SELECT count(*) FROM events WHERE event_id IN (${list})`), '2');
});

test('compression=gzip: base64 of gzip (Android/Swift SDKs) and raw gzip, hashCode over the bytes sent', async () => {
  const ev = [sdkEvent(), sdkEvent()];
  const b64 = gzipSync(JSON.stringify([ev[0]])).toString('base64');
  assert.equal((await post(b64, { compression: 'gzip', platform: 'Android' })).status, 200);
  const raw = gzipSync(JSON.stringify([ev[1]]));
  const res = await api('POST', sdkPath(raw, { compression: 'gzip' }), {
    headers: { 'content-type': 'application/octet-stream' }, body: raw,
  });
  assert.equal(res.status, 200);
  assert.equal(sql(`SELECT count(*) FROM events WHERE event_id IN ('${ev[0].event_id}','${ev[1].event_id}')`), '2');
});

test('bad events are dropped, the rest of the batch is stored, the answer is 200', async () => {
  const good = sdkEvent();
  const body = JSON.stringify([{ event_type: 'x' }, good, sdkEvent({ timestamp: Date.now() - 400 * 86400000 }), 7]);
  const res = await post(body);
  assert.equal(res.status, 200);
  assert.equal(sql(`SELECT count(*) FROM events WHERE event_id = '${good.event_id}'`), '1');
});

test('4xx: unknown appId 403, hashCode 400, bad query 400, bad JSON 400, too big 413', async () => {
  const body = JSON.stringify([sdkEvent()]);
  assertProblem(await post(body, { appId: 'someone-else' }), 403, 'forbidden');
  assertProblem(await post(body, { appId: '' }), 400, 'validation-error', 'appId');
  assertProblem(await post(body, { hashCode: '00000000' }), 400, 'validation-error', 'hashCode');
  assertProblem(await post(body, { hashCode: 'xyz' }), 400, 'validation-error', 'hashCode');
  const noHash = new URLSearchParams({ platform: 'Web', appId: APP_ID });
  assertProblem(await api('POST', `/v1/clickstream?${noHash}`, { body }), 400, 'validation-error', 'hashCode');
  assertProblem(await post(body, { compression: 'br' }), 400, 'validation-error', 'compression');
  assertProblem(await post(body, { event_bundle_sequence_id: 'x1' }), 400, 'validation-error', 'event_bundle_sequence_id');
  assertProblem(await post(body, { upload_timestamp: 'soon' }), 400, 'validation-error', 'upload_timestamp');
  assertProblem(await post('[{"event_id":', {}), 400, 'validation-error', 'body');
  assertProblem(await post('{"events":[]}', {}), 400, 'validation-error', 'body');
  assertProblem(await post('not base64!', { compression: 'gzip' }), 400);
  const many = JSON.stringify(Array.from({ length: 1001 }, () => 0));
  assertProblem(await post(many), 413, 'payload-too-large');
  const huge = `[${' '.repeat(1024 * 1024)}]`;
  assertProblem(await post(huge), 413, 'payload-too-large');
  const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20)).toString('base64');
  const res = await post(bomb, { compression: 'gzip' });
  assert.ok(res.status === 413 || res.status === 400, `gzip bomb: ${res.status}`);
});
