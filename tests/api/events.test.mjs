// events.test.mjs — POST /v1/events: both body shapes, every field's validation,
// partial batches, gzip (and a gzip bomb), sendBeacon's text/plain, media types, the
// optional Bearer token (401 when bad, user_id from a good one, never from the body),
// dedup across batches, and the 400/413/415 limits. Rows are checked with psql.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { assertProblem } from './lib/helpers.mjs';
import { eventsWorld, ev, storedCount, storedRow } from './lib/events.mjs';

let w;
before(async () => { w = await eventsWorld('Events1', { EVENTS_RATE_BURST: '100000' }); });
after(async () => { if (w) await w.stop(); });

const DAY = 86400000;

test('a JSON array and {"events": [...]} are both stored, with what the server adds', async () => {
  const a = [ev({ event_type: 'product_view', product_id: 42, sku: 'MX-1', props: { color: 'black', n: 2 } }), ev()];
  let res = await w.post(a, { headers: { 'user-agent': 'events-test/1.0' } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { accepted: 2, rejected: [] });
  assert.equal(res.headers['cache-control'], 'private, no-store');
  const b = [ev({ event_type: 'search', search_query: 'gaming mouse' })];
  res = await w.post({ events: b });
  assert.deepEqual(res.body, { accepted: 1, rejected: [] });
  assert.equal(storedCount([...a, ...b].map((e) => e.event_id)), 3);
  const row = storedRow(a[0].event_id);
  assert.equal(row.event_type, 'product_view');
  assert.equal(row.source, 'web');
  assert.equal(row.product_id, 42);
  assert.equal(row.sku, 'MX-1');
  assert.deepEqual(row.props, { color: 'black', n: 2 });
  assert.equal(row.user_agent, 'events-test/1.0');
  assert.equal(row.client_ip, '127.0.0.0', 'the address is stored truncated to its /24');
  assert.equal(row.user_id, null);
  assert.equal(new Date(row.event_time).getTime(), a[0].timestamp);
  assert.ok(row.received_at);
});

test('every field is validated; a batch with no valid event is a 400 naming events[i].field', async () => {
  const cases = [
    [{ event_id: undefined }, 'event_id'], [{ event_id: 'not-a-uuid' }, 'event_id'], [{ event_id: 7 }, 'event_id'],
    [{ event_type: undefined }, 'event_type'], [{ event_type: 'bogus' }, 'event_type'],
    [{ event_type: 'custom.' }, 'event_type'], [{ event_type: `custom.${'x'.repeat(58)}` }, 'event_type'],
    [{ event_type: 'custom.a b' }, 'event_type'], [{ event_type: 3 }, 'event_type'],
    [{ timestamp: undefined }, 'timestamp'], [{ timestamp: String(Date.now()) }, 'timestamp'],
    [{ timestamp: Date.now() + 0.5 }, 'timestamp'], [{ timestamp: Date.now() - 8 * DAY }, 'timestamp'],
    [{ timestamp: Date.now() + 2 * 3600000 }, 'timestamp'],
    [{ anonymous_id: 'a'.repeat(129) }, 'anonymous_id'], [{ anonymous_id: 5 }, 'anonymous_id'],
    [{ session_id: 's'.repeat(129) }, 'session_id'],
    [{ page_url: 'ftp://shop.example.com/' }, 'page_url'], [{ page_url: `https://x/${'p'.repeat(2040)}` }, 'page_url'],
    [{ referrer: `https://x/${'r'.repeat(2040)}` }, 'referrer'], [{ referrer: false }, 'referrer'],
    [{ product_id: 0 }, 'product_id'], [{ product_id: -1 }, 'product_id'], [{ product_id: '7' }, 'product_id'],
    [{ product_id: 2 ** 53 }, 'product_id'], [{ product_id: 1.5 }, 'product_id'],
    [{ sku: 's'.repeat(65) }, 'sku'], [{ order_number: 'o'.repeat(33) }, 'order_number'],
    [{ search_query: 'q'.repeat(257) }, 'search_query'],
    [{ props: [1] }, 'props'], [{ props: 'x' }, 'props'],
    [{ props: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }, 'props'],
    [{ props: { nested: { a: 1 } } }, 'props.nested'], [{ props: { list: [1] } }, 'props.list'],
    [{ props: { big: 'b'.repeat(1025) } }, 'props.big'], [{ props: { '': 1 } }, 'props'],
    [{ user_id: 'someone-else' }, 'user_id'], [{ evnet_type: 'click' }, 'evnet_type'],
  ];
  const batch = cases.map(([over]) => ev(over));
  const res = await w.post(batch);
  assertProblem(res, 400, 'validation-error');
  cases.forEach(([, field], i) => {
    assert.ok(res.body.errors.some((e) => e.field === `events[${i}].${field}`),
      `case ${i} (${JSON.stringify(cases[i][0]).slice(0, 80)}) should name events[${i}].${field}: ${JSON.stringify(res.body.errors.filter((e) => e.field.startsWith(`events[${i}]`)))}`);
  });
  assert.equal(storedCount(batch.map((e) => e.event_id).filter((id) => typeof id === 'string' && id.length === 36)), 0);
  assertProblem(await w.post([5]), 400, 'validation-error', 'events[0].event');
});

test('the edges of every limit are accepted', async () => {
  const batch = [
    ev({ event_id: randomUUID().toUpperCase(), event_type: 'custom.newsletter_signup.v2' }),
    ev({ event_type: `custom.${'x'.repeat(57)}` }),
    ev({ timestamp: Date.now() - 6 * DAY }), ev({ timestamp: Date.now() + 30 * 60000 }),
    ev({ anonymous_id: 'a'.repeat(128), session_id: 's'.repeat(128), sku: 's'.repeat(64), order_number: 'o'.repeat(32), search_query: 'q'.repeat(256) }),
    ev({ page_url: `https://x/${'p'.repeat(2038)}`, referrer: '', product_id: 2 ** 53 - 1 }),
    ev({ props: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i % 2 ? 'v'.repeat(1024) : null])) }),
    ev({ anonymous_id: null, session_id: null, page_url: null, props: null, product_id: null }),
    ...['page_view', 'product_view', 'category_view', 'search', 'add_to_cart', 'remove_from_cart', 'wishlist_toggle',
      'checkout_start', 'purchase', 'click', 'login', 'logout'].map((t) => ev({ event_type: t })),
    ev({ search_query: 'caf\u00e9 "quoted" \\ back\\slash {brace} , comma \t tab \n NULL' }),
  ];
  const res = await w.post(batch);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { accepted: batch.length, rejected: [] });
  assert.equal(storedCount(batch.map((e) => e.event_id.toLowerCase())), batch.length);
  assert.equal(storedRow(batch.at(-1).event_id).search_query, batch.at(-1).search_query);
  assert.equal(storedRow(batch[5].event_id).referrer, null);
});

test('a partial batch stores the good events and lists the bad ones by index', async () => {
  const batch = [ev(), ev({ event_type: 'nope', product_id: 0 }), ev(), ev({ timestamp: Date.now() - 30 * DAY })];
  const res = await w.post(batch);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.accepted, 2);
  assert.deepEqual(res.body.rejected.map((r) => r.index), [1, 3]);
  assert.deepEqual(res.body.rejected[0].errors.map((e) => e.field).sort(), ['event_type', 'product_id']);
  assert.deepEqual(res.body.rejected[1].errors.map((e) => e.field), ['timestamp']);
  assert.equal(storedCount([batch[0].event_id, batch[2].event_id]), 2);
  assert.equal(storedCount([batch[1].event_id, batch[3].event_id]), 0);
});

test('gzip bodies are inflated; a gzip bomb over 1 MiB is 413; broken gzip 400; other encodings 415', async () => {
  const batch = [ev(), ev()];
  let res = await w.post(gzipSync(JSON.stringify(batch)), { raw: true, headers: { 'content-encoding': 'gzip' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(storedCount(batch.map((e) => e.event_id)), 2);
  const bomb = gzipSync(`[${' '.repeat(8 * 1024 * 1024)}]`);
  assert.ok(bomb.length < 64 * 1024);
  assertProblem(await w.post(bomb, { raw: true, headers: { 'content-encoding': 'gzip' } }), 413, 'payload-too-large');
  assertProblem(await w.post(Buffer.from('not gzip at all'), { raw: true, headers: { 'content-encoding': 'gzip' } }), 400, 'bad-request');
  const truncated = gzipSync(JSON.stringify([ev()])).subarray(0, 20);
  assertProblem(await w.post(truncated, { raw: true, headers: { 'content-encoding': 'gzip' } }), 400, 'bad-request');
  assertProblem(await w.post([ev()], { headers: { 'content-encoding': 'br' } }), 415, 'unsupported-media-type');
});

test('sendBeacon text/plain bodies are accepted; other media types are 415', async () => {
  const batch = [ev({ event_type: 'logout' })];
  const res = await w.post(batch, { headers: { 'content-type': 'text/plain;charset=UTF-8' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(storedCount([batch[0].event_id]), 1);
  for (const type of ['application/x-www-form-urlencoded', 'text/html', 'application/xml']) {
    assertProblem(await w.post([ev()], { headers: { 'content-type': type } }), 415, 'unsupported-media-type');
  }
  const none = await w.post(Buffer.from(JSON.stringify([ev()])), { raw: true, headers: { 'content-type': undefined } });
  assertProblem(none, 415, 'unsupported-media-type');
});

test('an invalid token is 401; a valid one sets user_id from its sub, never from the body', async () => {
  const e1 = ev();
  const bad = await w.post([e1], { token: 'not.a.token' });
  assertProblem(bad, 401, 'invalid-token');
  assert.match(bad.headers['www-authenticate'], /^Bearer/);
  assert.equal(storedCount([e1.event_id]), 0);
  const sub = randomUUID();
  const e2 = ev({ event_type: 'login' });
  const res = await w.post([e2], { token: w.token(sub) });
  assert.equal(res.status, 200, res.text);
  assert.equal(storedRow(e2.event_id).user_id, sub);
  const e3 = ev({ user_id: 'forged' });
  const forged = await w.post([e3, ev()], { token: w.token(sub) });
  assert.equal(forged.status, 200, forged.text);
  assert.deepEqual(forged.body.rejected, [{ index: 0, errors: [{ field: 'user_id', message: forged.body.rejected[0].errors[0].message }] }]);
  assert.equal(storedCount([e3.event_id]), 0);
});

test('duplicate event ids are stored once, across batches and inside one', async () => {
  const e = ev({ event_type: 'add_to_cart', product_id: 7 });
  for (let i = 0; i < 3; i++) {
    const res = await w.post([e, { ...e }]);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.accepted, 2, 'a re-sent event counts as accepted');
  }
  assert.equal(storedCount([e.event_id]), 1);
});

test('malformed bodies are 400; more than 500 events or over 1 MiB is 413', async () => {
  assertProblem(await w.post('[{"event_id":', { raw: true }), 400, 'bad-request');
  assertProblem(await w.post('', { raw: true }), 400, 'bad-request');
  assertProblem(await w.post([]), 400, 'validation-error', 'events');
  assertProblem(await w.post({}), 400, 'validation-error', 'events');
  assertProblem(await w.post({ events: 5 }), 400, 'validation-error', 'events');
  assertProblem(await w.post({ events: [ev()], extra: 1 }), 400, 'validation-error', 'events');
  assertProblem(await w.post('"a string"', { raw: true }), 400, 'validation-error', 'events');
  assertProblem(await w.post('null', { raw: true }), 400, 'validation-error', 'events');
  assertProblem(await w.post('[{"event_id":"a","event_id":"b"}]', { raw: true }), 400, 'bad-request');
  const many = Array.from({ length: 501 }, () => ev());
  assertProblem(await w.post(many), 413, 'payload-too-large');
  assert.equal(storedCount(many.map((e) => e.event_id)), 0);
  const full = Array.from({ length: 500 }, () => ev());
  const ok = await w.post(full);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.accepted, 500);
  const huge = [ev({ props: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'x'.repeat(1024)])) })];
  const big = Array.from({ length: 30 }, () => ({ ...huge[0], event_id: randomUUID() }));
  assert.ok(JSON.stringify(big).length > 1024 * 1024);
  assertProblem(await w.post(big), 413, 'payload-too-large');
});

test('EVENTS_INSERT_METHOD=copy stores the same rows, escapes and duplicates included', async () => {
  const c = await eventsWorld('EventsCopy', { EVENTS_INSERT_METHOD: 'copy', EVENTS_RATE_BURST: '100000' });
  try {
    const tricky = 'tab\there, new\nline, back\\slash \\N "quote" {brace},comma caf\u00e9';
    const batch = [ev({ search_query: tricky, props: { s: tricky, n: 1.5 }, product_id: 9 }), ev({ anonymous_id: null })];
    for (let i = 0; i < 2; i++) {
      const res = await c.post([...batch, batch[0]]);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.accepted, 3);
    }
    assert.equal(storedCount(batch.map((e) => e.event_id)), 2);
    const row = storedRow(batch[0].event_id);
    assert.equal(row.search_query, tricky);
    assert.deepEqual(row.props, { s: tricky, n: 1.5 });
    assert.equal(row.product_id, 9);
    assert.equal(storedRow(batch[1].event_id).anonymous_id, null);
  } finally {
    await c.stop();
  }
});

test('concurrent batches from many addresses: every event keeps its own sender\'s address', async () => {
  // One worker and a long group-commit wait: while a batch waits for its commit, the
  // same worker takes the next requests. What a waiting batch holds must be its own
  // (a handler's stack is gone once the connection is suspended).
  const x = await eventsWorld('Events2', {
    HTTP_THREADS: '1', EVENTS_FLUSH_MS: '50', TRUSTED_PROXY_HOPS: '1', EVENTS_RATE_BURST: '100000',
  });
  try {
    const batches = Array.from({ length: 40 }, (_, i) => ({ i, events: [ev(), ev(), ev()] }));
    const answers = await Promise.all(batches.map(({ i, events }) =>
      x.post(events, { headers: { 'x-forwarded-for': `10.0.${i}.7` } })));
    for (const res of answers) assert.equal(res.status, 200, res.text);
    for (const { i, events } of batches) {
      for (const e of events) {
        assert.equal(storedRow(e.event_id).client_ip, `10.0.${i}.0`, `batch ${i}'s event has another address`);
      }
    }
  } finally {
    await x.stop();
  }
});
