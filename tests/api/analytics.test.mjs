// analytics.test.mjs — GET /v1/admin/analytics/{funnel,top-products,traffic,sessions/{id}}
// against a hand-computed fixture: fourteen sessions inserted with SQL on day D (4 days
// ago, UTC) and its neighbours, the rollups refreshed with analytics_refresh() (what the
// server's refresher thread runs), and every expected number written out below with the
// reason for it. Then every 4xx of the four endpoints, 401 and 403.
//
// Other tests insert "now"-dated events into the same database; D is far enough back
// that none of theirs fall in the ranges asked here. Session ids carry a random prefix.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem, qs } from './lib/helpers.mjs';
import { requireEnv } from './lib/server.mjs';
import { admin, shopper } from './lib/tokens.mjs';

const sql = (text) => execFileSync('psql', [requireEnv('STOREFRONT_SERVER_DATABASE_URL'), '-XAtqc', text],
  { encoding: 'utf8' }).trim();

const DAY = 86400e3;
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
const D = today - 4 * DAY; // the fixture's day, 00:00 UTC
const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const at = (offsetDays, hhmm) => {
  const [h, m] = hhmm.split(':').map(Number);
  return new Date(D + offsetDays * DAY + (h * 60 + m) * 60e3).toISOString();
};
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

const P = `an${randomUUID().slice(0, 8)}`; // session id prefix of this run
const B = 9000000000001; // product B: not in the catalog (slug and name null)
let A; // product A: a real catalog product
let aSlug;
let staff;
let customer;

// Event type shorthands. V product_view, C add_to_cart, K checkout_start, P purchase,
// G page_view.
const T = { V: 'product_view', C: 'add_to_cart', K: 'checkout_start', P: 'purchase', G: 'page_view' };

/** [session (null = none), day offset, 'hh:mm', type letter or full type, product, user_id, anonymous_id] */
function fixture() {
  return [
    // s1 (u1): G V C K P, all of product A -> reaches all 4 steps.
    ['s1', 0, '10:00', 'G', null, 'u1', 'a1'], ['s1', 0, '10:01', 'V', A, 'u1', 'a1'],
    ['s1', 0, '10:02', 'C', A, 'u1', 'a1'], ['s1', 0, '10:03', 'K', null, 'u1', 'a1'],
    ['s1', 0, '10:04', 'P', A, 'u1', 'a1'],
    // s2: G V C K, no purchase -> 3 steps.
    ['s2', 0, '11:00', 'G', null, null, 'a2'], ['s2', 0, '11:01', 'V', A, null, 'a2'],
    ['s2', 0, '11:02', 'C', A, null, 'a2'], ['s2', 0, '11:05', 'K', null, null, 'a2'],
    // s3: V C (product B) -> 2 steps.
    ['s3', 0, '12:00', 'V', B, null, 'a3'], ['s3', 0, '12:01', 'C', B, null, 'a3'],
    // s4: out of order, C before V -> only step 1 (no add_to_cart after the view).
    ['s4', 0, '13:00', 'C', B, null, 'a4'], ['s4', 0, '13:05', 'V', B, null, 'a4'],
    // s5 (u1 again): repeats V V C C V K P -> 4 steps; same person as s1.
    ['s5', 0, '14:00', 'V', A, 'u1', 'a5'], ['s5', 0, '14:01', 'V', B, 'u1', 'a5'],
    ['s5', 0, '14:02', 'C', B, 'u1', 'a5'], ['s5', 0, '14:03', 'C', B, 'u1', 'a5'],
    ['s5', 0, '14:04', 'V', A, 'u1', 'a5'], ['s5', 0, '14:05', 'K', null, 'u1', 'a5'],
    ['s5', 0, '14:06', 'P', B, 'u1', 'a5'],
    // s6: an automatic SDK event and one page view -> the only bounce; no funnel step.
    ['s6', 0, '15:00', 'custom._session_start', null, null, 'a6'], ['s6', 0, '15:00', 'G', null, null, 'a6'],
    // s7: starts at 23:50 on D, goes on past midnight -> counted on D with all 4 steps;
    // its C and P (D+1) are not product events of D.
    ['s7', 0, '23:50', 'V', A, null, 'a7'], ['s7', 1, '00:10', 'C', A, null, 'a7'],
    ['s7', 1, '00:15', 'K', null, null, 'a7'], ['s7', 1, '00:20', 'P', A, null, 'a7'],
    // s8: starts on D-1 -> not a session of D, but its C at 00:05 is a product event of D.
    ['s8', -1, '23:55', 'V', A, null, 'a8'], ['s8', 0, '00:05', 'C', A, null, 'a8'],
    // s9: P K V, backwards -> only step 1.
    ['s9', 0, '16:00', 'P', B, null, 'a9'], ['s9', 0, '16:01', 'K', null, null, 'a9'],
    ['s9', 0, '16:02', 'V', B, null, 'a9'],
    // s10: two page views (not a bounce); signs in on the second -> the person is u2.
    ['s10', 0, '17:00', 'G', null, null, 'a10'], ['s10', 0, '17:05', 'G', null, 'u2', 'a10'],
    // s11: V K P, skipping add_to_cart -> only step 1.
    ['s11', 0, '18:00', 'V', A, null, 'a11'], ['s11', 0, '18:01', 'K', null, null, 'a11'],
    ['s11', 0, '18:02', 'P', A, null, 'a11'],
    // s12: a whole funnel two days later -> outside every range asked below.
    ['s12', 2, '09:00', 'V', A, null, 'a12'], ['s12', 2, '09:01', 'C', A, null, 'a12'],
    ['s12', 2, '09:02', 'K', null, null, 'a12'], ['s12', 2, '09:03', 'P', A, null, 'a12'],
    // s13: V and C with the same event_time; received_at orders them V, C -> 2 steps.
    ['s13', 0, '19:00', 'V', B, null, 'a13', 'now() - interval \'1 second\''],
    ['s13', 0, '19:00', 'C', B, null, 'a13', 'now()'],
    // No session: a product view of A and a page view -> in product and page view
    // counts, in no session.
    [null, 0, '20:00', 'V', A, null, 'a15'], [null, 0, '20:01', 'G', null, null, 'a15'],
    // s14: a custom event, then a page view -> an interaction, so not a bounce.
    ['s14', 0, '21:00', 'custom.newsletter_signup', null, null, 'a14'], ['s14', 0, '21:01', 'G', null, null, 'a14'],
  ];
}

const lit = (v) => (v === null || v === undefined ? 'NULL' : `'${String(v).replaceAll("'", "''")}'`);

before(async () => {
  [A, aSlug] = sql('SELECT id, slug FROM products ORDER BY id LIMIT 1').split('|');
  A = Number(A);
  sql(`SELECT events_partitions_ensure('${day(D - 2 * DAY)}', '${day(D + 2 * DAY)}')`);
  const rows = fixture().map(([s, d, hhmm, type, product, user, anon, received]) =>
    `(gen_random_uuid(), ${lit(at(d, hhmm))}, ${received ?? 'now()'}, ${lit(T[type] ?? type)}, 'web', `
    + `${s ? lit(`${P}-${s}`) : 'NULL'}, ${lit(user)}, ${lit(anon)}, ${product ?? 'NULL'})`);
  sql(`INSERT INTO events (event_id, event_time, received_at, event_type, source, session_id, user_id,
    anonymous_id, product_id) VALUES ${rows.join(',\n')}`);
  sql('SELECT analytics_refresh()');
  [staff, customer] = (await Promise.all([admin(), shopper()])).map((t) => t.access);
});

const get = (path, params, token = staff) => api('GET', `${path}${qs(params)}`,
  { headers: token ? { authorization: `Bearer ${token}` } : {} });
const range = { from: day(D), to: day(D + DAY) };
const funnel = (params) => get('/v1/admin/analytics/funnel', { ...range, ...params });
const top = (params) => get('/v1/admin/analytics/top-products', { ...range, ...params });
const traffic = (params) => get('/v1/admin/analytics/traffic', { ...range, ...params });

test('funnel: the default steps over day D, hand-computed', async () => {
  const res = await funnel();
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.from, iso(D));
  assert.equal(res.body.to, iso(D + DAY));
  // Sessions that started on D: s1-s7, s9, s10, s11, s13, s14 (s8 began on D-1, s12 on D+2).
  // product_view: s1 s2 s3 s4 s5 s7 s9 s11 s13 = 9
  // then add_to_cart: s1 s2 s3 s5 s7 s13 = 6 (s4, s9 only before the view; s11 none)
  // then checkout_start: s1 s2 s5 s7 = 4
  // then purchase: s1 s5 s7 = 3 (s2 never bought)
  assert.deepEqual(res.body.steps, [
    { event_type: 'product_view', sessions: 9, conversion_from_previous: null, conversion_from_start: null },
    { event_type: 'add_to_cart', sessions: 6, conversion_from_previous: 0.6667, conversion_from_start: 0.6667 },
    { event_type: 'checkout_start', sessions: 4, conversion_from_previous: 0.6667, conversion_from_start: 0.4444 },
    { event_type: 'purchase', sessions: 3, conversion_from_previous: 0.75, conversion_from_start: 0.3333 },
  ]);
  assert.equal(res.body.overall_conversion, 0.3333);
});

test('funnel: custom steps, a repeated step, a step no event has, a narrower range', async () => {
  // page_view: s1 s2 s6 s10 s14 = 5; then product_view: s1 s2 = 2.
  let res = await funnel({ steps: 'page_view,product_view' });
  assert.deepEqual(res.body.steps.map((s) => s.sessions), [5, 2]);
  assert.equal(res.body.overall_conversion, 0.4);
  // Two product views in order: only s5 has more than one.
  res = await funnel({ steps: 'product_view,product_view' });
  assert.deepEqual(res.body.steps.map((s) => s.sessions), [9, 1]);
  // A custom type no event has: nobody reaches it; a custom type that exists: s14.
  res = await funnel({ steps: 'product_view,custom.never_sent_anywhere' });
  assert.deepEqual(res.body.steps.map((s) => s.sessions), [9, 0]);
  assert.equal(res.body.steps[1].conversion_from_previous, 0);
  res = await funnel({ steps: 'custom.newsletter_signup,page_view' });
  assert.deepEqual(res.body.steps.map((s) => s.sessions), [1, 1]);
  // 10:00-15:00 on D: s1 s2 s3 s4 s5 (and s6 starts at 15:00, excluded).
  res = await funnel({ from: iso(D + 10 * 3600e3), to: iso(D + 15 * 3600e3) });
  assert.deepEqual(res.body.steps.map((s) => s.sessions), [5, 4, 3, 2]);
  // Nothing at all in range: zeros and null conversions.
  res = await funnel({ from: day(D - 30 * DAY), to: day(D - 29 * DAY) });
  assert.deepEqual(res.body.steps.map((s) => s.sessions), [0, 0, 0, 0]);
  assert.equal(res.body.steps[1].conversion_from_previous, null);
  assert.equal(res.body.overall_conversion, null);
});

test('top-products: views, add_to_cart, purchases and conversion over day D', async () => {
  // Product events with event_time on D, sessions or not:
  // A views: s1, s2, s5 x2, s7 (23:50), s11, sessionless = 7; B views: s3 s4 s5 s9 s13 = 5
  // A add_to_cart: s1, s2, s8 (00:05 on D) = 3 (s7's is on D+1); B: s3 s4 s5 x2 s13 = 5
  // A purchases: s1, s11 = 2 (s7's is on D+1); B: s5, s9 = 2
  const a = { product_id: A, slug: aSlug, views: 7, add_to_cart: 3, purchases: 2, conversion: 0.2857 };
  const b = { product_id: B, slug: null, name: null, views: 5, add_to_cart: 5, purchases: 2, conversion: 0.4 };
  const strip = ({ name, ...rest }) => (rest.product_id === A ? rest : { name, ...rest });
  let res = await top({ metric: 'views' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.metric, 'views');
  assert.deepEqual([res.body.from, res.body.to], [iso(D), iso(D + DAY)]);
  assert.deepEqual(res.body.items.map(strip), [a, b]);
  assert.equal(typeof res.body.items[0].name, 'string');
  res = await top();
  assert.equal(res.body.metric, 'views', 'views is the default');
  res = await top({ metric: 'add_to_cart' });
  assert.deepEqual(res.body.items.map(strip), [b, a]);
  // 2 purchases each: the tie goes to more views (A).
  res = await top({ metric: 'purchases' });
  assert.deepEqual(res.body.items.map(strip), [a, b]);
  res = await top({ metric: 'conversion' });
  assert.deepEqual(res.body.items.map(strip), [b, a]);
  res = await top({ metric: 'conversion', limit: 1 });
  assert.deepEqual(res.body.items.map(strip), [b]);
  res = await top({ from: day(D - 30 * DAY), to: day(D - 29 * DAY) });
  assert.deepEqual(res.body.items, []);
});

test('traffic: sessions, users, page views and bounces per day and per hour', async () => {
  let res = await traffic({ interval: 'day' });
  assert.equal(res.status, 200, res.text);
  // 12 sessions started on D. People: u1 (s1 and s5), a2 a3 a4 a6 a7 a9, u2 (s10), a11
  // a13 a14 = 11. Page views on D: s1 s2 s6 s10 x2 s14 and the sessionless one = 7.
  // Bounces: s6 only (s10 has two page views, s14 a custom event).
  const day0 = { sessions: 12, users: 11, page_views: 7, bounces: 1, bounce_rate: 0.0833 };
  assert.deepEqual(res.body.items, [{ start: iso(D), ...day0 }]);
  assert.deepEqual([res.body.from, res.body.to, res.body.interval], [iso(D), iso(D + DAY), 'day']);
  assert.deepEqual(res.body.totals, day0);
  // D and D+1: s7 runs into D+1 but started on D; s12 is on D+2.
  res = await traffic({ to: day(D + 2 * DAY) });
  assert.equal(res.body.interval, 'day', 'day is the default');
  assert.deepEqual(res.body.items.map((b) => [b.start, b.sessions, b.page_views, b.bounce_rate]),
    [[iso(D), 12, 7, 0.0833], [iso(D + DAY), 0, 0, null]]);
  // Hours 10 and 11 of D: s1 and s2, one page view each.
  res = await traffic({ from: iso(D + 10 * 3600e3), to: iso(D + 12 * 3600e3), interval: 'hour' });
  assert.deepEqual(res.body.items, [
    { start: iso(D + 10 * 3600e3), sessions: 1, users: 1, page_views: 1, bounces: 0, bounce_rate: 0 },
    { start: iso(D + 11 * 3600e3), sessions: 1, users: 1, page_views: 1, bounces: 0, bounce_rate: 0 },
  ]);
  // Around midnight before D: s8 started at 23:55 on D-1.
  res = await traffic({ from: iso(D - 2 * 3600e3), to: iso(D + 3600e3), interval: 'hour' });
  assert.deepEqual(res.body.items.map((b) => b.sessions), [0, 1, 0]);
  assert.equal(res.body.totals.sessions, 1);
  // A day bucket clipped by a from that is not midnight still starts at midnight.
  res = await traffic({ from: iso(D + 12 * 3600e3) });
  assert.equal(res.body.items[0].start, iso(D));
  assert.equal(res.body.items[0].sessions, 10, 'the 12 sessions minus s1 and s2');
});

test('sessions/{session_id}: the ordered path, across midnight, ties by received_at', async () => {
  let res = await get(`/v1/admin/analytics/sessions/${P}-s5`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.session_id, `${P}-s5`);
  assert.equal(res.body.event_count, 7);
  assert.equal(res.body.truncated, false);
  assert.deepEqual(res.body.events.map((e) => [e.event_type, e.product_id, e.event_time]), [
    ['product_view', A, at(0, '14:00')], ['product_view', B, at(0, '14:01')],
    ['add_to_cart', B, at(0, '14:02')], ['add_to_cart', B, at(0, '14:03')],
    ['product_view', A, at(0, '14:04')], ['checkout_start', null, at(0, '14:05')],
    ['purchase', B, at(0, '14:06')],
  ]);
  assert.equal(res.body.events[0].user_id, 'u1');
  res = await get(`/v1/admin/analytics/sessions/${P}-s7`);
  assert.equal(res.body.started_at, at(0, '23:50'));
  assert.equal(res.body.ended_at, at(1, '00:20'));
  assert.deepEqual(res.body.events.map((e) => e.event_type), ['product_view', 'add_to_cart', 'checkout_start', 'purchase']);
  res = await get(`/v1/admin/analytics/sessions/${P}-s13`);
  assert.deepEqual(res.body.events.map((e) => e.event_type), ['product_view', 'add_to_cart']);
});

// On D-2, outside every range whose numbers are checked.
test('sessions/{session_id}: a long session is capped at 1000 events', async () => {
  const id = `${P}-long`;
  sql(`INSERT INTO events (event_id, event_time, event_type, source, session_id)
    SELECT gen_random_uuid(), '${at(-2, '22:00')}'::timestamptz + g * interval '1 second', 'page_view', 'web', '${id}'
    FROM generate_series(1, 1005) g`);
  const res = await get(`/v1/admin/analytics/sessions/${id}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.event_count, 1005);
  assert.equal(res.body.truncated, true);
  assert.equal(res.body.events.length, 1000);
  assert.equal(res.body.events[999].event_time, new Date(Date.parse(at(-2, '22:00')) + 1000e3).toISOString());
});

test('every bad parameter is a 400 naming it', async () => {
  const cases = [
    [funnel, { from: undefined }, 'from'], [funnel, { to: undefined }, 'to'],
    [funnel, { from: 'yesterday' }, 'from'], [funnel, { from: '2026-13-01' }, 'from'],
    [funnel, { from: '2026-02-30' }, 'from'], [funnel, { to: `${day(D + DAY)}T00:30:00Z` }, 'to'],
    [funnel, { from: `${day(D)}T00:00:00.5Z` }, 'from'], [funnel, { from: `${day(D)}T00:00:00+05:30` }, 'from'],
    [funnel, { from: day(D + DAY), to: day(D) }, 'to'], [funnel, { from: day(D), to: day(D) }, 'to'],
    [funnel, { from: day(D - 367 * DAY), to: day(D) }, 'to'],
    [funnel, { steps: 'product_view' }, 'steps'], [funnel, { steps: '' }, 'steps'],
    [funnel, { steps: 'product_view,,purchase' }, 'steps'], [funnel, { steps: 'product_view,teleport' }, 'steps'],
    [funnel, { steps: 'product_view,custom.' }, 'steps'], [funnel, { steps: 'product_view,custom.Bad Name' }, 'steps'],
    [funnel, { steps: Array(9).fill('product_view').join(',') }, 'steps'],
    [top, { metric: 'revenue' }, 'metric'], [top, { limit: 0 }, 'limit'], [top, { limit: 101 }, 'limit'],
    [top, { limit: 'ten' }, 'limit'], [top, { from: '2026-01-01T00:00' }, 'from'],
    [traffic, { interval: 'week' }, 'interval'],
    [traffic, { from: day(D - 31 * DAY), to: day(D + DAY), interval: 'hour' }, 'interval'],
  ];
  for (const [fn, params, field] of cases) {
    assertProblem(await fn(params), 400, 'validation-error', field);
  }
  // Accepted edges: 366 days, 8 steps, 31 days of hours, an offset on a whole hour, limit 100.
  assert.equal((await funnel({ from: day(D - 365 * DAY), to: day(D + DAY) })).status, 200);
  assert.equal((await funnel({ steps: Array(8).fill('product_view').join(',') })).status, 200);
  assert.equal((await traffic({ from: day(D - 30 * DAY), to: day(D + DAY), interval: 'hour' })).status, 200);
  assert.equal((await funnel({ from: `${day(D)}T02:00:00+02:00` })).body.from, iso(D));
  assert.equal((await top({ limit: 100 })).status, 200);
  // An unknown query parameter.
  assertProblem(await funnel({ metric: 'views' }), 400);
  // Session ids: too long is a 400, unknown a 404.
  assertProblem(await get(`/v1/admin/analytics/sessions/${'x'.repeat(129)}`), 400, 'validation-error', 'session_id');
  assertProblem(await get(`/v1/admin/analytics/sessions/${P}-nobody`), 404, 'not-found');
});

test('401 without a token, 403 for a shopper', async () => {
  const paths = ['/v1/admin/analytics/funnel', '/v1/admin/analytics/top-products',
    '/v1/admin/analytics/traffic', `/v1/admin/analytics/sessions/${P}-s1`];
  for (const path of paths) {
    const params = path.includes('sessions') ? {} : range;
    assertProblem(await get(path, params, null), 401);
    assertProblem(await get(path, params, customer), 403);
  }
});
