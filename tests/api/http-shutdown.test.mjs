// http-shutdown.test.mjs — what SIGTERM does to open connections (docs/http.md,
// "Shutdown"), on servers of this test's own: a request in flight is answered with
// `Connection: close`, an idle keep-alive connection is closed at once and does not hold
// the exit, and every clickstream request sent before SIGTERM is answered — each 2xx
// with its events in the database. Raw sockets, so the test controls which connection
// is idle and which has a request in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { ev, eventsWorld, storedCount } from './lib/events.mjs';
import { startServer } from './lib/server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A raw keep-alive connection: send(text), next() = the next whole response
 * {status, headers, body} (Content-Length framed), closed = resolves when the server
 * closes it. */
function connect(base) {
  const { hostname, port } = new URL(base);
  const sock = net.connect({ host: hostname, port: Number(port) });
  let buf = Buffer.alloc(0);
  let waiter = null;
  const closed = new Promise((resolve) => sock.on('close', resolve));
  sock.on('error', () => {});
  const tryParse = () => {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const len = Number(headers['content-length'] || 0);
    if (buf.length < end + 4 + len) return null;
    const body = buf.subarray(end + 4, end + 4 + len).toString('utf8');
    buf = buf.subarray(end + 4 + len);
    return { status, headers, body };
  };
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    if (waiter) {
      const r = tryParse();
      if (r) { const w = waiter; waiter = null; w.resolve(r); }
    }
  });
  closed.then(() => { if (waiter) { const w = waiter; waiter = null; w.reject(new Error('closed without an answer')); } });
  const ready = new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  return {
    ready,
    closed,
    sock,
    send: (text) => new Promise((resolve) => sock.write(text, resolve)),
    next: () => {
      const r = tryParse();
      if (r) return Promise.resolve(r);
      if (sock.destroyed) return Promise.reject(new Error('closed without an answer'));
      return new Promise((resolve, reject) => { waiter = { resolve, reject }; });
    },
  };
}

const get = (path) => `GET ${path} HTTP/1.1\r\nHost: shutdown.test\r\n\r\n`;

/** Resolves {code, signal} when the server exits, or fails after `ms`. */
async function exitWithin(srv, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms\n${srv.output().slice(-3000)}`)), ms);
  });
  try {
    return await Promise.race([srv.exited, limit]);
  } finally {
    clearTimeout(timer);
    srv.child.kill('SIGKILL');
  }
}

function assertJsonLog(output) {
  for (const line of output.split('\n').filter((l) => l.trim())) {
    assert.doesNotThrow(() => JSON.parse(line), `a log line is not JSON: ${line}`);
  }
}

test('after SIGTERM a request in flight is answered with Connection: close, and an idle keep-alive connection neither stays open nor holds the exit', async () => {
  const srv = await startServer({ SHUTDOWN_GRACE_SECONDS: '30', LOG_LEVEL: 'info' });
  const idle = connect(srv.base);
  const busy = connect(srv.base);
  await Promise.all([idle.ready, busy.ready]);
  // Both are keep-alive connections that served a request without Connection: close.
  for (const c of [idle, busy]) {
    await c.send(get('/healthz'));
    const res = await c.next();
    assert.equal(res.status, 200);
    assert.notEqual((res.headers.connection || '').toLowerCase(), 'close');
  }
  // `busy` has the next request half sent (its request line) when the signal comes.
  await busy.send('GET /healthz HTTP/1.1\r\n');
  await sleep(300);
  srv.child.kill('SIGTERM');
  await sleep(300);
  await busy.send('Host: shutdown.test\r\n\r\n');
  const res = await busy.next();
  assert.equal(res.status, 200);
  assert.equal((res.headers.connection || '').toLowerCase(), 'close', 'the answer after SIGTERM closes the connection');
  await busy.closed;
  // The idle one was closed by the server, and the process exits long before the 30 s
  // grace period (bounded at 15 s).
  await idle.closed;
  const { code, signal } = await exitWithin(srv, 15000, 'an idle keep-alive connection held the exit');
  assert.equal(signal, null);
  assert.equal(code, 0, srv.output());
  assertJsonLog(srv.output());
});

test('clickstream requests in flight at SIGTERM are all answered, and every 2xx is stored', async () => {
  // A long flush window: every request is waiting for its group commit (suspended) when
  // the signal comes.
  const w = await eventsWorld('HttpShutdown', {
    EVENTS_FLUSH_MS: '1000', EVENTS_RATE_BURST: '1000000', SHUTDOWN_GRACE_SECONDS: '30',
  });
  const N = 40;
  const conns = Array.from({ length: N }, () => connect(w.base));
  await Promise.all(conns.map((c) => c.ready));
  const batches = conns.map(() => Array.from({ length: 5 }, () => ev({ session_id: randomUUID() })));
  // Every request is wholly written to its socket before SIGTERM.
  await Promise.all(conns.map((c, i) => {
    const body = JSON.stringify(batches[i]);
    return c.send(`POST /v1/events HTTP/1.1\r\nHost: shutdown.test\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }));
  await sleep(200);
  w.srv.child.kill('SIGTERM');
  const answers = await Promise.all(conns.map((c) => c.next().catch((e) => e)));
  const cut = answers.filter((a) => a instanceof Error);
  assert.equal(cut.length, 0, `requests sent before SIGTERM were cut without an answer\n${w.srv.output().slice(-3000)}`);
  let ok = 0;
  answers.forEach((a, i) => {
    assert.ok(a.status === 200 || a.status === 503, `unexpected ${a.status} ${a.body}`);
    assert.equal((a.headers.connection || '').toLowerCase(), 'close');
    if (a.status === 200) {
      ok++;
      assert.equal(storedCount(batches[i].map((e) => e.event_id)), batches[i].length, 'a 2xx batch is not stored');
    }
  });
  // The writer keeps running until the HTTP side is done: nothing queued is refused.
  assert.equal(ok, N);
  const { code, signal } = await exitWithin(w.srv, 15000, 'the server did not exit');
  assert.equal(signal, null);
  assert.equal(code, 0, w.srv.output());
  assertJsonLog(w.srv.output());
  await w.stop().catch(() => {});
});
