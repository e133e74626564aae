// auth.test.mjs — bearer-token verification, black-box, against server instances that
// trust a JWKS this test serves and controls: every kind of bad token is a 401 problem
// with `WWW-Authenticate: Bearer error="invalid_token"` (never a 500), the wrong group
// is a 403, key rotation needs no restart, unknown kids refetch at most once per 10 s,
// and a JWKS outage before the first fetch is a 503 for protected routes only.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { freePort, startServer, stopServer } from './lib/server.mjs';
import { accessClaims, b64url, makeKey, rawToken, sign, startJwks } from './lib/tokens.mjs';

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AuthTest1';
const CLIENT = 'authtestclient0000000000a';

function authEnv(jwksUrl) {
  return {
    COGNITO_ISSUER: ISSUER, COGNITO_JWKS_URL: jwksUrl, COGNITO_ALLOW_HTTP: '1',
    COGNITO_CLIENT_IDS: CLIENT, COGNITO_TOKEN_USE: 'access', ADMIN_GROUP: 'admin',
  };
}

const call = (srv, path, token, method = 'GET') => api(method, path, {
  base: srv.base, headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
});

function assertInvalid(res, what) {
  assertProblem(res, 401, 'invalid-token');
  assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"', what);
  // The answer must not say why: nothing an attacker could tune a forgery against.
  assert.doesNotMatch(res.body.detail, /\b(kid|alg|signature|iss|aud|client_id|jwks|nbf)\b/i, what);
}

let k1;
let jwks;
let srv;

before(async () => {
  k1 = makeKey('k1');
  jwks = await startJwks([k1]);
  srv = await startServer(authEnv(jwks.url));
});

after(async () => {
  if (srv) assert.equal((await stopServer(srv)).code, 0, srv.output());
  if (jwks) await jwks.close();
});

test('a valid access token reads /v1/me, privately cached', async () => {
  const claims = accessClaims(ISSUER, CLIENT);
  const res = await call(srv, '/v1/me', sign(k1, claims));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.sub, claims.sub);
  assert.equal(res.body.username, claims.username);
  assert.equal(res.body.is_admin, false);
  assert.equal(res.headers['cache-control'], 'private, no-store');
});

test('no token, or another scheme, is 401 with a bare Bearer challenge', async () => {
  for (const headers of [{}, { authorization: 'Basic dXNlcjpwdw==' }, { authorization: 'Bearer' }, { authorization: '' }]) {
    const res = await api('GET', '/v1/me', { base: srv.base, headers });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.match(res.headers['www-authenticate'], /^Bearer/);
  }
  const res = await call(srv, '/v1/me', undefined);
  assertProblem(res, 401, 'unauthenticated');
  assert.equal(res.headers['www-authenticate'], 'Bearer');
});

test('claims are checked after the signature: exp, nbf, iss, client, token_use', async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases = {
    expired: accessClaims(ISSUER, CLIENT, { exp: now - 5 }),
    'nbf in the future': accessClaims(ISSUER, CLIENT, { nbf: now + 600 }),
    'wrong iss': accessClaims(`${ISSUER}x`, CLIENT),
    'iss of another pool': accessClaims('https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other0001', CLIENT),
    'wrong client': accessClaims(ISSUER, 'someotherclient'),
    'ID token where access is required': { ...accessClaims(ISSUER, CLIENT), token_use: 'id', aud: CLIENT, client_id: undefined },
    'missing exp': { ...accessClaims(ISSUER, CLIENT), exp: undefined },
    'exp as a string': accessClaims(ISSUER, CLIENT, { exp: String(now + 3600) }),
    'missing sub': { ...accessClaims(ISSUER, CLIENT), sub: undefined },
  };
  for (const [what, claims] of Object.entries(cases)) {
    assertInvalid(await call(srv, '/v1/me', sign(k1, JSON.parse(JSON.stringify(claims)))), what);
  }
});

test('forged and malformed tokens are refused', async () => {
  const claims = accessClaims(ISSUER, CLIENT);
  const good = sign(k1, claims);
  const [h, p, s] = good.split('.');
  const pem = k1.publicKey.export({ type: 'spki', format: 'pem' });
  const hs256Header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k1' }));
  const hs256 = `${hs256Header}.${p}.${crypto.createHmac('sha256', pem).update(`${hs256Header}.${p}`).digest('base64url')}`;
  const tampered = `${h}.${b64url(JSON.stringify({ ...claims, 'cognito:groups': ['admin'] }))}.${s}`;
  const cases = {
    'alg none': rawToken(JSON.stringify({ alg: 'none', kid: 'k1' }), JSON.stringify(claims)),
    'alg none with a signature': rawToken(JSON.stringify({ alg: 'none', kid: 'k1' }), JSON.stringify(claims), s),
    'HS256 keyed with the public key PEM': hs256,
    'RS512 header': sign(k1, claims, { alg: 'RS512' }),
    'payload tampered after signing': tampered,
    'signature of another key': sign(makeKey('k1'), claims),
    'signature cut short': `${h}.${p}.${s.slice(0, -4)}`,
    'no signature': `${h}.${p}.`,
    'two parts': `${h}.${p}`,
    'four parts': `${good}.${s}`,
    'standard base64 characters': `${h}.${p.replace(/-/g, '+').replace(/_/g, '/')}+.${s}`,
    'padding': `${h}=.${p}.${s}`,
    'whitespace inside': `${h}.${p.slice(0, 10)} ${p.slice(10)}.${s}`,
    'header not JSON': `${b64url('not json')}.${p}.${s}`,
    'header a JSON array': `${b64url('["RS256"]')}.${p}.${s}`,
    'payload a JSON string': sign(k1, '"just a string"'),
    'duplicate keys in the payload': sign(k1, `{"sub":"a","sub":"b","iss":"${ISSUER}","client_id":"${CLIENT}","token_use":"access","exp":${claims.exp}}`),
    'duplicate alg in the header': rawToken(`{"alg":"none","alg":"RS256","kid":"k1"}`, JSON.stringify(claims), s),
    'kid missing': sign(k1, claims, { kid: undefined }),
    'kid with ../': sign(k1, claims, { kid: '../../../etc/passwd' }),
    'kid with quotes': sign(k1, claims, { kid: 'k1"}, {"kid":"k1' }),
    'jku header': sign(k1, claims, { jku: 'http://127.0.0.1:1/evil.json' }),
    'x5u header': sign(k1, claims, { x5u: 'http://127.0.0.1:1/evil.pem' }),
    'embedded jwk header': sign(k1, claims, { jwk: k1.jwk }),
    'crit header': sign(k1, claims, { crit: ['exp'] }),
    'oversized (> 8 KiB)': sign(k1, { ...claims, padding: 'x'.repeat(9000) }),
    'not a JWT at all': 'hello',
  };
  for (const [what, token] of Object.entries(cases)) assertInvalid(await call(srv, '/v1/me', token), what);
});

test('staff routes need the admin group: 403 without it, 200 with it', async () => {
  const shopper = sign(k1, accessClaims(ISSUER, CLIENT, { 'cognito:groups': ['customers'] }));
  assertProblem(await call(srv, '/v1/admin/customers', shopper), 403, 'forbidden');
  assertProblem(await call(srv, '/v1/admin/customers', undefined), 401, 'unauthenticated');
  const staff = sign(k1, accessClaims(ISSUER, CLIENT, { 'cognito:groups': ['customers', 'admin'] }));
  const res = await call(srv, '/v1/admin/customers', staff);
  assert.equal(res.status, 200, res.text);
  assert.equal((await call(srv, '/v1/me', staff)).body.is_admin, true);
});

test('public routes ignore a bad token', async () => {
  const res = await call(srv, '/v1/products?limit=1', 'garbage.token.here');
  assert.equal(res.status, 200);
});

test('many distinct tokens verified concurrently are all accepted', async () => {
  const tokens = Array.from({ length: 40 }, () => sign(k1, accessClaims(ISSUER, CLIENT)));
  const results = await Promise.all(tokens.map((t) => call(srv, '/v1/me', t)));
  for (const r of results) assert.equal(r.status, 200, r.text);
  // The same token again is served from the verified-token cache.
  const before = await api('GET', '/metrics', { base: srv.base });
  const hits = (m) => Number(/storefront_auth_tokens_total\{outcome="cache_hit"\} (\d+)/.exec(m.body)?.[1]);
  await call(srv, '/v1/me', tokens[0]);
  assert.equal(hits(await api('GET', '/metrics', { base: srv.base })), hits(before) + 1);
});

test('an unknown kid refetches the JWKS once, then not again within 10 s', async () => {
  const keyA = makeKey('a1');
  const own = await startJwks([keyA]);
  const s = await startServer(authEnv(own.url));
  try {
    assert.equal((await call(s, '/v1/me', sign(keyA, accessClaims(ISSUER, CLIENT)))).status, 200);
    const fetched = own.requests();
    const stranger = makeKey('not-in-jwks');
    assertInvalid(await call(s, '/v1/me', sign(stranger, accessClaims(ISSUER, CLIENT))), 'unknown kid');
    assert.equal(own.requests(), fetched + 1, 'an unknown kid triggers one refetch');
    assertInvalid(await call(s, '/v1/me', sign(makeKey('other-stranger'), accessClaims(ISSUER, CLIENT))), 'unknown kid 2');
    assert.equal(own.requests(), fetched + 1, 'no second refetch within 10 s');
  } finally {
    assert.equal((await stopServer(s)).code, 0, s.output());
    await own.close();
  }
});

test('a key added to the JWKS (rotation) is accepted without a restart', async () => {
  const old = makeKey('old');
  const own = await startJwks([old]);
  const s = await startServer(authEnv(own.url));
  try {
    assert.equal((await call(s, '/v1/me', sign(old, accessClaims(ISSUER, CLIENT)))).status, 200);
    const fresh = makeKey('new');
    own.setKeys([old, fresh]);
    const res = await call(s, '/v1/me', sign(fresh, accessClaims(ISSUER, CLIENT)));
    assert.equal(res.status, 200, res.text);
    assert.equal((await call(s, '/v1/me', sign(old, accessClaims(ISSUER, CLIENT)))).status, 200);
  } finally {
    assert.equal((await stopServer(s)).code, 0, s.output());
    await own.close();
  }
});

test('JWKS down at start: protected routes 503, public ones fine, recovery without restart', async () => {
  const port = await freePort();
  const key = makeKey('late');
  const s = await startServer(authEnv(`http://127.0.0.1:${port}/.well-known/jwks.json`));
  let own;
  try {
    const token = sign(key, accessClaims(ISSUER, CLIENT));
    const res = await call(s, '/v1/me', token);
    assertProblem(res, 503, 'service-unavailable');
    assert.match(res.headers['retry-after'] ?? '', /^[1-9][0-9]*$/);
    assert.equal((await call(s, '/v1/products?limit=1', undefined)).status, 200);
    own = await startJwks([key], port);
    let status = 0;
    for (let i = 0; i < 80 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await call(s, '/v1/me', token)).status;
      assert.ok(status === 200 || status === 503, `unexpected ${status}`);
    }
    assert.equal(status, 200, 'the background fetch never recovered');
  } finally {
    assert.equal((await stopServer(s)).code, 0, s.output());
    if (own) await own.close();
  }
});

test('JWKS down after a good fetch: known keys keep working', async () => {
  const key = makeKey('steady');
  const own = await startJwks([key]);
  const s = await startServer(authEnv(own.url));
  try {
    assert.equal((await call(s, '/v1/me', sign(key, accessClaims(ISSUER, CLIENT)))).status, 200);
    await own.close();
    const res = await call(s, '/v1/me', sign(key, accessClaims(ISSUER, CLIENT)));
    assert.equal(res.status, 200, res.text);
  } finally {
    assert.equal((await stopServer(s)).code, 0, s.output());
  }
});

test('an http JWKS URL is refused unless local development allows it', async () => {
  await assert.rejects(startServer({ ...authEnv(jwks.url), COGNITO_ALLOW_HTTP: undefined }), /server did not start/);
});
