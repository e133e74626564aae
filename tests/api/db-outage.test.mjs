// db-outage.test.mjs — a database outage as the server sees it, without stopping the
// shared PostgreSQL: a server of its own reaches PostgreSQL through a small TCP proxy
// this test runs, and cutting the proxy (its sessions destroyed, its port closed) is the
// outage. While it lasts every request is a prompt 503 problem with Retry-After (never
// a hang or a 500), the log holds a few state-change lines rather than one per request,
// every log line is one JSON object, and once the proxy is back requests succeed again
// without a restart. Then the server's sessions are terminated from an admin session:
// PostgreSQL's "terminating connection" message reaches the log as a JSON line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { freePort, requireEnv, startServer, stopServer } from './lib/server.mjs';

/** A TCP proxy on `port` to PostgreSQL at host:pgPort that can be cut and restored. */
function pgProxy(port, host, pgPort) {
  const sockets = new Set();
  let server = null;
  const track = (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); };
  return {
    start: () => new Promise((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(pgPort, host);
        track(client);
        track(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    }),
    cut: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}

/** api() bounded: a request that hangs fails the test instead of stalling it. */
function bounded(promise, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} hung for 15 s`)), 15000);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

function logLines(text) {
  return text.split('\n').filter((l) => l.trim() !== '');
}

function assertAllJson(lines) {
  for (const line of lines) {
    let parsed;
    assert.doesNotThrow(() => { parsed = JSON.parse(line); }, `log line is not JSON: ${line}`);
    assert.equal(typeof parsed, 'object', `log line is not a JSON object: ${line}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a database outage: prompt 503s, a few log lines, recovery without a restart', async (t) => {
  const real = new URL(requireEnv('STOREFRONT_SERVER_DATABASE_URL'));
  const proxyPort = await freePort();
  const proxy = pgProxy(proxyPort, real.hostname, Number(real.port || 5432));
  await proxy.start();
  const viaProxy = new URL(real.href);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxyPort);
  // A distinct application_name marks this server's sessions for the admin's terminate.
  const appName = `sf-db-outage-${process.pid}`;
  viaProxy.searchParams.set('application_name', appName);
  const srv = await startServer({
    DATABASE_URL: viaProxy.href,
    HTTP_THREADS: '4',
    DB_RECONNECT_BACKOFF_MAX_MS: '400',
    DB_ACQUIRE_TIMEOUT_MS: '2000',
    // No kept catalog answers: after the outage a cached 200 would come back before the
    // pool has reconnected, and this test is about the pool's recovery.
    CATALOG_CACHE_BYTES: '0',
  });
  let proxyUp = true;
  try {
    for (let i = 0; i < 8; i++) {
      assert.equal((await api('GET', '/v1/products?limit=5', { base: srv.base })).status, 200);
    }

    // The outage: at least ~3 s and at least 200 answers, from 8 concurrent clients.
    const before = srv.output().length;
    await proxy.cut();
    proxyUp = false;
    const cutAt = Date.now();
    const statuses = new Map();
    let answered = 0;
    const client = async (n) => {
      const paths = ['/v1/products?limit=5', '/v1/categories', '/readyz', '/v1/products/any-slug'];
      for (let i = 0; Date.now() - cutAt < 3000 || answered < 200; i++) {
        const path = paths[(n + i) % paths.length];
        const res = await bounded(api('GET', path, { base: srv.base }), `GET ${path}`);
        answered++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assertProblem(res, 503, 'service-unavailable');
        assert.match(res.headers['retry-after'] ?? '', /^[1-9][0-9]*$/, `${path} lacks Retry-After`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, n) => client(n)));
    assert.deepEqual([...statuses.keys()], [503]);
    // Liveness does not need the database.
    assert.equal((await api('GET', '/healthz', { base: srv.base })).status, 200);

    // The proxy comes back: requests succeed again (bounded polling; the backoff is capped
    // at 400 ms) without restarting the server.
    await proxy.start();
    proxyUp = true;
    let recovered = false;
    for (let i = 0; i < 150 && !recovered; i++) {
      const res = await bounded(api('GET', '/v1/products?limit=5', { base: srv.base }), 'GET after recovery');
      if (res.status === 200) recovered = true;
      else {
        assertProblem(res, 503, 'service-unavailable');
        await sleep(100);
      }
    }
    assert.ok(recovered, 'requests did not succeed again after the database came back');
    for (let i = 0; i < 8; i++) {
      assert.equal((await api('GET', '/v1/products?limit=5', { base: srv.base })).status, 200);
    }

    // The log of the outage: state changes, not one line per request. Bounded by a
    // few lines per pooled connection (each live session's failed query) plus the two
    // state changes, far below the number of refused requests.
    await sleep(200); // the child's stdout reaches us asynchronously
    const outage = logLines(srv.output().slice(before));
    assertAllJson(outage);
    const msgs = outage.map((l) => JSON.parse(l).msg ?? '');
    assert.equal(msgs.filter((m) => /^database unreachable: .*retrying with backoff/.test(m)).length, 1,
      `expected one "unreachable" line:\n${outage.join('\n')}`);
    assert.equal(msgs.filter((m) => /^database reachable again after [0-9.]+ s/.test(m)).length, 1,
      `expected one "reachable again" line:\n${outage.join('\n')}`);
    t.diagnostic(`outage: ${answered} requests answered 503, ${outage.length} log lines`);
    assert.ok(outage.length <= 30 && outage.length * 5 < answered,
      `${outage.length} log lines for ${answered} refused requests:\n${outage.join('\n')}`);

    // A session ended by the server (pg_terminate_backend, as a restart would): its
    // FATAL message is logged once per session as JSON, and requests do not fail.
    const mark = srv.output().length;
    const killed = execFileSync('psql', [requireEnv('STOREFRONT_TEST_ADMIN_DATABASE_URL'), '-XAtc',
      `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '${appName}'`],
    { encoding: 'utf8' }).trim();
    assert.ok(Number(killed) >= 1, `expected to terminate this server's sessions, terminated ${killed}`);
    for (let i = 0; i < 8; i++) {
      const res = await api('GET', '/v1/products?limit=5', { base: srv.base });
      assert.equal(res.status, 200, `request ${i} after the sessions were terminated: ${res.status}`);
    }
    let after = [];
    for (let i = 0; i < 50; i++) {
      after = logLines(srv.output().slice(mark));
      if (after.some((l) => l.includes('terminating connection'))) break;
      await sleep(100);
    }
    assertAllJson(after);
    assert.ok(after.some((l) => /terminating connection/.test(JSON.parse(l).msg ?? '')),
      `no JSON log line carries PostgreSQL's message:\n${after.join('\n')}`);
  } finally {
    if (!proxyUp) await proxy.start().catch(() => {});
    const { code } = await stopServer(srv);
    await proxy.cut();
    assert.equal(code, 0, srv.output());
    assertAllJson(logLines(srv.output()));
  }
});
