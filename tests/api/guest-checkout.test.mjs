// guest-checkout.test.mjs — POST /v1/carts/{id}/checkout and the guest's order afterwards
// (docs/checkout.md): the order and its access token (only the token's SHA-256 stored),
// reading and cancelling it with the token in X-Order-Token or ?token=, a wrong, missing
// or foreign token answering exactly like an unknown number, idempotent replays, the stock
// race (many concurrent guest checkouts on the last units: exactly the stock's worth
// succeed, the others are 409, stock never below 0), and claiming: a person whose e-mail
// is verified in Cognito (cognito-local) gets the guest orders placed with that address,
// in any case, at sign-in and, for orders placed later, at their next /v1/me/orders
// request (also when two requests claim at once); an unverified one or someone else does
// not. Every e-mail of a guest order
// (read back from aws-ses-v2-local at $SES_URL/store) links to the order with a token that
// opens it, also on a server whose CURSOR_SECRET was rotated since.
//
// Runs against the shared server (guest routes need no token; sign-in is cognito-local's).
// The variants used are picked by id from the 41st (away from the other order tests),
// each of a product with another variant in stock (so no listing changes when the race
// empties one), and their stock is put back after.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { sql, stockOf } from './lib/orders.mjs';
import { requireEnv, startServer, stopServer } from './lib/server.mjs';
import { admin, cognitoLogin } from './lib/tokens.mjs';

const ADDRESS = { name: 'Grace Guest', line1: '2 Side St', city: 'Lyon', postal_code: '69001', country: 'FR' };
const PASSWORD = 'Guest-Checkout-1!';
let plain; // {id, stock}: ordinary guest orders
let race; // {id, stock}: the stock race

const send = (method, path, { token, body, headers = {} } = {}) => api(method, path, {
  headers: {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...headers,
  },
  body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
});

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const tag = () => randomUUID().slice(0, 8);

before(() => {
  const rows = sql(`SELECT v.id || ':' || v.stock FROM product_variants v JOIN products p ON p.id = v.product_id
    AND p.active WHERE v.active AND v.currency = 'USD' AND v.stock >= 50
      AND EXISTS (SELECT 1 FROM product_variants o WHERE o.product_id = v.product_id AND o.id <> v.id
                  AND o.active AND o.stock > 0)
    ORDER BY v.id LIMIT 2 OFFSET 40`).split('\n');
  assert.equal(rows.length, 2, 'the catalog needs in-stock USD variants');
  [plain, race] = rows.map((r) => ({ id: Number(r.split(':')[0]), stock: Number(r.split(':')[1]) }));
  sql(`UPDATE product_variants SET stock = 10000 WHERE id = ${plain.id}`);
});

after(() => {
  for (const v of [plain, race]) if (v) sql(`UPDATE product_variants SET stock = ${v.stock} WHERE id = ${v.id}`);
});

/** A new guest cart with `quantity` of the variant; its id. */
async function guestCart(variantId = plain.id, quantity = 1) {
  const made = await send('POST', '/v1/carts');
  assert.equal(made.status, 201, made.text);
  const res = await send('POST', `/v1/carts/${made.body.id}/items`, { body: { variant_id: variantId, quantity } });
  assert.equal(res.status, 200, res.text);
  return made.body.id;
}

const body = (extra = {}) => ({ email: 'grace@example.com', shipping_address: ADDRESS, shipping_method: 'standard',
  payment_method: 'manual', ...extra });

const numbers = async (token, base) => (await api('GET', '/v1/me/orders?limit=100',
  { headers: { authorization: `Bearer ${token}` }, base })).body.items.map((i) => i.number).sort();

const checkout = (cartId, b = body(), key = randomUUID()) => send('POST', `/v1/carts/${cartId}/checkout`,
  { body: b, headers: key === null ? {} : { 'idempotency-key': key } });

test('guest checkout: an order with no customer, its e-mail and a token stored as its SHA-256', async () => {
  const cartId = await guestCart(plain.id, 2);
  const stock = stockOf(plain.id);
  const res = await checkout(cartId, body({ email: 'Grace.Guest@Example.com' }));
  assert.equal(res.status, 201, res.text);
  const o = res.body;
  assert.equal(res.headers.location, `/v1/orders/${o.number}`);
  assert.equal(o.guest, true);
  assert.equal(o.email, 'Grace.Guest@Example.com');
  assert.match(o.access_token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(o.status, 'pending_payment');
  assert.equal(o.lines[0].quantity, 2);
  assert.equal(o.shipping_address.country, 'FR');
  assert.equal(stockOf(plain.id), stock - 2);
  const [customer, hash, email, cart] = sql(`SELECT coalesce(customer_id::text, '<null>'), access_token_hash, guest_email,
    cart_id FROM orders WHERE number = '${o.number}'`).split('|');
  assert.equal(customer, '<null>');
  assert.equal(hash, sha256(o.access_token), 'only the hash of the token is stored');
  assert.equal(email, 'Grace.Guest@Example.com');
  assert.equal(cart, cartId);
  assert.equal(sql(`SELECT status FROM carts WHERE id = '${cartId}'`), 'checked_out');
  // The cart is closed: its routes answer like a missing cart.
  assertProblem(await send('GET', `/v1/carts/${cartId}`), 404, 'not-found');
});

test('the token opens the order by header or query; anything else is the same 404', async () => {
  const res = await checkout(await guestCart());
  assert.equal(res.status, 201, res.text);
  const { access_token: token, ...order } = res.body;
  const byHeader = await send('GET', `/v1/orders/${order.number}`, { headers: { 'x-order-token': token } });
  assert.equal(byHeader.status, 200, byHeader.text);
  assert.deepEqual(byHeader.body, order, 'the order as placed, without the token');
  assert.match(byHeader.headers['cache-control'], /private|no-store/);
  const byQuery = await send('GET', `/v1/orders/${order.number}?token=${token}`);
  assert.equal(byQuery.status, 200, byQuery.text);
  assert.deepEqual(byQuery.body, order);
  // Wrong, missing, truncated, another order's, and an unknown number: one answer.
  const other = (await checkout(await guestCart())).body;
  const notFound = async (path, headers) => {
    const r = await send('GET', path, { headers });
    assertProblem(r, 404, 'not-found');
    assert.equal(r.body.detail, 'No such order.');
  };
  await notFound(`/v1/orders/${order.number}`);
  await notFound(`/v1/orders/${order.number}`, { 'x-order-token': token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A') });
  await notFound(`/v1/orders/${order.number}`, { 'x-order-token': token.slice(1) });
  await notFound(`/v1/orders/${order.number}`, { 'x-order-token': other.access_token });
  await notFound(`/v1/orders/${order.number}?token=${other.access_token}`);
  await notFound(`/v1/orders/SF-000000-000000`, { 'x-order-token': token });
  // The header wins over the query.
  assert.equal((await send('GET', `/v1/orders/${order.number}?token=${other.access_token}`,
    { headers: { 'x-order-token': token } })).status, 200);
  // An order placed while signed in has no token: no token opens it.
  const signedIn = sql(`SELECT number FROM orders WHERE customer_id IS NOT NULL AND access_token_hash IS NULL LIMIT 1`);
  if (signedIn) await notFound(`/v1/orders/${signedIn}`, { 'x-order-token': token });
});

test('idempotency: a replay answers the first 201 (token included); another body is 422; a new key 409', async () => {
  const cartId = await guestCart();
  const key = randomUUID();
  const first = await checkout(cartId, body(), key);
  assert.equal(first.status, 201, first.text);
  const replay = await checkout(cartId, body(), key);
  assert.equal(replay.status, 201, replay.text);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal(replay.text, first.text);
  assert.equal(replay.headers.location, first.headers.location);
  assertProblem(await checkout(cartId, body({ shipping_method: 'express' }), key), 422, 'idempotency-key-reused');
  const again = await checkout(cartId, body(), randomUUID());
  assertProblem(again, 409, 'conflict');
  assert.match(again.body.detail, /checked out/);
  assert.equal(Number(sql(`SELECT count(*) FROM orders WHERE cart_id = '${cartId}'`)), 1);
});

test('cancel with the token: stock returns; again is 409; a wrong token is 404', async () => {
  const cartId = await guestCart(plain.id, 3);
  const o = (await checkout(cartId)).body;
  const stock = stockOf(plain.id);
  assertProblem(await send('POST', `/v1/orders/${o.number}/cancel`, { headers: { 'x-order-token': 'x'.repeat(43) } }),
    404, 'not-found');
  assertProblem(await send('POST', `/v1/orders/${o.number}/cancel`), 404, 'not-found');
  assert.equal(stockOf(plain.id), stock, 'a refused cancel changes nothing');
  const res = await send('POST', `/v1/orders/${o.number}/cancel?token=${o.access_token}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'cancelled');
  assert.deepEqual(res.body.history.at(-1).to_status, 'cancelled');
  assert.equal(stockOf(plain.id), stock + 3);
  assertProblem(await send('POST', `/v1/orders/${o.number}/cancel`, { headers: { 'x-order-token': o.access_token } }),
    409, 'conflict');
  assert.equal(stockOf(plain.id), stock + 3);
});

test('race: 30 concurrent guest checkouts on the last 7 units: exactly 7 orders, stock 0', async () => {
  sql(`UPDATE product_variants SET stock = 1000 WHERE id = ${race.id}`);
  const carts = [];
  for (let i = 0; i < 30; i += 10) carts.push(...await Promise.all(Array.from({ length: 10 }, () => guestCart(race.id, 1))));
  sql(`UPDATE product_variants SET stock = 7 WHERE id = ${race.id}`);
  const results = await Promise.all(carts.map((id) => checkout(id, body({ email: `race.${tag()}@example.com` }))));
  const won = results.filter((r) => r.status === 201);
  const lost = results.filter((r) => r.status !== 201);
  assert.equal(won.length, 7, results.map((r) => `${r.status} ${r.body?.detail ?? ''}`).join('\n'));
  for (const r of lost) {
    assertProblem(r, 409, 'conflict');
    assert.match(r.body.detail, /Not enough stock/);
  }
  assert.equal(stockOf(race.id), 0);
  assert.equal(Number(sql(`SELECT coalesce(sum(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
    WHERE l.variant_id = ${race.id} AND o.number IN (${won.map((r) => `'${r.body.number}'`).join(',')})`)), 7);
  // A loser's cart is still open, and can check out once stock is back.
  const loserCart = carts[results.findIndex((r) => r.status !== 201)];
  sql(`UPDATE product_variants SET stock = 1 WHERE id = ${race.id}`);
  assert.equal((await checkout(loserCart)).status, 201);
});

/** One Cognito API call to cognito-local. */
async function cognito(target, b) {
  const res = await fetch(requireEnv('COGNITO_ENDPOINT'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
    body: JSON.stringify({ UserPoolId: requireEnv('COGNITO_USER_POOL_ID'), ...b }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${target}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

async function newPerson(email, verified) {
  await cognito('AdminCreateUser', {
    Username: email, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: String(verified) }],
  });
  await cognito('AdminSetUserPassword', { Username: email, Password: PASSWORD, Permanent: true });
  return (await cognitoLogin(email, PASSWORD)).access;
}

test('claim at sign-in: a verified e-mail gets its guest orders (any case); an unverified one does not', async () => {
  const email = `claim.${tag()}@example.com`;
  const mine = (await checkout(await guestCart(), body({ email: email.toUpperCase() }))).body;
  const mine2 = (await checkout(await guestCart(), body({ email }))).body;
  const someoneElse = (await checkout(await guestCart(), body({ email: `other.${tag()}@example.com` }))).body;
  const unverifiedEmail = `unverified.${tag()}@example.com`;
  const notYours = (await checkout(await guestCart(), body({ email: unverifiedEmail }))).body;

  const access = await newPerson(email, true);
  const me = await send('GET', '/v1/me', { token: access }); // the first request copies the profile
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.email_verified, true);
  const list = await send('GET', '/v1/me/orders', { token: access });
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.items.map((i) => i.number).sort(), [mine.number, mine2.number].sort());
  const read = await send('GET', `/v1/me/orders/${mine.number}`, { token: access });
  assert.equal(read.status, 200, read.text);
  assert.equal(read.body.guest, false);
  assert.equal(read.body.email, email.toUpperCase(), 'the e-mail the order was placed with');
  // The token still opens it (a link in an e-mail keeps working); the other guest order stays a guest's.
  assert.equal((await send('GET', `/v1/orders/${mine.number}`, { headers: { 'x-order-token': mine.access_token } })).status, 200);
  assert.equal(sql(`SELECT customer_id IS NULL FROM orders WHERE number = '${someoneElse.number}'`), 't');

  const unverified = await newPerson(unverifiedEmail, false);
  const me2 = await send('GET', '/v1/me', { token: unverified });
  assert.equal(me2.status, 200, me2.text);
  assert.equal(me2.body.email_verified, false);
  assert.deepEqual((await send('GET', '/v1/me/orders', { token: unverified })).body.items, []);
  assert.equal(sql(`SELECT customer_id IS NULL FROM orders WHERE number = '${notYours.number}'`), 't');
});

test('claim later: a known customer\'s new guest orders are theirs at their next /v1/me/orders request, list or detail', async () => {
  const email = `later.${tag()}@example.com`;
  const access = await newPerson(email, true);
  assert.equal((await send('GET', '/v1/me', { token: access })).status, 200); // profile copied, nothing to claim
  assert.deepEqual(await numbers(access), []);
  const other = await newPerson(`later-other.${tag()}@example.com`, true);
  assert.equal((await send('GET', '/v1/me', { token: other })).status, 200);
  const unverifiedEmail = `later-unverified.${tag()}@example.com`;
  const unverified = await newPerson(unverifiedEmail, false);
  assert.equal((await send('GET', '/v1/me', { token: unverified })).body.email_verified, false);

  // Signed out, the same person buys as a guest; their profile is not copied again (no PATCH, no restart).
  const first = (await checkout(await guestCart(), body({ email: email.toUpperCase() }))).body;
  const notYours = (await checkout(await guestCart(), body({ email: unverifiedEmail }))).body;
  // Someone else signed in, asking first, gets neither the order nor a claim on it.
  assert.equal((await send('GET', `/v1/me/orders/${first.number}`, { token: other })).status, 404);
  assert.deepEqual(await numbers(other), []);
  assert.equal(sql(`SELECT customer_id IS NULL FROM orders WHERE number = '${first.number}'`), 't');
  // The owner's next request, a detail, has it...
  const read = await send('GET', `/v1/me/orders/${first.number}`, { token: access });
  assert.equal(read.status, 200, read.text);
  assert.equal(read.body.guest, false);
  assert.equal(read.body.email, email.toUpperCase(), 'the e-mail the order was placed with');
  assert.deepEqual(await numbers(access), [first.number]);
  // ...and so does a list, for the next one.
  const second = (await checkout(await guestCart(), body({ email }))).body;
  assert.deepEqual(await numbers(access), [first.number, second.number].sort());
  assert.equal((await send('GET', `/v1/me/orders/${second.number}`, { token: access })).body.guest, false);
  // An address Cognito has not verified claims nothing, however often its owner looks.
  assert.deepEqual(await numbers(unverified), []);
  assert.equal((await send('GET', `/v1/me/orders/${notYours.number}`, { token: unverified })).status, 404);
  assert.equal(sql(`SELECT customer_id IS NULL FROM orders WHERE number = '${notYours.number}'`), 't');
  assert.deepEqual(await numbers(other), []);
});

test('claim race: concurrent requests of the owner and of someone else; each order is claimed once, by its owner', async () => {
  const email = `race.${tag()}@example.com`;
  const access = await newPerson(email, true);
  const other = await newPerson(`race-other.${tag()}@example.com`, true);
  for (const t of [access, other]) assert.equal((await send('GET', '/v1/me', { token: t })).status, 200);
  const placed = [];
  for (let i = 0; i < 3; i++) placed.push((await checkout(await guestCart(), body({ email }))).body.number);
  placed.sort();
  const asks = [];
  for (const token of [access, other, access, other]) {
    asks.push(send('GET', '/v1/me/orders?limit=100', { token }));
    asks.push(send('GET', `/v1/me/orders/${placed[0]}`, { token }));
  }
  const answers = await Promise.all(asks);
  answers.forEach((res, i) => {
    const owner = Math.floor(i / 2) % 2 === 0;
    const list = i % 2 === 0;
    if (owner || list) assert.equal(res.status, 200, res.text);
    if (owner && list) assert.deepEqual(res.body.items.map((o) => o.number).sort(), placed);
    if (owner && !list) assert.equal(res.body.number, placed[0]);
    if (!owner && list) assert.deepEqual(res.body.items, []);
    if (!owner && !list) assert.equal(res.status, 404, res.text);
  });
  const mine = sql(`SELECT id FROM customers WHERE email = '${email}'`);
  assert.equal(sql(`SELECT string_agg(DISTINCT customer_id::text, ',') FROM orders
    WHERE number IN (${placed.map((n) => `'${n}'`).join(',')})`), mine);
});

test('claim at a review: a guest purchase, paid, makes a known customer\'s first review of it a verified purchase', async () => {
  const email = `review.${tag()}@example.com`;
  const access = await newPerson(email, true);
  assert.equal((await send('GET', '/v1/me', { token: access })).status, 200); // copied now; the order comes later
  const order = (await checkout(await guestCart(), body({ email }))).body;
  const paid = await send('POST', `/v1/admin/orders/${order.number}/transitions`,
    { token: (await admin()).access, body: { action: 'mark_paid' } });
  assert.equal(paid.status, 200, paid.text);
  assert.equal(sql(`SELECT customer_id IS NULL FROM orders WHERE number = '${order.number}'`), 't');
  const slug = sql(`SELECT p.slug FROM products p JOIN product_variants v ON v.product_id = p.id WHERE v.id = ${plain.id}`);
  const review = await send('POST', `/v1/products/${slug}/reviews`, { token: access, body: { rating: 5, title: 'Bought as a guest' } });
  assert.equal(review.status, 201, review.text);
  assert.equal(review.body.verified_purchase, true, 'the guest order, claimed first, verifies the purchase');
});

test('claim at a copy: PATCH /v1/me and a new server\'s first sight claim too, before the person opens their orders', async () => {
  // Staff (orders by customer) and reviews (verified purchase) see these orders as the
  // person's from then on; the checks read the database, not /v1/me/orders, which claims by itself.
  const email = `copy.${tag()}@example.com`;
  const access = await newPerson(email, true);
  assert.equal((await send('GET', '/v1/me', { token: access })).status, 200);
  const mine = sql(`SELECT id FROM customers WHERE email = '${email}'`);
  const ownerOf = (n) => sql(`SELECT coalesce(customer_id::text, 'guest') FROM orders WHERE number = '${n}'`);
  const first = (await checkout(await guestCart(), body({ email }))).body;
  assert.equal(ownerOf(first.number), 'guest');
  assert.equal((await send('PATCH', '/v1/me', { token: access, body: { marketing_opt_in: true } })).status, 200);
  assert.equal(ownerOf(first.number), mine);
  const second = (await checkout(await guestCart(), body({ email: email.toUpperCase() }))).body;
  const srv = await startServer();
  try {
    const me = await api('GET', '/v1/me', { headers: { authorization: `Bearer ${access}` }, base: srv.base });
    assert.equal(me.status, 200, me.text);
    assert.equal(ownerOf(second.number), mine);
  } finally {
    assert.equal((await stopServer(srv)).code, 0, srv.output());
  }
});

const SES = requireEnv('SES_URL');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A link to the order in an e-mail: SHOP_URL/orders/{number}?token={token}. */
const LINK = /\/orders\/(SF-[0-9]+-[0-9]+)\?token=([A-Za-z0-9_-]{43})\b/;
const tamper = (t) => t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A');

/** The e-mails captured for `to`, oldest first, once at least `n` have arrived. */
async function mailsTo(to, n) {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(`${SES}/store`);
    assert.equal(res.status, 200);
    const mails = (await res.json()).emails.filter((m) => m.destination.to.includes(to));
    if (mails.length >= n) return mails.sort((a, b) => a.at - b.at);
    await sleep(100);
  }
  return assert.fail(`timed out waiting for ${n} e-mail(s) to ${to}`);
}

/** The order link of a captured e-mail, the same in its text and HTML parts: {number, token}. */
function linkOf(mail) {
  const m = mail.body.text.match(LINK);
  assert.ok(m, `no order link with a token in: ${mail.body.text}`);
  assert.ok(mail.body.html.includes(`${process.env.SHOP_URL}/orders/${m[1]}?token=${m[2]}`), mail.body.html);
  return { number: m[1], token: m[2] };
}

test('every e-mail of a guest order links to it with a token that opens it; a tampered one does not', async () => {
  const email = `guest-link-${tag()}@example.com`;
  const res = await checkout(await guestCart(), body({ email }));
  assert.equal(res.status, 201, res.text);
  const { number } = res.body;
  // The guest lost the checkout answer: all they have is the confirmation e-mail.
  const [confirmation] = await mailsTo(email, 1);
  const link = linkOf(confirmation);
  assert.equal(link.number, number);
  const opened = await send('GET', `/v1/orders/${number}?token=${link.token}`);
  assert.equal(opened.status, 200, opened.text);
  assert.equal(opened.body.number, number);
  assertProblem(await send('GET', `/v1/orders/${number}?token=${tamper(link.token)}`), 404, 'not-found');
  // The link cancels too, and the cancellation e-mail carries a working link as well.
  const cancelled = await send('POST', `/v1/orders/${number}/cancel?token=${link.token}`);
  assert.equal(cancelled.status, 200, cancelled.text);
  const mails = await mailsTo(email, 2);
  assert.match(mails[1].subject, /cancelled/);
  const again = linkOf(mails[1]);
  assert.equal(again.number, number);
  const reopened = await send('GET', `/v1/orders/${number}`, { headers: { 'x-order-token': again.token } });
  assert.equal(reopened.status, 200, reopened.text);
  assert.equal(reopened.body.status, 'cancelled');
});

test('after CURSOR_SECRET is rotated, the token from checkout and links made under the new key both open the order', async () => {
  const res = await checkout(await guestCart());
  assert.equal(res.status, 201, res.text);
  const { number, access_token: before } = res.body;
  const secret = `rotated-${randomUUID()}`;
  // The token as docs/checkout.md defines it: the order token key is
  // HMAC-SHA256(SHA-256(CURSOR_SECRET), "storefront order-token key v1").
  const key = createHmac('sha256', createHash('sha256').update(secret).digest())
    .update('storefront order-token key v1').digest();
  const after = createHmac('sha256', key).update(`order-token:${number}`).digest('base64url');
  // No mailer on the rotated server: it would render other tests' e-mails with its key.
  const srv = await startServer({ CURSOR_SECRET: secret, MAIL_FROM: undefined });
  try {
    const get = (token, base) => api('GET', `/v1/orders/${number}`, { headers: { 'x-order-token': token }, base });
    assert.equal((await get(before, srv.base)).status, 200, 'the token given at checkout');
    assert.equal((await get(after, srv.base)).status, 200, 'a link in an e-mail sent after the rotation');
    assertProblem(await get(tamper(after), srv.base), 404, 'not-found');
    // The server still on the old secret knows nothing of the new key.
    assertProblem(await get(after), 404, 'not-found');
  } finally {
    assert.equal((await stopServer(srv)).code, 0, srv.output());
  }
});
