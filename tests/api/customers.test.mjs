// customers.test.mjs — customers with e-mail (docs/customers.md), against the real
// cognito-local: the first authenticated request copies e-mail, its verification and
// name from Cognito (GetUser); PATCH /v1/me copies them again; a Cognito outage (refused
// connection, a black hole) never fails a request and the copy is retried later, at
// most once per COGNITO_PROFILE_RETRY_SECONDS, both by the same process and by another;
// staff search customers by e-mail prefix (case-blind, keyset pages) and read one
// customer with their recent orders; every 400/401/403/404 of those routes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { orderWorld, sql } from './lib/orders.mjs';
import { freePort, requireEnv, startServer, stopServer } from './lib/server.mjs';
import { admin, cognitoLogin, decode, shopper } from './lib/tokens.mjs';

const PASSWORD = 'Customers-Test-1!';
let adminToken;

before(async () => {
  adminToken = (await admin()).access;
});

const as = (token, method, path, { body, base } = {}) => api(method, path, {
  headers: {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
  },
  body: body === undefined ? undefined : JSON.stringify(body),
  base,
});

/** One Cognito API call to cognito-local (it does not check SigV4, so none is sent). */
async function cognito(target, body) {
  const res = await fetch(requireEnv('COGNITO_ENDPOINT'), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify({ UserPoolId: requireEnv('COGNITO_USER_POOL_ID'), ...body }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${target}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

/** A fresh confirmed cognito-local user with these attributes; returns their tokens. */
async function newPerson(email, attributes = {}) {
  const attrs = Object.entries({ email, email_verified: 'true', ...attributes })
    .map(([Name, Value]) => ({ Name, Value }));
  await cognito('AdminCreateUser', { Username: email, UserAttributes: attrs, MessageAction: 'SUPPRESS' });
  await cognito('AdminSetUserPassword', { Username: email, Password: PASSWORD, Permanent: true });
  return cognitoLogin(email, PASSWORD);
}

const tag = () => randomUUID().slice(0, 8);
const rowOf = (token) => sql(`SELECT coalesce(email, '<null>') || '|' || coalesce(profile_synced_at::text, '<null>')
  FROM customers WHERE cognito_sub = '${decode(token).sub}'`);

test('the first request copies e-mail, its verification and name from Cognito', async () => {
  const email = `Grace.${tag()}@Example.com`;
  const { access } = await newPerson(email, { name: 'Grace Hopper' });
  assert.equal(rowOf(access), '', 'no customer row before the first request');
  const res = await as(access, 'GET', '/v1/me');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.email, email);
  assert.equal(res.body.email_verified, true);
  assert.equal(res.body.name, 'Grace Hopper');
  assert.ok(Date.parse(res.body.profile_synced_at) > Date.now() - 60000);
  // Staff see it too, found by the prefix.
  const list = await as(adminToken, 'GET', `/v1/admin/customers?email=${encodeURIComponent(email)}`);
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.items.map((c) => [c.id, c.email, c.name, c.email_verified]),
    [[res.body.id, email, 'Grace Hopper', true]]);
});

test('a name with a bidi override is not kept; PATCH /v1/me copies Cognito again', async () => {
  const email = `mallory.${tag()}@example.com`;
  const { access } = await newPerson(email, { name: 'evil\u202Egnp.exe', email_verified: 'false' });
  let res = await as(access, 'GET', '/v1/me');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.email, email);
  assert.equal(res.body.email_verified, false);
  assert.equal(res.body.name, null, 'staff must never read a bidi override');
  // Cognito changes; the server does not ask again on every request...
  await cognito('AdminUpdateUserAttributes', {
    // (cognito-local wants the e-mail beside email_verified.)
    Username: email,
    UserAttributes: [{ Name: 'name', Value: 'Mallory Fixed' }, { Name: 'email', Value: email },
      { Name: 'email_verified', Value: 'true' }],
  });
  res = await as(access, 'GET', '/v1/me');
  assert.equal(res.body.name, null);
  // ...but after the person changes their profile it does.
  res = await as(access, 'PATCH', '/v1/me', { body: { marketing_opt_in: true } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.name, 'Mallory Fixed');
  assert.equal(res.body.email_verified, true);
  assert.equal(res.body.marketing_opt_in, true);
  assert.equal((await as(access, 'GET', '/v1/me')).body.name, 'Mallory Fixed');
});

test('PATCH /v1/me refuses a display_name with U+202E, naming it', async () => {
  const { access } = await shopper();
  for (const name of ['abc\u202Edef', 'zero\u200Bwidth', 'bell\u0007']) {
    assertProblem(await as(access, 'PATCH', '/v1/me', { body: { display_name: name } }), 400, 'validation-error', 'display_name');
  }
});

/** A server of our own whose GetUser endpoint is a loopback port the test controls. */
async function outageServer(port, env = {}) {
  return startServer({
    COGNITO_ENDPOINT: `http://127.0.0.1:${port}`, COGNITO_PROFILE_RETRY_SECONDS: '2',
    COGNITO_PROFILE_TIMEOUT_MS: '500', ...env,
  });
}

/** Listens on port: 'hang' accepts and never answers; 'proxy' forwards to cognito-local. */
function listen(port, mode) {
  let hits = 0;
  const server = http.createServer(async (req, res) => {
    hits++;
    if (mode === 'hang') return;
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const up = await fetch(requireEnv('COGNITO_ENDPOINT'), {
      method: 'POST', body: Buffer.concat(chunks),
      headers: { 'content-type': req.headers['content-type'], 'x-amz-target': req.headers['x-amz-target'] },
    });
    res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await up.arrayBuffer()));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    hits: () => hits,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  })));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a Cognito outage never fails a request; the copy is retried later, not on every request', async () => {
  const port = await freePort();
  const srv = await outageServer(port);
  const email = `outage.${tag()}@example.com`;
  const { access } = await newPerson(email, { name: 'Ada Outage' });
  let cognitoSide;
  try {
    // Connection refused: the request succeeds at once, the fields stay null.
    let res = await as(access, 'GET', '/v1/me', { base: srv.base });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.email, null);
    assert.equal(res.body.name, null);
    assert.equal(res.body.profile_synced_at, null);
    assert.equal(rowOf(access), '<null>|<null>');

    // A black hole: within the retry interval nobody calls it; once due, one request
    // waits at most the GetUser timeout and still succeeds.
    cognitoSide = await listen(port, 'hang');
    for (let i = 0; i < 5; i++) assert.equal((await as(access, 'GET', '/v1/me', { base: srv.base })).status, 200);
    assert.equal(cognitoSide.hits(), 0, 'retried before COGNITO_PROFILE_RETRY_SECONDS');
    await sleep(2100);
    const t0 = Date.now();
    res = await as(access, 'GET', '/v1/me', { base: srv.base });
    assert.equal(res.status, 200, res.text);
    assert.ok(Date.now() - t0 < 2000, `a hanging Cognito held the request ${Date.now() - t0} ms`);
    assert.equal(res.body.email, null);
    assert.equal(cognitoSide.hits(), 1);
    assert.equal((await as(access, 'PATCH', '/v1/me', { body: { phone: null }, base: srv.base })).status, 200,
      'PATCH /v1/me succeeds while Cognito hangs');
    await cognitoSide.close();

    // Cognito is back: the next due retry copies the profile, in the same process.
    cognitoSide = await listen(port, 'proxy');
    await sleep(2100);
    res = await as(access, 'GET', '/v1/me', { base: srv.base });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.email, email);
    assert.equal(res.body.name, 'Ada Outage');
    assert.ok(res.body.profile_synced_at);
    const calls = cognitoSide.hits();
    await as(access, 'GET', '/v1/me', { base: srv.base });
    await as(access, 'GET', '/v1/me', { base: srv.base });
    assert.equal(cognitoSide.hits(), calls, 'a copied profile is not fetched again');
  } finally {
    await cognitoSide?.close();
    const { code } = await stopServer(srv);
    assert.equal(code, 0, srv.output());
  }
  assert.doesNotMatch(srv.output(), new RegExp(access.slice(-40)), 'the token reached the log');
  assert.match(srv.output(), /customer profile not copied from Cognito/);
});

test('a person first seen while Cognito was down gets their e-mail from the next server that can ask', async () => {
  const srv = await outageServer(await freePort());
  const email = `later.${tag()}@example.com`;
  const { access } = await newPerson(email);
  try {
    const res = await as(access, 'GET', '/v1/me', { base: srv.base });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.email, null);
  } finally {
    await stopServer(srv);
  }
  // The shared server has never seen this person: its first request copies the profile.
  const res = await as(access, 'GET', '/v1/me');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.email, email);
  assert.equal(res.body.email_verified, true);
});

test('staff search customers by e-mail prefix, case-blind, in e-mail order, keyset pages', async () => {
  const prefix = `zq${tag()}`;
  const emails = [`${prefix}.Bob@example.com`, `${prefix}.alice@example.com`, `${prefix}.CAROL@example.com`,
    `${prefix}x@example.com`];
  const ids = {};
  for (const email of emails) {
    const { access } = await newPerson(email);
    ids[email] = (await as(access, 'GET', '/v1/me')).body.id;
  }
  const walk = async (q, limit) => {
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 10; i++) {
      const res = await as(adminToken, 'GET', `/v1/admin/customers?email=${encodeURIComponent(q)}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['cache-control'], 'private, no-store');
      assert.ok(res.body.items.length <= limit);
      seen.push(...res.body.items.map((c) => c.email));
      cursor = res.body.next_cursor;
      if (!cursor) return seen;
    }
    assert.fail('the walk did not end');
  };
  const byLower = [...emails].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  assert.deepEqual(await walk(prefix.toUpperCase(), 1), byLower);
  assert.deepEqual(await walk(prefix, 2), byLower);
  assert.deepEqual(await walk(prefix, 100), byLower);
  assert.deepEqual(await walk(`${prefix}.`, 2), byLower.filter((e) => e.startsWith(`${prefix}.`)));
  assert.deepEqual(await walk(`${prefix}.c`, 20), [`${prefix}.CAROL@example.com`]);
  assert.deepEqual(await walk(`${prefix}-nobody`, 20), []);
  // No wildcards: % and _ are characters like any other.
  assert.deepEqual(await walk(`${prefix}%`, 20), []);
  assert.deepEqual(await walk(`${prefix}_`, 20), []);
  assert.deepEqual(await walk(`%`, 20), []);
  // The rows are the customers.
  const one = await as(adminToken, 'GET', `/v1/admin/customers?email=${prefix}.alice`);
  assert.equal(one.body.items[0].id, ids[`${prefix}.alice@example.com`]);
  // A cursor belongs to its search.
  const first = await as(adminToken, 'GET', `/v1/admin/customers?email=${prefix}&limit=1`);
  assert.ok(first.body.next_cursor);
  assertProblem(await as(adminToken, 'GET', `/v1/admin/customers?email=${prefix}.b&cursor=${first.body.next_cursor}`),
    400, 'validation-error', 'cursor');
  assertProblem(await as(adminToken, 'GET', `/v1/admin/customers?cursor=${first.body.next_cursor}`),
    400, 'validation-error', 'cursor');
  const plain = await as(adminToken, 'GET', '/v1/admin/customers?limit=1');
  assertProblem(await as(adminToken, 'GET', `/v1/admin/customers?email=${prefix}&cursor=${plain.body.next_cursor}`),
    400, 'validation-error', 'cursor');
});

test('the e-mail search uses the customers_email_prefix index', () => {
  const plan = sql(`EXPLAIN SELECT id FROM customers
    WHERE lower(email) ~>=~ 'zq' AND lower(email) ~<~ ('zq' || chr(1114111)) AND starts_with(lower(email), 'zq')
    ORDER BY lower(email) USING ~<~, id LIMIT 21`);
  if (/Seq Scan/.test(plan)) {
    // A tiny table may be scanned; with sequential scans off the index must serve it.
    const forced = sql(`SET enable_seqscan = off; EXPLAIN SELECT id FROM customers
      WHERE lower(email) ~>=~ 'zq' AND lower(email) ~<~ ('zq' || chr(1114111)) AND starts_with(lower(email), 'zq')
      ORDER BY lower(email) USING ~<~, id LIMIT 21`);
    assert.match(forced, /customers_email_prefix/);
    assert.doesNotMatch(forced, /Sort/);
  } else {
    assert.match(plan, /customers_email_prefix/);
  }
});

test('the customer search validates its parameters and is for staff only', async () => {
  const { access } = await shopper();
  assertProblem(await as(adminToken, 'GET', '/v1/admin/customers?email='), 400, 'validation-error', 'email');
  assertProblem(await as(adminToken, 'GET', `/v1/admin/customers?email=${'a'.repeat(255)}`), 400, 'validation-error', 'email');
  assertProblem(await as(adminToken, 'GET', '/v1/admin/customers?email=a&email=b'), 400, 'validation-error');
  assertProblem(await as(adminToken, 'GET', '/v1/admin/customers?email=a&limit=0'), 400, 'validation-error', 'limit');
  assertProblem(await as(adminToken, 'GET', '/v1/admin/customers?email=%FF'), 400);
  assertProblem(await as(null, 'GET', '/v1/admin/customers?email=a'), 401, 'unauthenticated');
  assertProblem(await as(access, 'GET', '/v1/admin/customers?email=a'), 403, 'forbidden');
});

let w;
after(async () => {
  if (w) await w.stop();
});

test('GET /v1/admin/customers/{id}: the customer with their orders, newest first', async () => {
  w = await orderWorld('Customers1');
  const person = w.person();
  const first = await w.place('manual', person);
  const second = await w.place('manual', person);
  const me = await w.send('GET', '/v1/me', { token: person });
  assert.equal(me.status, 200, me.text);
  const staff = w.staff();
  const res = await w.send('GET', `/v1/admin/customers/${me.body.id}`, { token: staff });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  assert.equal(res.body.id, me.body.id);
  assert.equal(res.body.sub, decode(person).sub);
  assert.deepEqual(res.body.orders.items.map((o) => o.number), [second.number, first.number]);
  assert.equal(res.body.orders.next_cursor, null);
  // The same order summaries as the staff order list filtered to the customer.
  const list = await w.send('GET', `/v1/admin/orders?customer=${me.body.id}`, { token: staff });
  assert.deepEqual(res.body.orders, list.body);

  // More than a page: next_cursor continues in GET /v1/admin/orders?customer={id}.
  const busy = w.person();
  const placed = [];
  for (let i = 0; i < 11; i++) placed.push((await w.place('manual', busy)).number);
  const busyId = (await w.send('GET', '/v1/me', { token: busy })).body.id;
  const page = await w.send('GET', `/v1/admin/customers/${busyId}`, { token: staff });
  assert.equal(page.status, 200, page.text);
  assert.equal(page.body.orders.items.length, 10);
  assert.ok(page.body.orders.next_cursor);
  const rest = await w.send('GET', `/v1/admin/orders?customer=${busyId}&cursor=${page.body.orders.next_cursor}`, { token: staff });
  assert.equal(rest.status, 200, rest.text);
  assert.deepEqual([...page.body.orders.items, ...rest.body.items].map((o) => o.number), placed.reverse());

  // A customer with no orders.
  const idle = w.person();
  const idleId = (await w.send('GET', '/v1/me', { token: idle })).body.id;
  const empty = await w.send('GET', `/v1/admin/customers/${idleId}`, { token: staff });
  assert.equal(empty.status, 200, empty.text);
  assert.deepEqual(empty.body.orders, { items: [], next_cursor: null });
});

test('GET /v1/admin/customers/{id}: 400, 401, 403, 404', async () => {
  const { access } = await shopper();
  for (const id of ['abc', '0', '-1', '1.5', '9007199254740992', '01x']) {
    assertProblem(await as(adminToken, 'GET', `/v1/admin/customers/${id}`), 400, 'validation-error', 'id');
  }
  assertProblem(await as(adminToken, 'GET', '/v1/admin/customers/9007199254740991'), 404, 'not-found');
  assertProblem(await as(null, 'GET', '/v1/admin/customers/1'), 401, 'unauthenticated');
  assertProblem(await as(access, 'GET', '/v1/admin/customers/1'), 403, 'forbidden');
  assertProblem(await as(adminToken, 'GET', '/v1/admin/customers/1?x=1'), 400, 'validation-error');
  const res = await api('DELETE', '/v1/admin/customers/1', { unrouted: true });
  assertProblem(res, 405, 'method-not-allowed');
});
