// order-emails.test.mjs — order e-mails through SES (docs/messages.md), read back from
// the aws-ses-v2-local that make test starts ($SES_URL/store): a checkout sends exactly
// one confirmation to the customer's address with the order number and total; paid,
// shipped (with the tracking number), cancelled and refunded each send one more, in that
// order; a checkout that rolls back (out of stock) sends nothing; nothing is sent twice
// (each captured mail matches one outbox row marked sent, and no more).
//
// Runs on a server of our own (lib/orders.mjs) on the shared database, so the shared
// server's mailer and ours both take rows: two instances on one outbox. Customers here
// come from access tokens, which carry no e-mail address, so the test gives each
// customer a fresh address with SQL before checkout (as a Cognito profile sync would);
// two tests leave it out: the order's e-mail waits for the address and is sent once it
// arrives, or is marked failed with the reason when it never does.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { requireEnv } from './lib/server.mjs';
import { orderWorld, sql } from './lib/orders.mjs';

const SES = requireEnv('SES_URL');
const ADDRESS = { name: 'Ada <b>Lovelace</b>', line1: '1 Main St', city: 'Berlin', postal_code: '10115', country: 'DE' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let w;
let admin;

before(async () => {
  w = await orderWorld('OrderMail1', {}, 5);
  admin = w.staff();
});

after(async () => {
  if (w) await w.stop();
});

/** Polls fn until it returns a truthy value (at most `tries` × 100 ms); returns it. */
async function until(what, fn, tries = 600) {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** The captured e-mails to `to`, oldest first. */
async function mailsTo(to) {
  const res = await fetch(`${SES}/store`);
  assert.equal(res.status, 200);
  const { emails } = await res.json();
  return emails.filter((m) => m.destination.to.includes(to)).sort((a, b) => a.at - b.at);
}

const money = ({ amount, currency }) => `${(amount / 100).toFixed(2)} ${currency}`;
const subOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sub;
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;

/** A fresh customer with a fresh address and `quantity` of the variant in the cart. */
async function shopper(quantity = 1) {
  const token = w.person();
  const email = `mail-${randomUUID()}@example.com`;
  const item = await w.send('POST', '/v1/me/cart/items', { token, body: { variant_id: w.variant.id, quantity } });
  assert.equal(item.status, 200, item.text);
  sql(`UPDATE customers SET email = ${lit(email)} WHERE cognito_sub = ${lit(subOf(token))}`);
  return { token, email };
}

const checkout = (token, idem = randomUUID()) => w.send('POST', '/v1/checkout', {
  token, headers: { 'idempotency-key': idem },
  body: { shipping_address: ADDRESS, shipping_method: 'standard', payment_method: 'manual' },
});

const act = (number, action, extra = {}) => w.send('POST', `/v1/admin/orders/${number}/transitions`,
  { token: admin, body: { action, ...extra } });

/** The outbox's e-mail rows of an order: [{event_type, state, recipient}] in id order. */
const rowsOf = (number) => sql(`SELECT event_type, state, recipient FROM message_outbox
  WHERE channel = 'email' AND resource = ${lit(`order:${number}`)} ORDER BY id`)
  .split('\n').filter(Boolean).map((l) => { const [event_type, state, recipient] = l.split('|'); return { event_type, state, recipient }; });

/** Waits until the order's e-mail rows are all sent and `n` mails reached `to`; checks
 * that the mails are exactly the rows (one each, none twice) and returns them. */
async function settled(number, to, n) {
  const mails = await until(`${n} e-mail(s) to ${to}`, async () => {
    const rows = rowsOf(number);
    if (rows.length !== n || rows.some((r) => r.state !== 'sent')) return null;
    const m = await mailsTo(to);
    return m.length >= n ? m : null;
  });
  assert.equal(mails.length, n, `one e-mail per event, none twice: ${mails.map((m) => m.subject).join(' / ')}`);
  return mails;
}

test('a checkout sends one confirmation with the order number and total to the customer', async () => {
  const { token, email } = await shopper(2);
  const idem = randomUUID();
  const res = await checkout(token, idem);
  assert.equal(res.status, 201, res.text);
  const order = res.body;
  const [mail] = await settled(order.number, email, 1);
  assert.deepEqual(rowsOf(order.number).map((r) => [r.event_type, r.recipient]), [['order.created', email]]);
  assert.match(mail.from, /orders@storefront\.test/);
  assert.ok(mail.subject.includes(order.number), mail.subject);
  assert.ok(mail.subject.includes(process.env.SHOP_NAME), mail.subject);
  assert.ok(mail.body.text.includes(`Total: ${money(order.total)}`), mail.body.text);
  assert.ok(mail.body.text.includes(`2 x ${order.lines[0].name}`), mail.body.text);
  assert.ok(mail.body.text.includes(process.env.SHOP_ADDRESS), mail.body.text);
  assert.ok(mail.body.html.includes(order.number));
  assert.ok(mail.body.html.includes(money(order.total)));
  assert.ok(mail.body.html.includes(`${process.env.SHOP_URL}/orders/${order.number}`));
  // The customer's own text is escaped in HTML, as it is in text.
  assert.ok(mail.body.text.includes('Ada <b>Lovelace</b>'));
  assert.ok(mail.body.html.includes('Ada &lt;b&gt;Lovelace&lt;/b&gt;'));
  assert.ok(!mail.body.html.includes('<b>Lovelace'));
  // A replay of the same checkout changes nothing, so writes no second e-mail.
  const replay = await checkout(token, idem);
  assert.equal(replay.status, 201, replay.text);
  assert.equal(replay.body.number, order.number);
  assert.equal(rowsOf(order.number).length, 1);
});

test('paid, shipped (with tracking), refunded: one e-mail each, in order; fulfil sends none', async () => {
  const { token, email } = await shopper();
  const res = await checkout(token);
  assert.equal(res.status, 201, res.text);
  const { number } = res.body;
  await settled(number, email, 1);
  assert.equal((await act(number, 'mark_paid')).status, 200);
  await settled(number, email, 2);
  assert.equal((await act(number, 'fulfil')).status, 200);
  const shipped = await act(number, 'ship', { tracking_number: 'TRACK-123-XYZ' });
  assert.equal(shipped.status, 200, shipped.text);
  await settled(number, email, 3);
  // A partial refund by staff: a manual order's refund is recorded succeeded at once,
  // and the trigger turns it into order.refunded.
  const refunded = await w.send('POST', `/v1/admin/orders/${number}/refunds`,
    { token: admin, body: { amount: 150, reason: 'scratched' } });
  assert.equal(refunded.status, 201, refunded.text);
  assert.equal(refunded.body.status, 'succeeded');
  const mails = await settled(number, email, 4);
  assert.deepEqual(rowsOf(number).map((r) => r.event_type),
    ['order.created', 'order.paid', 'order.shipped', 'order.refunded']);
  const [created, paid, ship, refund] = mails;
  assert.match(created.subject, /received/);
  assert.match(paid.subject, /payment received/);
  assert.ok(paid.body.text.includes(money(res.body.total)));
  assert.match(ship.subject, /shipped/);
  assert.ok(ship.body.text.includes('Tracking number: TRACK-123-XYZ'), ship.body.text);
  assert.ok(ship.body.html.includes('TRACK-123-XYZ'));
  assert.ok(refund.subject.includes(`1.50 ${res.body.currency} refunded`), refund.subject);
  assert.ok(refund.body.text.includes('Reason: scratched'), refund.body.text);
});

test('a cancelled order sends a cancellation', async () => {
  const { token, email } = await shopper();
  const res = await checkout(token);
  assert.equal(res.status, 201, res.text);
  const { number } = res.body;
  assert.equal((await act(number, 'cancel')).status, 200);
  const mails = await settled(number, email, 2);
  assert.deepEqual(rowsOf(number).map((r) => r.event_type), ['order.created', 'order.cancelled']);
  assert.match(mails[1].subject, /cancelled/);
  assert.ok(mails[1].subject.includes(number));
});

test('a checkout that rolls back (out of stock) sends nothing', async () => {
  const { token, email } = await shopper(3);
  // Stock below the cart's quantity: the checkout inserts the order, then fails to
  // reserve the stock and rolls everything back, the outbox rows with it.
  sql(`UPDATE product_variants SET stock = 2 WHERE id = ${w.variant.id}`);
  let res;
  try {
    res = await checkout(token);
  } finally {
    sql(`UPDATE product_variants SET stock = ${w.variant.stock} WHERE id = ${w.variant.id}`);
  }
  assert.equal(res.status, 409, res.text);
  assert.equal(sql(`SELECT count(*) FROM message_outbox WHERE recipient = ${lit(email)}`), '0');
  // The same customer then orders for real: the mailers have run past the failed
  // attempt, and the only e-mail to the address is the real order's.
  const ok = await checkout(token);
  assert.equal(ok.status, 201, ok.text);
  const mails = await settled(ok.body.number, email, 1);
  assert.ok(mails[0].subject.includes(ok.body.number));
  assert.equal(sql(`SELECT count(*) FROM message_outbox WHERE recipient = ${lit(email)}`), '1');
});

/** The order's one e-mail row as the mailer left it. */
const rowOfOrder = (number) => {
  const [recipient, attempts, state, lastError] = sql(`SELECT coalesce(recipient, ''), attempts, state, coalesce(last_error, '')
    FROM message_outbox WHERE channel = 'email' AND resource = ${lit(`order:${number}`)} ORDER BY id LIMIT 1`).split('|');
  return recipient === undefined ? null : { recipient, attempts: Number(attempts), state, lastError };
};

test('a customer whose address is not on file yet: the confirmation waits for it and arrives once', async () => {
  // No address in customers (the profile copy from Cognito has not happened yet).
  const token = w.person();
  const item = await w.send('POST', '/v1/me/cart/items', { token, body: { variant_id: w.variant.id, quantity: 1 } });
  assert.equal(item.status, 200, item.text);
  const res = await checkout(token);
  assert.equal(res.status, 201, res.text);
  const { number } = res.body;
  // The e-mail row exists all the same; a mailer has taken it, found no address and
  // put it back to wait.
  const waiting = await until('the mailer to find no address', () => {
    const r = rowOfOrder(number);
    return r && r.attempts >= 1 && r.lastError ? r : null;
  });
  assert.equal(waiting.state, 'pending');
  assert.equal(waiting.recipient, '');
  assert.match(waiting.lastError, /no e-mail address on file yet/);
  // The address arrives (as the profile copy sets it): the confirmation goes out, once.
  const email = `late-${randomUUID()}@example.com`;
  sql(`UPDATE customers SET email = ${lit(email)} WHERE cognito_sub = ${lit(subOf(token))}`);
  const [mail] = await settled(number, email, 1);
  assert.ok(mail.subject.includes(number), mail.subject);
  assert.deepEqual(rowsOf(number).map((r) => [r.event_type, r.recipient]), [['order.created', email]]);
});

test('an address that never arrives: the e-mail is marked failed with the reason after the wait', async () => {
  const token = w.person();
  const item = await w.send('POST', '/v1/me/cart/items', { token, body: { variant_id: w.variant.id, quantity: 1 } });
  assert.equal(item.status, 200, item.text);
  const res = await checkout(token);
  assert.equal(res.status, 201, res.text);
  const { number } = res.body;
  await until('the mailer to find no address', () => rowOfOrder(number)?.attempts >= 1);
  // The row has waited past the limit (3 days, docs/messages.md).
  sql(`UPDATE message_outbox SET created_at = now() - interval '73 hours', next_attempt_at = now()
        WHERE channel = 'email' AND resource = ${lit(`order:${number}`)}`);
  const failed = await until('the row to fail', () => {
    const r = rowOfOrder(number);
    return r?.state === 'failed' ? r : null;
  });
  assert.match(failed.lastError, /no e-mail address on file for 72 hours/);
});
