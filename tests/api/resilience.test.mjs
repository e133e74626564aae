// resilience.test.mjs — the server under failure, each case on a server instance of
// its own (STOREFRONT_BIN) so the shared one keeps serving the other suites:
// - no database at all: liveness stays up, everything that needs the database is a
//   503 problem with Retry-After, never a hang or a 500;
// - the database drops every session (what a restart or failover looks like to a
//   client): the next requests succeed without a single error;
// - SIGTERM while requests are in flight: every request that was accepted completes,
//   and the process exits 0.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { requireEnv, startServer, stopServer } from './lib/server.mjs';

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
