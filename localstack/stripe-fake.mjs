#!/usr/bin/env node
// localstack/stripe-fake.mjs — a Stripe stand-in for make run and make test (issue #12).
//
// Why our own: no npm Stripe mock is installable here that checks requests (the npm
// index has only `stripe-stateful-mock`, "half-baked", with no request log or fault
// injection; localstripe is Python). This one implements the few endpoints the server
// calls and CHECKS every request against Stripe's documented API, answering
// Stripe-shaped errors ({"error": {type, code?, message, param?}}) as Stripe would:
//   - Authorization: Bearer sk_test_… (else 401), form-encoded bodies
//     (application/x-www-form-urlencoded, bracket syntax: metadata[k]=v, a[]=x),
//     unknown parameters refused, integer minor-unit amounts, lowercase ISO currencies,
//     metadata limits (50 keys, key ≤ 40, value ≤ 500), Stripe-Version a dated version;
//   - Idempotency-Key (≤ 255): the same key with the same parameters replays the first
//     answer (Idempotent-Replayed: true); with other parameters, 400 idempotency_error.
// Endpoints: POST/GET /v1/payment_intents[/:id], POST /v1/payment_intents/:id/cancel
// (only from a cancelable status, else 400 payment_intent_unexpected_state; sends
// payment_intent.canceled), POST /v1/payment_intents/:id/confirm
// (payment_method pm_card_visa succeeds and sends payment_intent.succeeded;
// pm_card_chargeDeclined fails with a card_error), POST /v1/refunds, GET /v1/refunds/:id,
// GET /v1/refunds (a list object: {object: "list", url, has_more, data}, newest first;
// payment_intent / charge filters, limit 1..100 default 10, starting_after/ending_before).
// Webhooks are signed like Stripe's: Stripe-Signature: t=<unix>,v1=HMAC-SHA256(secret,
// "<t>.<body>"), shaped as API version 2024-06-20 sends them: charge.refunded carries the
// charge WITHOUT its refunds list (gone since 2022-11-15: read them with GET /v1/refunds),
// and a refund's change sends refund.updated and charge.refund.updated (the refund).
//
// Every API key is its own account (objects, idempotency keys, webhook target, faults),
// so test files running in parallel with different keys never see each other.
// Control routes (tests only; ?key= names the account, default STRIPE_API_KEY):
//   GET  /__requests?key=    every request received: method, path, headers, form, status
//   GET  /__events?key=      every event sent, with its delivery result
//   POST /__config           {key?, webhook_url?, webhook_secret?, refund_status?,
//                            enabled_events?}: enabled_events as a Stripe webhook endpoint's
//                            (["*"] = all, the default); other events are recorded, not sent
//   POST /__fail             {key?, count, mode}: the next `count` API requests of that
//                            account fail: "500", "429", "drop" (connection closed before
//                            anything is done), "hang" (no answer), "lost" (done, then the
//                            connection is closed before the answer: a timeout after the fact)
//   POST /__idempotency/forget {key?}: forget the account's idempotency keys, as Stripe
//                            prunes them after 24 hours
//   POST /__refunds/:id/status {status, failure_reason?}: change a refund, send
//                            refund.updated, charge.refund.updated (+ refund.failed /
//                            charge.refunded)
//   GET  /healthz
// Usage: node stripe-fake.mjs [port]  (env: STRIPE_FAKE_PORT, STRIPE_API_KEY,
// STRIPE_WEBHOOK_URL, STRIPE_WEBHOOK_SECRET: the defaults of every account).
import { createHmac, createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

const PORT = Number(process.argv[2] || process.env.STRIPE_FAKE_PORT || 12111);
const DEFAULT_KEY = process.env.STRIPE_API_KEY || 'sk_test_storefront_local';
const CURRENCIES = new Set(['usd', 'eur', 'gbp', 'vnd', 'jpy', 'cad', 'aud', 'chf', 'sek', 'nok', 'dkk', 'pln', 'czk', 'sgd', 'nzd', 'mxn', 'brl', 'inr', 'huf']);
const REFUND_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);
const CANCEL_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned']);
const CANCELABLE = new Set(['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing']);
const PI_CREATE = new Set(['amount', 'currency', 'automatic_payment_methods', 'payment_method_types', 'metadata',
  'description', 'receipt_email', 'customer', 'confirm', 'payment_method', 'capture_method', 'statement_descriptor',
  'statement_descriptor_suffix', 'setup_future_usage', 'expand']);
const REFUND_CREATE = new Set(['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'expand', 'instructions_email']);
const REFUND_LIST = new Set(['payment_intent', 'charge', 'created', 'ending_before', 'limit', 'starting_after', 'expand']);
let seq = 0; // creation order of objects: lists are newest first, as Stripe's

const accounts = new Map();
const objects = new Map(); // id -> {owner, obj}

function account(key) {
  if (!accounts.has(key)) {
    accounts.set(key, {
      webhookUrl: process.env.STRIPE_WEBHOOK_URL || null,
      webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || null,
      refundStatus: 'succeeded',
      enabledEvents: ['*'],
      fail: { count: 0, mode: '500' },
      requests: [],
      events: [],
      idem: new Map(),
    });
  }
  return accounts.get(key);
}

const newId = (prefix) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const now = () => Math.floor(Date.now() / 1000);

class StripeError extends Error {
  constructor(status, type, message, extra = {}) {
    super(message);
    this.status = status;
    this.body = { error: { type, message, ...extra } };
  }
}
const invalid = (message, param, code) => new StripeError(400, 'invalid_request_error', message,
  { ...(param ? { param } : {}), ...(code ? { code } : {}) });

// Stripe's form encoding: a=1&b[c]=2&d[]=x&d[]=y (keys percent-encoded, + is a space).
function parseForm(text) {
  const out = {};
  if (!text) return out;
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    if (eq < 0) throw invalid(`Malformed form parameter: ${pair.slice(0, 40)}`);
    const dec = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
    let k;
    let v;
    try { k = dec(pair.slice(0, eq)); v = dec(pair.slice(eq + 1)); } catch { throw invalid('Malformed percent-encoding in the body.'); }
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(k);
    if (!m) throw invalid(`Malformed parameter name: ${k.slice(0, 40)}`);
    const path = [m[1], ...[...m[2].matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1])];
    let node = out;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i];
      const nextArr = path[i + 1] === '';
      if (node[seg] === undefined) node[seg] = nextArr ? [] : {};
      if (typeof node[seg] !== 'object') throw invalid(`Parameter ${path.slice(0, i + 1).join('.')} given twice with different shapes.`);
      node = node[seg];
    }
    const last = path[path.length - 1];
    if (Array.isArray(node)) node.push(v);
    else if (last === '') throw invalid(`Malformed parameter name: ${k}`);
    else if (node[last] !== undefined) throw invalid(`Parameter ${k} given twice.`, k);
    else node[last] = v;
  }
  return out;
}

function unknownParams(form, allowed) {
  for (const k of Object.keys(form)) if (!allowed.has(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
}
function integer(form, name, { required = false, min = 1 } = {}) {
  const v = form[name];
  if (v === undefined) {
    if (required) throw invalid(`Missing required param: ${name}.`, name, 'parameter_missing');
    return undefined;
  }
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw invalid(`Invalid integer: ${v}`, name, 'parameter_invalid_integer');
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw invalid(`This value must be greater than or equal to ${min}.`, name, 'parameter_invalid_integer');
  return n;
}
function metadata(form) {
  const md = form.metadata;
  if (md === undefined) return {};
  if (typeof md !== 'object' || Array.isArray(md)) throw invalid('Invalid object', 'metadata');
  const keys = Object.keys(md);
  if (keys.length > 50) throw invalid('Metadata can have at most 50 keys.', 'metadata');
  for (const k of keys) {
    if (k.length > 40) throw invalid(`Metadata keys can have up to 40 characters: ${k}`, `metadata[${k}]`);
    if (typeof md[k] !== 'string' || md[k].length > 500) throw invalid('Metadata values can have up to 500 characters.', `metadata[${k}]`);
  }
  return md;
}

function own(acct, id, prefix, kind) {
  const o = objects.get(id);
  if (!id.startsWith(prefix) || !o || o.owner !== acct) {
    throw new StripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, { code: 'resource_missing', param: 'id' });
  }
  return o.obj;
}

function sendEvent(acct, type, object) {
  const event = { id: newId('evt'), object: 'event', api_version: '2024-06-20', created: now(), livemode: false,
    type, data: { object: structuredClone(object) }, pending_webhooks: 1, request: { id: null, idempotency_key: null } };
  const record = { event, delivered: null, status: null };
  acct.events.push(record);
  if (!acct.enabledEvents.includes('*') && !acct.enabledEvents.includes(type)) {
    record.delivered = false;
    record.status = 'not enabled';
    return;
  }
  acct.chain = (acct.chain || Promise.resolve()).then(() => deliver(acct, record));
}

// In order per account: Stripe does not promise order, but tests read more easily.
async function deliver(acct, record) {
  if (!acct.webhookUrl || !acct.webhookSecret) { record.delivered = false; record.status = 'no webhook configured'; return; }
  const body = JSON.stringify(record.event);
  const t = now();
  const sig = createHmac('sha256', acct.webhookSecret).update(`${t}.${body}`).digest('hex');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const res = await fetch(acct.webhookUrl, { method: 'POST', body,
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': `t=${t},v1=${sig}`, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
        signal: AbortSignal.timeout(10000) });
      record.status = res.status;
      record.response = await res.text();
      record.delivered = res.status >= 200 && res.status < 300;
      if (record.delivered) return;
    } catch (err) {
      record.status = String(err.message || err);
      record.delivered = false;
    }
    await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
  }
}

const handlers = [
  ['POST', /^\/v1\/payment_intents$/, (acct, form) => {
    unknownParams(form, PI_CREATE);
    const amount = integer(form, 'amount', { required: true });
    const currency = form.currency;
    if (currency === undefined) throw invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    if (typeof currency !== 'string' || !/^[a-z]{3}$/.test(currency) || !CURRENCIES.has(currency)) {
      throw invalid(`Invalid currency: ${currency}. Stripe currently supports these currencies (lowercase ISO codes): ${[...CURRENCIES].join(', ')}`, 'currency', 'invalid_currency');
    }
    const apm = form.automatic_payment_methods;
    const pmt = form.payment_method_types;
    if (apm !== undefined && (typeof apm !== 'object' || !['true', 'false'].includes(apm.enabled) || Object.keys(apm).some((k) => !['enabled', 'allow_redirects'].includes(k)))) {
      throw invalid('Invalid automatic_payment_methods: enabled must be true or false.', 'automatic_payment_methods[enabled]');
    }
    if (pmt !== undefined && (!Array.isArray(pmt) || pmt.length === 0)) throw invalid('Invalid array', 'payment_method_types');
    if (apm?.enabled === 'true' && pmt !== undefined) {
      throw invalid('You may only specify one of these parameters: automatic_payment_methods, payment_method_types.', 'payment_method_types');
    }
    const id = newId('pi');
    const pi = { id, object: 'payment_intent', amount, amount_received: 0, currency, status: 'requires_payment_method',
      client_secret: `${id}_secret_${randomBytes(12).toString('hex')}`, metadata: metadata(form),
      description: form.description ?? null, created: now(), livemode: false, latest_charge: null,
      last_payment_error: null, canceled_at: null, cancellation_reason: null, automatic_payment_methods: apm ? { enabled: apm.enabled === 'true' } : null,
      payment_method_types: pmt ?? ['card'], amount_refunded: undefined };
    delete pi.amount_refunded;
    objects.set(id, { owner: acct, obj: pi, refunded: 0 });
    sendEvent(acct, 'payment_intent.created', pi);
    return [200, pi];
  }],
  ['GET', /^\/v1\/payment_intents\/([^/]+)$/, (acct, form, [id]) => [200, own(acct, id, 'pi_', 'payment_intent')]],
  ['POST', /^\/v1\/payment_intents\/([^/]+)\/confirm$/, (acct, form, [id]) => {
    const pi = own(acct, id, 'pi_', 'payment_intent');
    unknownParams(form, new Set(['payment_method', 'return_url', 'expand']));
    if (!['requires_payment_method', 'requires_confirmation'].includes(pi.status)) {
      throw invalid(`This PaymentIntent's status is ${pi.status}: it cannot be confirmed.`, undefined, 'payment_intent_unexpected_state');
    }
    if (!form.payment_method) throw invalid('Missing required param: payment_method.', 'payment_method', 'parameter_missing');
    if (form.payment_method === 'pm_card_chargeDeclined') {
      pi.last_payment_error = { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
      sendEvent(acct, 'payment_intent.payment_failed', pi);
      throw new StripeError(402, 'card_error', 'Your card was declined.', { code: 'card_declined', decline_code: 'generic_decline', payment_intent: structuredClone(pi) });
    }
    if (form.payment_method !== 'pm_card_visa') throw invalid(`No such PaymentMethod: '${form.payment_method}'`, 'payment_method', 'resource_missing');
    pi.status = 'succeeded';
    pi.amount_received = pi.amount;
    pi.latest_charge = newId('ch');
    pi.last_payment_error = null;
    sendEvent(acct, 'payment_intent.succeeded', pi);
    return [200, pi];
  }],
  ['POST', /^\/v1\/payment_intents\/([^/]+)\/cancel$/, (acct, form, [id]) => {
    const pi = own(acct, id, 'pi_', 'payment_intent');
    unknownParams(form, new Set(['cancellation_reason', 'expand']));
    if (form.cancellation_reason !== undefined && !CANCEL_REASONS.has(form.cancellation_reason)) {
      throw invalid(`Invalid cancellation_reason: must be one of ${[...CANCEL_REASONS].join(', ')}`, 'cancellation_reason');
    }
    if (!CANCELABLE.has(pi.status)) {
      throw invalid(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${[...CANCELABLE].join(', ')}.`, undefined, 'payment_intent_unexpected_state');
    }
    pi.status = 'canceled';
    pi.canceled_at = now();
    pi.cancellation_reason = form.cancellation_reason ?? null;
    sendEvent(acct, 'payment_intent.canceled', pi);
    return [200, pi];
  }],
  ['POST', /^\/v1\/refunds$/, (acct, form) => {
    unknownParams(form, REFUND_CREATE);
    if (!form.payment_intent && !form.charge) throw invalid('One of the following params should be provided for this request: payment_intent or charge.', 'payment_intent', 'parameter_missing');
    if (form.charge) throw invalid('This stand-in refunds by payment_intent only.', 'charge');
    const pi = own(acct, form.payment_intent, 'pi_', 'payment_intent');
    const holder = objects.get(pi.id);
    if (pi.status !== 'succeeded') throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, 'payment_intent', 'charge_not_refundable');
    const left = pi.amount_received - holder.refunded;
    const amount = integer(form, 'amount') ?? left;
    if (left <= 0) throw invalid(`Charge ${pi.latest_charge} has already been refunded.`, undefined, 'charge_already_refunded');
    if (amount > left) throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`, 'amount', 'amount_too_large');
    if (form.reason !== undefined && !REFUND_REASONS.has(form.reason)) throw invalid(`Invalid reason: must be one of ${[...REFUND_REASONS].join(', ')}`, 'reason');
    const status = acct.refundStatus;
    const re = { id: newId('re'), object: 'refund', amount, currency: pi.currency, payment_intent: pi.id, charge: pi.latest_charge,
      status, reason: form.reason ?? null, metadata: metadata(form), created: now(), failure_reason: null };
    holder.refunded += amount;
    objects.set(re.id, { owner: acct, obj: re, seq: ++seq });
    sendEvent(acct, 'refund.created', re);
    if (status === 'succeeded') sendEvent(acct, 'charge.refunded', charge(pi));
    return [200, re];
  }],
  ['GET', /^\/v1\/refunds\/([^/]+)$/, (acct, form, [id]) => [200, own(acct, id, 're_', 'refund')]],
  ['GET', /^\/v1\/refunds$/, (acct, form) => {
    unknownParams(form, REFUND_LIST);
    const limit = integer(form, 'limit') ?? 10;
    if (limit > 100) throw invalid('This value must be less than or equal to 100.', 'limit', 'parameter_invalid_integer');
    if (form.starting_after !== undefined && form.ending_before !== undefined) {
      throw invalid('You may only specify one of these parameters: ending_before, starting_after.', 'ending_before');
    }
    for (const p of ['payment_intent', 'charge', 'starting_after', 'ending_before']) {
      if (form[p] !== undefined && (typeof form[p] !== 'string' || form[p].length < 1 || form[p].length > 5000)) throw invalid(`Invalid string: ${p}`, p);
    }
    if (form.created !== undefined || form.expand !== undefined) throw invalid('This stand-in does not filter by created or expand lists.', form.created !== undefined ? 'created' : 'expand');
    if (form.payment_intent !== undefined) own(acct, form.payment_intent, 'pi_', 'payment_intent');
    let all = [...objects.values()].filter((o) => o.owner === acct && o.obj.object === 'refund'
      && (form.payment_intent === undefined || o.obj.payment_intent === form.payment_intent)
      && (form.charge === undefined || o.obj.charge === form.charge)).sort((x, y) => y.seq - x.seq);
    let more = false;
    if (form.starting_after !== undefined) {
      const i = all.findIndex((o) => o.obj.id === form.starting_after);
      if (i < 0) own(acct, form.starting_after, 're_', 'refund'); // 404 resource_missing unless another list's
      all = i < 0 ? [] : all.slice(i + 1);
    } else if (form.ending_before !== undefined) {
      const i = all.findIndex((o) => o.obj.id === form.ending_before);
      if (i < 0) own(acct, form.ending_before, 're_', 'refund');
      all = i < 0 ? [] : all.slice(0, i);
      more = all.length > limit;
      all = all.slice(-limit);
    }
    if (form.ending_before === undefined) { more = all.length > limit; all = all.slice(0, limit); }
    return [200, { object: 'list', url: '/v1/refunds', has_more: more, data: all.map((o) => o.obj) }];
  }],
];

function charge(pi) {
  const holder = objects.get(pi.id);
  const refunds = [...objects.values()].filter((o) => o.obj.object === 'refund' && o.obj.payment_intent === pi.id).map((o) => o.obj);
  const done = refunds.filter((r) => r.status === 'succeeded' || r.status === 'pending').reduce((s, r) => s + r.amount, 0);
  return { id: pi.latest_charge, object: 'charge', amount: pi.amount, amount_captured: pi.amount_received,
    amount_refunded: Math.min(done, holder.refunded), currency: pi.currency, payment_intent: pi.id,
    refunded: done >= pi.amount_received, metadata: pi.metadata, status: 'succeeded' };
}

function json(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(8).toString('hex')}`, ...headers });
  res.end(text);
}

function apiRequest(req, res, raw, url) {
  const auth = req.headers.authorization || '';
  const m = /^Bearer ((?:sk|rk)_test_[A-Za-z0-9_]{8,})$/.exec(auth);
  const key = m ? m[1] : null;
  const acct = account(key || DEFAULT_KEY);
  const entry = { method: req.method, path: url.pathname, query: url.search, headers: { ...req.headers }, raw, form: null,
    status: null, at: new Date().toISOString() };
  acct.requests.push(entry);
  let lost = false;
  const answer = (status, body, headers) => {
    entry.status = status;
    entry.response = body;
    // "lost": done here, but the answer never reaches the caller (a timeout after the fact).
    if (lost) { entry.status = `fault:lost:${status}`; req.socket.destroy(); return; }
    json(res, status, body, headers);
  };
  try {
    if (!key) {
      throw new StripeError(401, 'invalid_request_error', auth ? 'Invalid API Key provided: the key must be a Bearer sk_test_… key.' : "You did not provide an API key. Provide it in the Authorization header, using Bearer auth.");
    }
    if (acct.fail.count > 0) {
      acct.fail.count--;
      entry.status = `fault:${acct.fail.mode}`;
      entry.fault = acct.fail.mode;
      try { entry.form = parseForm(req.method === 'POST' ? raw : url.search.slice(1)); } catch { /* logged raw */ }
      if (acct.fail.mode === 'drop') { req.socket.destroy(); return; }
      if (acct.fail.mode === 'hang') { setTimeout(() => req.socket.destroy(), 120000).unref(); return; }
      if (acct.fail.mode === '429') throw new StripeError(429, 'invalid_request_error', 'Too many requests hit the API too quickly.', { code: 'rate_limit' });
      if (acct.fail.mode === 'lost') lost = true;
      else throw new StripeError(500, 'api_error', 'An unknown error occurred (injected by /__fail).');
    }
    const version = req.headers['stripe-version'];
    if (version !== undefined && !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(version)) throw invalid(`Invalid Stripe API version: ${version}`, undefined, 'api_version_invalid');
    if (req.method === 'POST') {
      const ct = (req.headers['content-type'] || '').split(';')[0].trim();
      if (raw.length && ct !== 'application/x-www-form-urlencoded') throw invalid(`Invalid request: the body must be application/x-www-form-urlencoded, got ${ct || 'none'}.`);
    } else if (raw.length) {
      throw invalid('A GET request takes no body.');
    }
    const form = parseForm(req.method === 'POST' ? raw : url.search.slice(1));
    entry.form = form;
    const route = handlers.find(([meth, re]) => meth === req.method && re.test(url.pathname));
    if (!route) {
      throw new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${url.pathname}).`);
    }
    const idem = req.headers['idempotency-key'];
    let idemKey;
    if (idem !== undefined && req.method === 'POST') {
      if (idem.length < 1 || idem.length > 255) throw invalid('Idempotency-Key must be 1 to 255 characters.', undefined, 'idempotency_key_invalid');
      idemKey = idem;
      const fingerprint = createHash('sha256').update(`${req.method} ${url.pathname}\n${JSON.stringify(form)}`).digest('hex');
      const seen = acct.idem.get(idemKey);
      if (seen) {
        if (seen.fingerprint !== fingerprint) {
          throw new StripeError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`);
        }
        entry.replayed = true;
        return answer(seen.status, seen.body, { 'idempotent-replayed': 'true', 'idempotency-key': idemKey });
      }
      acct.pendingIdem = { key: idemKey, fingerprint };
    }
    const [status, body] = route[2](acct, form, url.pathname.match(route[1]).slice(1).map(decodeURIComponent));
    if (idemKey) acct.idem.set(idemKey, { fingerprint: acct.pendingIdem.fingerprint, status, body: structuredClone(body) });
    return answer(status, body, idemKey ? { 'idempotency-key': idemKey } : {});
  } catch (err) {
    if (!(err instanceof StripeError)) {
      console.error(err);
      return answer(500, { error: { type: 'api_error', message: String(err.message || err) } });
    }
    // Stripe stores 4xx answers under the key too (a retry gets the same error); not 5xx.
    if (acct.pendingIdem && err.status < 500 && err.body.error.type !== 'idempotency_error') {
      acct.idem.set(acct.pendingIdem.key, { fingerprint: acct.pendingIdem.fingerprint, status: err.status, body: err.body });
    }
    return answer(err.status, err.body);
  } finally {
    acct.pendingIdem = null;
  }
}

function control(req, res, raw, url) {
  const params = url.searchParams;
  let body = {};
  if (raw) {
    try { body = JSON.parse(raw); } catch { return json(res, 400, { error: 'body must be JSON' }); }
  }
  const acct = account(body.key || params.get('key') || DEFAULT_KEY);
  if (req.method === 'GET' && url.pathname === '/__requests') return json(res, 200, acct.requests);
  if (req.method === 'GET' && url.pathname === '/__events') return json(res, 200, acct.events);
  if (req.method === 'POST' && url.pathname === '/__config') {
    if ('webhook_url' in body) acct.webhookUrl = body.webhook_url;
    if ('webhook_secret' in body) acct.webhookSecret = body.webhook_secret;
    if ('refund_status' in body) acct.refundStatus = body.refund_status;
    if ('enabled_events' in body) {
      if (!Array.isArray(body.enabled_events) || !body.enabled_events.every((t) => typeof t === 'string')) return json(res, 400, { error: 'enabled_events: array of event types' });
      acct.enabledEvents = body.enabled_events;
    }
    return json(res, 200, { webhook_url: acct.webhookUrl, refund_status: acct.refundStatus, enabled_events: acct.enabledEvents });
  }
  if (req.method === 'POST' && url.pathname === '/__fail') {
    if (!['500', '429', 'drop', 'hang', 'lost'].includes(String(body.mode ?? '500')) || !Number.isInteger(body.count ?? 1)) return json(res, 400, { error: 'count integer, mode 500|429|drop|hang|lost' });
    acct.fail = { count: body.count ?? 1, mode: String(body.mode ?? '500') };
    return json(res, 200, acct.fail);
  }
  // Stripe prunes idempotency keys once they are at least 24 hours old: after this, a
  // request under a key used before is a new request.
  if (req.method === 'POST' && url.pathname === '/__idempotency/forget') {
    const forgotten = acct.idem.size;
    acct.idem.clear();
    return json(res, 200, { forgotten });
  }
  const m = /^\/__refunds\/([^/]+)\/status$/.exec(url.pathname);
  if (req.method === 'POST' && m) {
    const o = objects.get(m[1]);
    if (!o || o.obj.object !== 'refund') return json(res, 404, { error: 'no such refund' });
    if (!['pending', 'succeeded', 'failed', 'canceled', 'requires_action'].includes(body.status)) return json(res, 400, { error: 'bad status' });
    const re = o.obj;
    const holder = objects.get(re.payment_intent);
    const was = re.status;
    re.status = body.status;
    re.failure_reason = body.status === 'failed' ? (body.failure_reason || 'unknown') : null;
    const counted = (s) => s === 'succeeded' || s === 'pending';
    if (counted(was) && !counted(re.status)) holder.refunded -= re.amount;
    if (!counted(was) && counted(re.status)) holder.refunded += re.amount;
    sendEvent(o.owner, 'refund.updated', re);
    sendEvent(o.owner, 'charge.refund.updated', re);
    if (re.status === 'failed') sendEvent(o.owner, 'refund.failed', re);
    if (re.status === 'succeeded') sendEvent(o.owner, 'charge.refunded', charge(holder.obj));
    return json(res, 200, re);
  }
  if (req.method === 'GET' && url.pathname === '/healthz') return json(res, 200, { ok: true });
  return json(res, 404, { error: 'no such control route' });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname.startsWith('/__') || url.pathname === '/healthz') control(req, res, raw, url);
    else apiRequest(req, res, raw, url);
  });
});
server.listen(PORT, '127.0.0.1', () => console.log(`stripe-fake listening on http://127.0.0.1:${PORT}`));
process.on('SIGTERM', () => { server.closeAllConnections?.(); server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 1000).unref(); });
process.on('SIGINT', () => process.exit(0));
