// webhooks-ssrf.test.mjs — a server WITHOUT WEBHOOK_ALLOW_PRIVATE_TARGETS (production's
// setting) refuses webhook targets inside the network: loopback, private, link-local
// (the cloud metadata address), IPv6 loopback and mapped forms, and names that resolve
// to them (localhost), each with a 400 naming `url`; plain http is refused too. A public
// https address is accepted. (docs/webhooks.md, "SSRF".)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertProblem } from './lib/helpers.mjs';
import { orderWorld } from './lib/orders.mjs';

const WH = '/v1/admin/webhooks';
let w;
let admin;
const made = [];

before(async () => {
  // No sender on this server (WEBHOOK_POLL_MS=0): it must not take the other tests'
  // deliveries to their loopback receivers and refuse them.
  w = await orderWorld('WebhooksSsrf1', { WEBHOOK_ALLOW_PRIVATE_TARGETS: undefined, WEBHOOK_POLL_MS: '0' });
  admin = w.staff();
});

after(async () => {
  for (const id of made) await w.send('DELETE', `${WH}/${id}`, { token: admin });
  await w?.stop();
});

// Inactive: an accepted public address must never be called by the test stack's senders.
const create = (url) => w.send('POST', WH, { token: admin, body: { url, event_types: ['order.created'], active: false } });

test('internal targets are refused at registration with a clear 400', async () => {
  const internal = [
    'https://127.0.0.1/hook', 'https://127.1.2.3:8443/hook', 'https://10.0.0.5/hook',
    'https://172.16.3.4/hook', 'https://192.168.1.10/hook', 'https://100.64.0.1/hook',
    'https://169.254.169.254/latest/meta-data/', 'https://0.0.0.0/hook', 'https://[::1]/hook',
    'https://[::ffff:127.0.0.1]/hook', 'https://[::ffff:a9fe:a9fe]/hook', 'https://[fd00::1]/hook',
    'https://[fe80::1]/hook', 'https://localhost/hook', 'https://localhost:3000/hook',
    'https://0x7f000001/hook', 'https://2130706433/hook',
  ];
  for (const url of internal) {
    const res = await create(url);
    assertProblem(res, 400, 'validation-error', 'url');
    const msg = res.body.errors.find((e) => e.field === 'url').message;
    assert.match(msg, /internal address/, `${url}: ${msg}`);
  }
});

test('http, credentials and non-http schemes are refused; a public https address is accepted', async () => {
  for (const [url, re] of [
    ['http://8.8.8.8/hook', /https/], ['ftp://8.8.8.8/hook', /https/],
    ['https://user:pw@8.8.8.8/hook', /user name/], ['gopher://127.0.0.1/', /https/],
    ['file:///etc/passwd', /https|valid/],
  ]) {
    const res = await create(url);
    assertProblem(res, 400, 'validation-error', 'url');
    assert.match(res.body.errors[0].message, re, url);
  }
  // A literal public address needs no DNS: accepted (nothing is sent, no sender here).
  const ok = await create('https://8.8.8.8/hook');
  assert.equal(ok.status, 201, ok.text);
  made.push(ok.body.id);
  // A change of URL is checked the same way.
  const res = await w.send('PATCH', `${WH}/${ok.body.id}`, {
    token: admin, headers: { 'if-match': '*' }, body: { url: 'https://169.254.169.254/' },
  });
  assertProblem(res, 400, 'validation-error', 'url');
  const still = await w.send('GET', `${WH}/${ok.body.id}`, { token: admin });
  assert.equal(still.body.url, 'https://8.8.8.8/hook');
});
