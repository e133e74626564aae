// resilience.test.mjs — the server under failure, each case on a server instance of
// its own (STOREFRONT_BIN) so the shared one keeps serving the other suites:
// - no database at all: liveness stays up, everything that needs the database is a
//   503 problem with Retry-After, never a hang or a 500;
// - the database drops every session (what a restart or failover looks like to a
//   client): the next requests succeed without a single error;
// - SIGTERM while requests are in flight: every request that was accepted completes,
//   and the process exits 0.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';

function requireEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the API tests through make test`);
  return v;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `storefront serve` with env overrides; resolves once /healthz answers. */
async function startServer(env) {
  const port = await freePort();
  const child = spawn(requireEnv('STOREFRONT_BIN'), ['serve'], {
    env: { ...process.env, LOG_LEVEL: 'warning', PORT: String(port), LISTEN_ADDR: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.status === 200) return { child, base, exited, output: () => output };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start: ${output}`);
}

async function stopServer(srv) {
  srv.child.kill('SIGTERM');
  const timer = setTimeout(() => srv.child.kill('SIGKILL'), 10000);
  const result = await srv.exited;
  clearTimeout(timer);
  return result;
}

function withParam(url, param) {
  return url + (url.includes('?') ? '&' : '?') + param;
}

test('without a database, liveness is up and everything else is 503 with Retry-After', async () => {
  const srv = await startServer({
    DATABASE_URL: 'postgresql://storefront@127.0.0.1:1/storefront',
    DB_ACQUIRE_TIMEOUT_MS: '200',
  });
  try {
    const live = await api('GET', '/healthz', { base: srv.base });
    assert.equal(live.status, 200);
    for (const path of ['/readyz', '/v1/products', '/v1/categories', '/v1/brands', '/v1/products/any-slug']) {
      const res = await api('GET', path, { base: srv.base });
      assertProblem(res, 503, 'service-unavailable');
      assert.match(res.headers['retry-after'] ?? '', /^[1-9][0-9]*$/, `${path} lacks Retry-After`);
    }
    // Validation still comes first: a bad request is a 400 even while the database is down.
    assertProblem(await api('GET', '/v1/products?limit=0', { base: srv.base }), 400, 'validation-error', 'limit');
  } finally {
    const { code } = await stopServer(srv);
    assert.equal(code, 0, srv.output());
  }
});

test('after the database drops every session, requests keep succeeding', async () => {
  // A distinct application_name marks this server's sessions, so only they are killed.
  const appName = `sf-resilience-${process.pid}`;
  const srv = await startServer({
    DATABASE_URL: withParam(requireEnv('STOREFRONT_SERVER_DATABASE_URL'), `application_name=${appName}`),
    DB_POOL_SIZE: '2',
  });
  try {
    for (let i = 0; i < 4; i++) assert.equal((await api('GET', '/v1/products?limit=5', { base: srv.base })).status, 200);
    const killed = execFileSync('psql', [requireEnv('STOREFRONT_TEST_ADMIN_DATABASE_URL'), '-XAtc',
      `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '${appName}'`],
    { encoding: 'utf8' }).trim();
    assert.ok(Number(killed) >= 1, `expected to kill this server's sessions, killed ${killed}`);
    for (let i = 0; i < 10; i++) {
      const res = await api('GET', '/v1/products?limit=5', { base: srv.base });
      assert.equal(res.status, 200, `request ${i} after the sessions dropped: ${res.status} ${res.text}`);
    }
    assert.equal((await api('GET', '/readyz', { base: srv.base })).status, 200);
    const metrics = await api('GET', '/metrics', { base: srv.base });
    const connects = Number(/storefront_db_pool_connects_total (\d+)/.exec(metrics.body)?.[1]);
    assert.ok(connects >= 2, `expected reconnects in metrics, got ${connects}`);
  } finally {
    const { code } = await stopServer(srv);
    assert.equal(code, 0, srv.output());
  }
});

test('SIGTERM lets accepted requests finish and exits 0', async () => {
  const srv = await startServer({ DATABASE_URL: requireEnv('STOREFRONT_SERVER_DATABASE_URL') });
  const inflight = [];
  for (let i = 0; i < 40; i++) {
    inflight.push(fetch(`${srv.base}/v1/products?limit=50&facets=true`).then(
      async (r) => ({ status: r.status, body: await r.text() }),
      (err) => ({ error: err }),
    ));
  }
  await new Promise((r) => setTimeout(r, 20));
  srv.child.kill('SIGTERM');
  const results = await Promise.all(inflight);
  const { code, signal } = await srv.exited;
  assert.equal(signal, null, srv.output());
  assert.equal(code, 0, srv.output());
  const answered = results.filter((r) => !r.error);
  assert.ok(answered.length > 0, 'no request was answered before shutdown');
  for (const r of answered) {
    assert.equal(r.status, 200, r.body.slice(0, 300));
    JSON.parse(r.body); // complete, not cut off mid-body
  }
  // Afterwards the port is closed.
  await assert.rejects(fetch(`${srv.base}/healthz`));
});
