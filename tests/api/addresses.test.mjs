// addresses.test.mjs — the signed-in person's address book (/v1/me/addresses), with
// real cognito-local tokens for two different people (the shopper and the admin user):
// the CRUD round trip, the default rules, the 50-address cap, every 4xx, that nobody
// ever sees or touches someone else's address (404 exactly like an unknown id, on every
// route), and concurrent default switches and creates through HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { admin, shopper } from './lib/tokens.mjs';

const BASE = '/v1/me/addresses';
const MAX_ID = 9007199254740991; // 2^53 - 1

let shopperToken;
let adminToken;

const as = (token, method, path, { body, type = 'application/json', unrouted } = {}) => api(method, path, {
  headers: {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body !== undefined ? { 'content-type': type } : {}),
  },
  body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  unrouted,
});

const home = {
  name: 'Ada Lovelace', phone: '+442071234567', line1: '12 St James Square', city: 'London',
  postal_code: 'SW1Y 4JH', country: 'GB',
};
const work = { line1: '1 Infinite Loop', city: 'Cupertino', region: 'CA', postal_code: '95014', country: 'US' };
const third = { line1: '1 Trang Tien', city: 'Hanoi', country: 'VN' };

async function list(token) {
  const res = await as(token, 'GET', BASE);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  return res.body.items;
}

async function create(token, fields) {
  const res = await as(token, 'POST', BASE, { body: fields });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function clear(token) {
  for (const a of await list(token)) {
    const res = await as(token, 'DELETE', `${BASE}/${a.id}`);
    assert.equal(res.status, 204, res.text);
  }
  assert.deepEqual(await list(token), []);
}

const defaults = (items) => items.filter((a) => a.is_default).map((a) => a.id);

before(async () => {
  shopperToken = (await shopper()).access;
  adminToken = (await admin()).access;
  await clear(shopperToken);
  await clear(adminToken);
});

after(async () => {
  await clear(shopperToken);
  await clear(adminToken);
});

test('create -> list -> get -> patch -> delete, answered privately', async () => {
  const res = await as(shopperToken, 'POST', BASE, { body: { ...home, line2: '  ', region: null } });
  assert.equal(res.status, 201, res.text);
  const created = res.body;
  assert.equal(res.headers.location, `${BASE}/${created.id}`);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  assert.deepEqual({ ...created, id: 0, created_at: '', updated_at: '' }, {
    id: 0, name: 'Ada Lovelace', phone: '+442071234567', line1: '12 St James Square', line2: null,
    city: 'London', region: null, postal_code: 'SW1Y 4JH', country: 'GB', is_default: true,
    created_at: '', updated_at: '',
  });

  const got = await as(shopperToken, 'GET', res.headers.location);
  assert.equal(got.status, 200, got.text);
  assert.equal(got.headers['cache-control'], 'private, no-store');
  assert.deepEqual(got.body, created);
  assert.deepEqual(await list(shopperToken), [created]);

  let patched = await as(shopperToken, 'PATCH', `${BASE}/${created.id}`, {
    body: { line2: ' Flat 3 ', phone: null, name: '  Ada King ' },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.line2, 'Flat 3');
  assert.equal(patched.body.phone, null);
  assert.equal(patched.body.name, 'Ada King');
  assert.equal(patched.body.line1, home.line1, 'fields not sent are kept');
  assert.equal(patched.body.is_default, true);
  assert.ok(Date.parse(patched.body.updated_at) >= Date.parse(created.updated_at));

  patched = await as(shopperToken, 'PATCH', `${BASE}/${created.id}`, {
    body: { line2: null, postal_code: '' }, type: 'application/merge-patch+json',
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.line2, null);
  assert.equal(patched.body.postal_code, null, 'a blank optional field is cleared');
  assert.equal(patched.body.name, 'Ada King');

  const empty = await as(shopperToken, 'PATCH', `${BASE}/${created.id}`, { body: '{}' });
  assert.equal(empty.status, 200, 'an empty patch changes nothing');
  assert.equal(empty.body.name, 'Ada King');
  assert.deepEqual((await as(shopperToken, 'GET', `${BASE}/${created.id}`)).body.line2, null);

  const head = await as(shopperToken, 'HEAD', `${BASE}/${created.id}`);
  assert.equal(head.status, 200);
  assert.equal(head.text, '');

  const del = await as(shopperToken, 'DELETE', `${BASE}/${created.id}`);
  assert.equal(del.status, 204);
  assert.equal(del.text, '');
  assert.equal(del.headers['cache-control'], 'private, no-store');
  assertProblem(await as(shopperToken, 'GET', `${BASE}/${created.id}`), 404, 'not-found');
  assertProblem(await as(shopperToken, 'DELETE', `${BASE}/${created.id}`), 404, 'not-found');
  assertProblem(await as(shopperToken, 'PATCH', `${BASE}/${created.id}`, { body: { city: 'Paris' } }), 404, 'not-found');
  assert.deepEqual(await list(shopperToken), []);
});

test('the first address is the default; is_default moves it; deleting the default promotes the newest', async () => {
  const a = await create(shopperToken, { ...home, is_default: false });
  assert.equal(a.is_default, true, 'the first address is the default whatever the body says');
  const b = await create(shopperToken, work);
  assert.equal(b.is_default, false, 'a later address is not the default unless asked');
  const c = await create(shopperToken, { ...third, is_default: true });
  assert.equal(c.is_default, true);
  // Default first, then newest first.
  let items = await list(shopperToken);
  assert.deepEqual(items.map((x) => x.id), [c.id, b.id, a.id]);
  assert.deepEqual(defaults(items), [c.id]);

  const moved = await as(shopperToken, 'PATCH', `${BASE}/${b.id}`, { body: { is_default: true } });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.body.is_default, true);
  items = await list(shopperToken);
  assert.deepEqual(items.map((x) => x.id), [b.id, c.id, a.id]);
  assert.deepEqual(defaults(items), [b.id]);

  // Setting it again is harmless; switching it off on the default itself is a conflict.
  assert.equal((await as(shopperToken, 'PATCH', `${BASE}/${b.id}`, { body: { is_default: true } })).status, 200);
  const off = await as(shopperToken, 'PATCH', `${BASE}/${b.id}`, { body: { is_default: false, city: 'Elsewhere' } });
  assertProblem(off, 409, 'conflict');
  const still = (await as(shopperToken, 'GET', `${BASE}/${b.id}`)).body;
  assert.equal(still.is_default, true);
  assert.equal(still.city, 'Cupertino', 'a refused patch changes nothing');
  // is_default false on an address that is not the default changes nothing.
  const noop = await as(shopperToken, 'PATCH', `${BASE}/${a.id}`, { body: { is_default: false } });
  assert.equal(noop.status, 200, noop.text);
  assert.equal(noop.body.is_default, false);

  // Deleting the default makes the newest remaining address (c, created last) the default.
  assert.equal((await as(shopperToken, 'DELETE', `${BASE}/${b.id}`)).status, 204);
  items = await list(shopperToken);
  assert.deepEqual(items.map((x) => x.id), [c.id, a.id]);
  assert.deepEqual(defaults(items), [c.id]);
  // Deleting a non-default leaves the default alone.
  assert.equal((await as(shopperToken, 'DELETE', `${BASE}/${a.id}`)).status, 204);
  assert.deepEqual(defaults(await list(shopperToken)), [c.id]);
  assert.equal((await as(shopperToken, 'DELETE', `${BASE}/${c.id}`)).status, 204);
  assert.deepEqual(await list(shopperToken), []);
  // With the book empty again, the next address is the default again.
  const again = await create(shopperToken, work);
  assert.equal(again.is_default, true);
  await clear(shopperToken);
});

test('every invalid field is a 400 naming it, on create and on change', async () => {
  const existing = await create(shopperToken, home);
  const bad = {
    name: ['', '   ', 'x'.repeat(101), 'tab\there', 42, true],
    phone: ['0123', '+0123456789', '+1415555012345678', '+1 415 555 0123', 14155550123, ''],
    line1: [null, '', '   ', 'x'.repeat(201), 7, 'bell\u0007'],
    line2: ['x'.repeat(201), 5, 'new\nline'],
    city: [null, '', 'x'.repeat(101), []],
    region: ['x'.repeat(101), {}],
    postal_code: ['x'.repeat(21), '12_34', '1234#', 1234],
    country: [null, 'XX', 'UK', 'us', 'USA', 'U', '', 840],
    is_default: [null, 'yes', 1],
    customer_id: [1],
    id: [existing.id],
    created_at: ['2020-01-01T00:00:00Z'],
    nickname: ['home'],
  };
  for (const [field, values] of Object.entries(bad)) {
    for (const value of values) {
      const body = { [field]: value };
      assertProblem(await as(shopperToken, 'POST', BASE, { body: { ...home, ...body } }), 400, 'validation-error', field);
      assertProblem(await as(shopperToken, 'PATCH', `${BASE}/${existing.id}`, { body }), 400, 'validation-error', field);
    }
  }
  // Required on create.
  for (const field of ['line1', 'city', 'country']) {
    const { [field]: _, ...rest } = home;
    assertProblem(await as(shopperToken, 'POST', BASE, { body: rest }), 400, 'validation-error', field);
  }
  const none = await as(shopperToken, 'POST', BASE, { body: {} });
  for (const field of ['line1', 'city', 'country']) assertProblem(none, 400, 'validation-error', field);
  // Limits are in characters: 200 two-byte characters fit line1, 100 fit city.
  const wide = await as(shopperToken, 'PATCH', `${BASE}/${existing.id}`, {
    body: { line1: 'é'.repeat(200), city: 'ü'.repeat(100), region: 'r'.repeat(100), postal_code: 'A'.repeat(20) },
  });
  assert.equal(wide.status, 200, wide.text);
  assert.equal(wide.body.line1, 'é'.repeat(200));
  // Nothing refused above was stored.
  const items = await list(shopperToken);
  assert.equal(items.length, 1);
  assert.equal(items[0].country, 'GB');
  assert.equal(items[0].name, 'Ada Lovelace');
  await clear(shopperToken);
});

test('unreadable bodies are 400, other media types 415', async () => {
  const existing = await create(shopperToken, home);
  const target = [['POST', BASE], ['PATCH', `${BASE}/${existing.id}`]];
  for (const [method, path] of target) {
    for (const body of ['', 'not json', '[]', '"string"', 'null', `{"line1":"a","line1":"b","city":"c","country":"US"}`,
      '['.repeat(40) + ']'.repeat(40), `{"line2":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`, '{"line1":"\\u0000"}',
      '{"line1":"a",}']) {
      const res = await as(shopperToken, method, path, { body });
      assertProblem(res, 400);
      assert.ok(['/problems/bad-request', '/problems/validation-error'].includes(res.body.type), res.text);
    }
    assertProblem(await as(shopperToken, method, path, { body: JSON.stringify(home), type: 'text/plain' }),
      415, 'unsupported-media-type');
    assertProblem(await as(shopperToken, method, path, { body: 'line1=a', type: 'application/x-www-form-urlencoded' }),
      415, 'unsupported-media-type');
    const noType = await api(method, path, { headers: { authorization: `Bearer ${shopperToken}` }, body: undefined });
    assertProblem(noType, 415, 'unsupported-media-type');
  }
  assert.deepEqual((await list(shopperToken)).map((a) => a.id), [existing.id], 'nothing was created or changed');
  await clear(shopperToken);
});

test('ids in the path: malformed is 400 naming id (even without a token), unknown is 404', async () => {
  for (const id of ['0', '-1', 'abc', '1.5', '01', '1e3', '+1', '%201', '9007199254740992', '99999999999999999999', '0x1f']) {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const body = method === 'PATCH' ? { city: 'Paris' } : undefined;
      assertProblem(await as(shopperToken, method, `${BASE}/${id}`, { body }), 400, 'validation-error', 'id');
      assertProblem(await as(null, method, `${BASE}/${id}`, { body }), 400, 'validation-error', 'id');
    }
  }
  assertProblem(await as(shopperToken, 'GET', `${BASE}/${MAX_ID}`), 404, 'not-found');
  assertProblem(await as(shopperToken, 'PATCH', `${BASE}/${MAX_ID}`, { body: { city: 'Paris' } }), 404, 'not-found');
  assertProblem(await as(shopperToken, 'DELETE', `${BASE}/${MAX_ID}`), 404, 'not-found');
  assertProblem(await as(shopperToken, 'GET', `${BASE}?limit=5`), 400, 'validation-error', 'limit');
});

test('no token is 401 on every route; unsupported methods are 405', async () => {
  for (const [method, path, body] of [['GET', BASE], ['POST', BASE, home], ['GET', `${BASE}/1`],
    ['PATCH', `${BASE}/1`, { city: 'Paris' }], ['DELETE', `${BASE}/1`]]) {
    const res = await as(null, method, path, { body });
    assertProblem(res, 401, 'unauthenticated');
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    assertProblem(await as('not.a.token', method, path, { body }), 401, 'invalid-token');
  }
  let res = await as(shopperToken, 'PUT', `${BASE}/1`, { body: home, unrouted: true });
  assertProblem(res, 405, 'method-not-allowed');
  assert.equal(res.headers.allow, 'GET, HEAD, PATCH, DELETE, OPTIONS');
  res = await as(shopperToken, 'DELETE', BASE, { unrouted: true });
  assertProblem(res, 405, 'method-not-allowed');
  assert.equal(res.headers.allow, 'GET, HEAD, POST, OPTIONS');
});

test("another person's address is 404 on every route, exactly like an unknown id, and never listed", async () => {
  const mine = await create(shopperToken, home);
  const theirs = await create(adminToken, work);
  assert.equal(theirs.is_default, true, "the admin user's first address is their own default");
  const unknown = await as(adminToken, 'GET', `${BASE}/${MAX_ID}`);
  const same = (res) => {
    assertProblem(res, 404, 'not-found');
    assert.equal(res.body.detail, unknown.body.detail, 'the answer must not tell "not yours" from "missing"');
    assert.equal(res.body.title, unknown.body.title);
  };
  same(await as(adminToken, 'GET', `${BASE}/${mine.id}`));
  same(await as(adminToken, 'PATCH', `${BASE}/${mine.id}`, { body: { city: 'Stolen' } }));
  same(await as(adminToken, 'PATCH', `${BASE}/${mine.id}`, { body: { is_default: true } }));
  same(await as(adminToken, 'DELETE', `${BASE}/${mine.id}`));
  same(await as(shopperToken, 'GET', `${BASE}/${theirs.id}`));
  same(await as(shopperToken, 'PATCH', `${BASE}/${theirs.id}`, { body: { is_default: false } }));
  same(await as(shopperToken, 'DELETE', `${BASE}/${theirs.id}`));
  // Nothing changed for either person, and each list holds only its owner's address.
  assert.deepEqual(await list(shopperToken), [mine]);
  assert.deepEqual(await list(adminToken), [theirs]);
  // One person's default switch never touches another's default.
  const second = await create(shopperToken, { ...third, is_default: true });
  assert.equal(second.is_default, true);
  assert.deepEqual(defaults(await list(adminToken)), [theirs.id]);
  await clear(shopperToken);
  await clear(adminToken);
});

test('10 concurrent default switches all succeed and leave exactly one default', async () => {
  const ids = [];
  for (let i = 0; i < 10; i++) ids.push((await create(shopperToken, { ...work, line1: `${i + 1} Infinite Loop` })).id);
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all(ids.map((id) =>
      as(shopperToken, 'PATCH', `${BASE}/${id}`, { body: { is_default: true } })));
    for (const res of results) {
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.is_default, true);
    }
    const items = await list(shopperToken);
    assert.equal(items.length, 10);
    assert.equal(defaults(items).length, 1, `round ${round}: ${JSON.stringify(defaults(items))}`);
    assert.equal(items[0].is_default, true, 'the default comes first');
  }
  // Concurrent creates asking for the default: all saved, still exactly one default.
  const created = await Promise.all(Array.from({ length: 10 }, (_, i) =>
    as(shopperToken, 'POST', BASE, { body: { ...third, line1: `${i + 1} Trang Tien`, is_default: true } })));
  for (const res of created) assert.equal(res.status, 201, res.text);
  const items = await list(shopperToken);
  assert.equal(items.length, 20);
  assert.equal(defaults(items).length, 1);
  await clear(shopperToken);
});

test('a person keeps at most 50 addresses, even when creating them all at once', async () => {
  const results = await Promise.all(Array.from({ length: 60 }, (_, i) =>
    as(shopperToken, 'POST', BASE, { body: { ...home, line1: `${i + 1} St James Square` } })));
  const statuses = results.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 201).length, 50, JSON.stringify(statuses));
  for (const res of results.filter((r) => r.status !== 201)) assertProblem(res, 409, 'conflict');
  let items = await list(shopperToken);
  assert.equal(items.length, 50);
  assert.equal(defaults(items).length, 1);

  const over = await as(shopperToken, 'POST', BASE, { body: work });
  assertProblem(over, 409, 'conflict');
  assert.match(over.body.detail, /50/);
  // Changing one of the 50 is still fine; deleting one makes room again.
  const last = items[items.length - 1];
  assert.equal((await as(shopperToken, 'PATCH', `${BASE}/${last.id}`, { body: { city: 'Bath' } })).status, 200);
  assert.equal((await as(shopperToken, 'DELETE', `${BASE}/${last.id}`)).status, 204);
  const room = await create(shopperToken, work);
  assert.equal(room.is_default, false);
  items = await list(shopperToken);
  assert.equal(items.length, 50);
  assert.equal(items[1].id, room.id, 'newest right after the default');
  // Someone else's book is not counted against this one.
  assert.equal((await as(adminToken, 'POST', BASE, { body: work })).status, 201);
  await clear(shopperToken);
  await clear(adminToken);
});
