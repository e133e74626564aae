// order-emails-outage.test.mjs — SES down for a while: the mailer keeps every e-mail in
// the outbox, retries with backoff (attempts and last_error show it), and once SES is
// back sends each one exactly once — with two servers working the same outbox. And an
// e-mail SES refuses with a 4xx is marked failed and not retried (against a stand-in that
// refuses, and checks the request's SigV4 signature header and SESv2 body).
//
// Everything here is private to this file: a scratch database (migrated by the real
// binary), an aws-ses-v2-local of its own on a port chosen up front (nothing listens
// there until the test starts it; stopping it is the outage), and two servers of its
// own. The orders are written with SQL, each in its own transaction: the outbox rows
// come from the triggers, whatever code changes the order.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, requireEnv, startServer, stopServer } from './lib/server.mjs';

const SES_BIN = path.resolve('node_modules/aws-ses-v2-local/dist/cli.js');
const dbName = `storefront_mail_${process.pid}`;
const adminUrl = requireEnv('STOREFRONT_TEST_ADMIN_DATABASE_URL');
const dbUrl = (() => {
  const u = new URL(requireEnv('STOREFRONT_SERVER_DATABASE_URL'));
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const psql = (url, text) => execFileSync('psql', [url, '-XAtqv', 'ON_ERROR_STOP=1'], { input: text, encoding: 'utf8' }).trim();
const sql = (text) => psql(dbUrl, text);
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;

let sesPort;
let ses; // {child, exited}
const servers = [];

/** Polls fn until it returns a truthy value (at most `tries` × 100 ms); returns it. */
async function until(what, fn, tries = 900) {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function startSes() {
  const child = spawn(process.execPath, [SES_BIN, '--host', '127.0.0.1', '--port', String(sesPort)], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await until('aws-ses-v2-local to answer', async () => {
    try {
      return (await fetch(`http://127.0.0.1:${sesPort}/health-check`)).status === 200;
    } catch {
      return false;
    }
  });
  ses = { child, exited };
}

async function stopSes() {
  ses.child.kill('SIGKILL');
  await ses.exited;
  ses = null;
}

async function captured() {
  const { emails } = await (await fetch(`http://127.0.0.1:${sesPort}/store`)).json();
  return emails;
}

/** Places n orders for `email` (a customer of its own), each in its own transaction, the
 * way checkout writes them; returns their numbers. */
function placeOrders(email, n) {
  const sub = randomUUID();
  sql(`INSERT INTO customers (cognito_sub, email) VALUES (${lit(sub)}, ${lit(email)})`);
  const numbers = [];
  for (let i = 0; i < n; i++) {
    numbers.push(sql(`INSERT INTO orders (number, customer_id, currency, subtotal, discount_total,
        shipping_total, tax_total, total, shipping_method, payment_method, ship_name, ship_line1,
        ship_city, ship_postal_code, ship_country)
      SELECT 'SF-MAIL-' || lpad(nextval('order_number_seq')::text, 6, '0'), id, 'EUR', 1000, 0,
        500, 190, 1690, 'standard', 'manual', 'Grace Hopper', '2 Navy Yard', 'Arlington', '22201', 'US'
        FROM customers WHERE cognito_sub = ${lit(sub)}
      RETURNING number`));
  }
  return numbers;
}

/** The e-mail rows of these orders: [{number, state, attempts, last_error}]. */
function rows(numbers) {
  const list = numbers.map((n) => lit(`order:${n}`)).join(',');
  return sql(`SELECT substr(resource, 7), state, attempts, coalesce(last_error, ''), coalesce(last_status::text, '')
    FROM message_outbox WHERE channel = 'email' AND resource IN (${list}) ORDER BY id`)
    .split('\n').filter(Boolean).map((l) => {
      const [number, state, attempts, lastError, lastStatus] = l.split('|');
      return { number, state, attempts: Number(attempts), lastError, lastStatus };
    });
}

before(async () => {
  psql(adminUrl, `CREATE DATABASE ${dbName} OWNER storefront`);
  execFileSync(requireEnv('STOREFRONT_BIN'), ['migrate'], { env: { ...process.env, DATABASE_URL: dbUrl }, stdio: 'ignore' });
  sesPort = await freePort();
  const env = {
    DATABASE_URL: dbUrl, SES_ENDPOINT: `http://127.0.0.1:${sesPort}`, SES_ALLOW_HTTP: '1',
    MAIL_POLL_MS: '100', MAIL_BACKOFF_MAX_SECONDS: '1', KINESIS_STREAM: undefined, LOG_LEVEL: 'error',
    MAIL_FROM: 'Outage Shop <shop@outage.test>', SHOP_NAME: 'Outage Shop',
  };
  // Two servers: their mailers share the outbox, as two instances behind a balancer do.
  servers.push(await startServer(env), await startServer(env));
});

after(async () => {
  for (const s of servers) await stopServer(s);
  if (ses) await stopSes();
  psql(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
});

/** Waits until every row is sent; checks the captured mails are one per order. */
async function allSentOnce(numbers, email) {
  await until('every e-mail sent', () => {
    const r = rows(numbers);
    return r.length === numbers.length && r.every((x) => x.state === 'sent');
  });
  const mine = (await captured()).filter((m) => m.destination.to.includes(email));
  const subjects = mine.map((m) => m.subject).sort();
  const expected = numbers.map((n) => `Outage Shop: order ${n} received`).sort();
  assert.deepEqual(subjects, expected, 'each order confirmed exactly once');
}

test('SES down from the start: every e-mail waits, is retried, and is sent once after recovery', async () => {
  const email = `outage-${randomUUID()}@example.com`;
  const numbers = placeOrders(email, 6);
  // Nothing listens on the port: each row is tried, fails, and comes back later.
  await until('two failed attempts of every row', () => {
    const r = rows(numbers);
    return r.length === 6 && r.every((x) => x.state === 'pending' && x.attempts >= 2) ? r : null;
  });
  for (const r of rows(numbers)) assert.match(r.lastError, /SES unreachable/);
  await startSes();
  await allSentOnce(numbers, email);
});

test('SES stops mid-way and comes back: the new e-mails are sent once, the old ones not again', async () => {
  if (!ses) await startSes();
  const early = `early-${randomUUID()}@example.com`;
  const before = placeOrders(early, 2);
  await allSentOnce(before, early);
  await stopSes();
  const late = `late-${randomUUID()}@example.com`;
  const numbers = placeOrders(late, 4);
  await until('a failed attempt of every new row', () => {
    const r = rows(numbers);
    return r.length === 4 && r.every((x) => x.state === 'pending' && x.attempts >= 1 && x.lastError);
  });
  // The restarted emulator has an empty store: anything of the early orders in it
  // would have been sent twice.
  await startSes();
  await allSentOnce(numbers, late);
  assert.equal((await captured()).filter((m) => m.destination.to.includes(early)).length, 0);
  for (const r of rows(before)) assert.equal(r.attempts, 1);
});

test('an e-mail SES refuses (4xx) is marked failed and not retried; the request is SigV4-signed SESv2', async () => {
  // SES's answer to an unverified sender, from a stand-in that records what it got
  // (aws-ses-v2-local takes every address, so it never refuses one).
  const seen = [];
  const refuser = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'MessageRejected' });
      res.end(JSON.stringify({ message: 'Email address is not verified: shop@outage.test' }));
    });
  });
  await new Promise((r) => refuser.listen(0, '127.0.0.1', r));
  // Only a server that talks to the refuser may take the row.
  while (servers.length) await stopServer(servers.pop());
  const srv = await startServer({
    DATABASE_URL: dbUrl, SES_ENDPOINT: `http://127.0.0.1:${refuser.address().port}`, SES_ALLOW_HTTP: '1',
    MAIL_POLL_MS: '100', MAIL_BACKOFF_MAX_SECONDS: '1', KINESIS_STREAM: undefined, LOG_LEVEL: 'error',
    MAIL_FROM: 'Outage Shop <shop@outage.test>', SHOP_NAME: 'Outage Shop', AWS_REGION: 'eu-west-1',
  });
  servers.push(srv);
  try {
    const email = `refused-${randomUUID()}@example.com`;
    const [number] = placeOrders(email, 1);
    const [row] = await until('the refused row marked failed', () => {
      const r = rows([number]);
      return r.length === 1 && r[0].state === 'failed' ? r : null;
    });
    assert.equal(row.attempts, 1, 'a refusal is not retried');
    assert.equal(row.lastStatus, '400');
    assert.match(row.lastError, /SES answered 400: Email address is not verified/);
    assert.equal(seen.length, 1);
    const [req] = seen;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/v2/email/outbound-emails');
    assert.match(req.headers['content-type'], /^application\/json/);
    assert.match(req.headers.authorization, /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/eu-west-1\/ses\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    assert.ok(req.headers['x-amz-date']);
    const body = JSON.parse(req.body);
    assert.equal(body.FromEmailAddress, 'Outage Shop <shop@outage.test>');
    assert.deepEqual(body.Destination, { ToAddresses: [email] });
    assert.equal(body.Content.Simple.Subject.Data, `Outage Shop: order ${number} received`);
    assert.equal(body.Content.Simple.Subject.Charset, 'UTF-8');
    assert.equal(body.Content.Simple.Body.Text.Charset, 'UTF-8');
    assert.ok(body.Content.Simple.Body.Text.Data.includes('Total: 16.90 EUR'));
    assert.ok(body.Content.Simple.Body.Html.Data.includes(number));
  } finally {
    await new Promise((r) => refuser.close(r));
  }
});
