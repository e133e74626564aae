// spec.test.mjs — internal consistency rules of openapi.yaml that the linter cannot know.
//
// Checks the house conventions on every operation (which error responses it documents)
// and that ProductDetail really repeats every ProductSummary field unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spec, resolve } from '../api/lib/contract.mjs';

const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  ['get', 'post', 'put', 'patch', 'delete', 'options'].filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m], item })));

test('every operation documents the errors that can happen anywhere', () => {
  for (const { path, method, op } of operations) {
    for (const status of ['400', '405', '413', '414', '500', '503']) {
      assert.ok(op.responses[status], `${method.toUpperCase()} ${path} lacks ${status}`);
    }
    if (path.includes('{')) assert.ok(op.responses['404'], `${method.toUpperCase()} ${path} lacks 404`);
  }
});

const isPublic = (op) => !op.security || op.security.length === 0;
// Guest carts and guest orders need no token, but their URL (or the order's access
// token) is a capability: never in a shared cache.
const isGuestCart = (path) => path.startsWith('/v1/carts') || path.startsWith('/v1/orders/');

test('public catalog GETs document 304, ETag and public caching', () => {
  for (const { path, method, op } of operations.filter((o) => o.method === 'get' && o.path.startsWith('/v1/') &&
    isPublic(o.op) && !isGuestCart(o.path))) {
    assert.ok(op.responses['304'], `GET ${path} lacks 304`);
    const ok = resolve(op.responses['200']);
    for (const h of ['ETag', 'Cache-Control', 'X-Request-Id']) assert.ok(ok.headers[h], `GET ${path} 200 lacks ${h}`);
    assert.ok(op.parameters.some((p) => resolve(p).name === 'If-None-Match'), `GET ${path} lacks If-None-Match`);
    assert.ok(method);
  }
});

test('every response documents X-Request-Id and 503/429 document Retry-After', () => {
  for (const { path, method, op } of operations) {
    for (const [status, ref] of Object.entries(op.responses)) {
      const r = resolve(ref);
      assert.ok(r.headers?.['X-Request-Id'], `${method} ${path} ${status} lacks X-Request-Id`);
      if (status === '503' || status === '429') assert.ok(r.headers['Retry-After'], `${status} lacks Retry-After`);
      if (status === '405') assert.ok(r.headers.Allow, '405 lacks Allow');
    }
  }
});

test('ProductDetail repeats every ProductSummary field unchanged', () => {
  const { ProductSummary: sum, ProductDetail: det } = spec.components.schemas;
  for (const [name, schema] of Object.entries(sum.properties)) {
    assert.deepEqual(det.properties[name], schema, `ProductDetail.${name} differs from ProductSummary.${name}`);
    assert.ok(det.required.includes(name), `ProductDetail does not require ${name}`);
  }
  for (const s of [sum, det]) assert.deepEqual([...s.required].sort(), Object.keys(s.properties).sort());
});

test('authenticated operations document 401 with WWW-Authenticate and private caching', () => {
  for (const { path, method, op } of operations.filter((o) => !isPublic(o.op))) {
    const unauthorized = resolve(op.responses['401']);
    assert.ok(unauthorized?.headers?.['WWW-Authenticate'], `${method} ${path} lacks 401 with WWW-Authenticate`);
    const success = ['200', '201', '202', '204'].filter((s) => op.responses[s]);
    assert.ok(success.length, `${method} ${path} documents no success response`);
    for (const status of success) {
      const ok = resolve(op.responses[status]);
      assert.equal(resolve(ok.headers['Cache-Control']).schema.const, 'private, no-store', `${method} ${path} ${status} is not private`);
    }
  }
});

test('guest cart operations are public but answered privately, never with an ETag or 304', () => {
  const guest = operations.filter((o) => isGuestCart(o.path) && o.method !== 'options');
  assert.ok(guest.length > 0);
  for (const { path, method, op } of guest) {
    assert.ok(isPublic(op), `${method} ${path} must not need a token`);
    assert.equal(op.responses['304'], undefined, `${method} ${path} documents 304`);
    for (const status of ['200', '201'].filter((s) => op.responses[s])) {
      const ok = resolve(op.responses[status]);
      assert.equal(ok.headers.ETag, undefined, `${method} ${path} ${status} documents an ETag`);
      assert.equal(resolve(ok.headers['Cache-Control']).schema.const, 'private, no-store', `${method} ${path} ${status} is not private`);
    }
  }
});

test('201 documents Location and a body; 204 has no body', () => {
  for (const { path, method, op } of operations) {
    const created = resolve(op.responses['201']);
    if (created) {
      assert.ok(resolve(created.headers?.Location)?.required, `${method} ${path} 201 lacks a required Location`);
      assert.ok(created.content, `${method} ${path} 201 has no body`);
    }
    const empty = resolve(op.responses['204']);
    if (empty) assert.equal(empty.content, undefined, `${method} ${path} 204 documents a body`);
  }
});

test('operations that take a body document 415, and state clashes use Conflict', () => {
  for (const { path, method, op } of operations.filter((o) => o.op.requestBody)) {
    assert.ok(op.responses['415'], `${method} ${path} takes a body but lacks 415`);
  }
  for (const { path, method, op } of operations.filter((o) => o.op.responses['409'])) {
    assert.equal(op.responses['409'].$ref, '#/components/responses/Conflict', `${method} ${path} 409 is not Conflict`);
  }
});

// Request bodies (e.g. MeUpdate) list optional fields, so they have no `required`.
const requestSchemas = new Set(operations.flatMap(({ op }) => Object.values(op.requestBody?.content ?? {})
  .map((c) => c.schema?.$ref?.split('/').pop()).filter(Boolean)));
// An Event is only ever an item of EventBatch, a request body (POST /v1/events).
requestSchemas.add('Event');

// The only response fields that may be absent, each present only in some answers:
// a problem's per-field errors, the list's facets (when asked for), and a card
// order's payment (checkout answers only).
const optionalResponseFields = { Problem: ['errors'], ProductList: ['facets'], Order: ['payment', 'access_token'] };

test('every problem type has a status and every response object schema is closed', () => {
  const types = spec.components.schemas.Problem.properties.type.enum;
  assert.deepEqual(Object.keys(spec.components.schemas.Problem['x-status-by-type']).sort(), [...types].sort());
  for (const [name, schema] of Object.entries(spec.components.schemas)) {
    if (schema.type === 'object' && schema.properties) {
      assert.equal(schema.additionalProperties, false, `${name} is not closed`);
      if (requestSchemas.has(name)) continue;
      assert.deepEqual([...schema.required].sort(), Object.keys(schema.properties).filter((p) =>
        !(optionalResponseFields[name] ?? []).includes(p)).sort(),
      `${name}.required is incomplete`);
    }
  }
});
