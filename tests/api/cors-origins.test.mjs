// cors-origins.test.mjs — CORS_ALLOWED_ORIGINS patterns for Amplify branch domains and
// the log line for a refused origin, on a server of this test's own (docs/http.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { api } from './lib/client.mjs';
import { freePort, requireEnv, startServer, stopServer } from './lib/server.mjs';

const ORIGINS = 'https://*.d1abc.amplifyapp.com,http://localhost:5173';
let srv;

before(async () => {
  srv = await startServer({ CORS_ALLOWED_ORIGINS: ORIGINS, LOG_LEVEL: 'info' });
});
after(async () => {
  if (srv) await stopServer(srv);
});

function preflight(origin, requestId) {
  const headers = { Origin: origin, 'Access-Control-Request-Method': 'POST' };
  if (requestId) headers['X-Request-Id'] = requestId;
  return api('OPTIONS', '/v1/carts', { base: srv.base, headers });
}

/** Waits (bounded) until the server has logged the access line of requestId: every line
 * the requests before it wrote is then in the output too (one pipe, in order). */
async function logUpTo(requestId) {
  for (let i = 0; i < 100; i++) {
    if (srv.output().includes(`"request_id":"${requestId}"`)) return srv.output();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no access line for ${requestId}: ${srv.output().slice(-2000)}`);
}

const refusedLines = (out, origin) => out.split('\n').filter((l) => l.includes('cors: origin') && l.includes(`${origin} refused`));

test('a branch of the Amplify app is allowed by the pattern', async () => {
  for (const origin of ['https://main.d1abc.amplifyapp.com', 'https://feature-x.d1abc.amplifyapp.com']) {
    const res = await preflight(origin);
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], origin);
    assert.match(res.headers['access-control-allow-methods'], /\bPOST\b/);
    const get = await api('GET', '/v1/brands', { base: srv.base, headers: { Origin: origin } });
    assert.equal(get.headers['access-control-allow-origin'], origin);
  }
  const exact = await preflight('http://localhost:5173');
  assert.equal(exact.headers['access-control-allow-origin'], 'http://localhost:5173');
});

test('look-alikes of the pattern are refused', async () => {
  for (const origin of ['https://d1abc.amplifyapp.com', 'https://d1abc.amplifyapp.com.evil.com',
    'https://evil.com/.d1abc.amplifyapp.com', 'http://main.d1abc.amplifyapp.com',
    'https://main.d1abc.amplifyapp.com:8443', 'https://main.xd1abc.amplifyapp.com', 'http://localhost:5174']) {
    const res = await preflight(origin);
    assert.equal(res.status, 204, origin);
    assert.equal(res.headers['access-control-allow-origin'], undefined, origin);
    assert.equal(res.headers['access-control-allow-methods'], undefined, origin);
  }
});

test('a refused origin is logged once, with the origin, however often it comes', async () => {
  const origin = 'https://once.refused.example';
  for (let i = 0; i < 3; i++) await preflight(origin);
  await api('GET', '/v1/brands', { base: srv.base, headers: { Origin: origin } });
  const out = await logUpTo((await preflight('http://localhost:5173', 'cors-sync-once')).headers['x-request-id']);
  const lines = refusedLines(out, origin);
  assert.equal(lines.length, 1, out.slice(-2000));
  assert.match(lines[0], /"level":"warning"/);
  assert.match(lines[0], /CORS_ALLOWED_ORIGINS/);
  // An allowed origin is never logged as refused.
  assert.equal(refusedLines(out, 'https://main.d1abc.amplifyapp.com').length, 0);
});

test('made-up origins cannot flood the log: at most 20 refused-origin lines a minute', async () => {
  for (let i = 0; i < 30; i++) await preflight(`https://scan-${i}.flood.example`);
  const out = await logUpTo((await preflight('http://localhost:5173', 'cors-sync-flood')).headers['x-request-id']);
  const all = out.split('\n').filter((l) => l.includes('cors: origin'));
  const flood = all.filter((l) => l.includes('.flood.example'));
  assert.ok(flood.length > 0, 'the first scanned origins are logged');
  assert.ok(all.length <= 20, `${all.length} refused-origin lines in one minute`);
});

test('an invalid pattern stops the server at start with a line naming CORS_ALLOWED_ORIGINS', async () => {
  for (const bad of ['https://*.com', 'https://x.*.amplifyapp.com', 'https://*.d1abc.amplifyapp.com/']) {
    const port = await freePort();
    const child = spawn(requireEnv('STOREFRONT_BIN'), ['serve'], {
      env: { ...process.env, DATABASE_URL: requireEnv('STOREFRONT_SERVER_DATABASE_URL'), PORT: String(port), CORS_ALLOWED_ORIGINS: bad },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 2, `${bad}: ${out}`);
    assert.match(out, /CORS_ALLOWED_ORIGINS/);
  }
});
