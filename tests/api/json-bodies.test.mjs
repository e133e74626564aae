// json-bodies.test.mjs — request bodies that are JSON but not what an endpoint takes, or
// not quite JSON, each answered with a 400 whose detail names the actual cause.
//
// Why: `null`, a key given twice and an integer beyond 64 bits used to be reported as
// "not valid JSON", which sends a client looking for a syntax error that is not there.
// The bodies go to endpoints of every parsing path: api/util/jsonutil.c's
// json_parse_body (PATCH /v1/me, POST /v1/me/addresses, cart items) and the checkout,
// quote and staff transition parsers that now share it.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { admin, shopper as shopperLogin } from './lib/tokens.mjs';

let shopper;
let staff;
before(async () => {
  shopper = (await shopperLogin()).access;
  staff = (await admin()).access;
});

const CASES = [
  ['null', 'null', /^The JSON body is null; send a JSON object\.$/],
  ['a number', '42', /^The JSON body is a number; send a JSON object\.$/],
  ['a string', '"hello"', /^The JSON body is a string; send a JSON object\.$/],
  ['a boolean', 'true', /^The JSON body is a boolean; send a JSON object\.$/],
  ['an array', '[]', /^The JSON body is an array; send a JSON object\.$/],
  ['a duplicated key', '{"a": 1, "a": 2}', /^The JSON body has the same key twice in one object \(line 1, column \d+\): duplicate object key/],
  ['an integer beyond 64 bits', '{"quantity": 99999999999999999999}', /^A number in the JSON body is too large \(line 1, column \d+\): integers must fit in 64 bits\.$/],
  ['a syntax error', '{"a": }', /^The body is not valid JSON \(line 1, column \d+\): /],
];

const ROUTES = [
  ['PATCH', '/v1/me', () => shopper],
  ['POST', '/v1/me/addresses', () => shopper],
  ['POST', '/v1/me/cart/items', () => shopper],
  ['POST', '/v1/me/cart/quote', () => shopper],
  ['POST', '/v1/checkout', () => shopper, { 'idempotency-key': 'json-bodies-never-placed' }],
  ['POST', '/v1/admin/orders/SF-000101-000001/transitions', () => staff],
];

for (const [what, body, detail] of CASES) {
  test(`a body that is ${what} is a 400 that says so, on every parser`, async () => {
    for (const [method, path, token, extra = {}] of ROUTES) {
      const res = await api(method, path, {
        headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json', ...extra },
        body,
      });
      assertProblem(res, 400, 'bad-request');
      assert.match(res.body.detail, detail, `${method} ${path}: ${res.body.detail}`);
    }
  });
}
