// http-slow-clients.test.mjs — the connection layer against slow and greedy clients
// (docs/http.md, "Connections"), on servers of this test's own: a request head that
// trickles in is cut at HTTP_REQUEST_HEAD_TIMEOUT and logged; connections over
// HTTP_MAX_CONNECTIONS_PER_ADDRESS or HTTP_MAX_CONNECTIONS are closed at once (never
// left waiting in the backlog) and logged; a well-behaved client is still answered
// meanwhile; every log line is JSON. Loopback has all of 127.0.0.0/8, so connections
// come from several client addresses (localAddress).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, stopServer } from './lib/server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let trickleSrv;
let limitSrv;

before(async () => {
  trickleSrv = await startServer({ HTTP_REQUEST_HEAD_TIMEOUT: '2' });
  // A long head deadline: here only the limits may close a connection.
  limitSrv = await startServer({
    HTTP_REQUEST_HEAD_TIMEOUT: '120', HTTP_CONNECTION_TIMEOUT: '120',
    HTTP_MAX_CONNECTIONS_PER_ADDRESS: '8', HTTP_MAX_CONNECTIONS: '32',
  });
});
after(async () => {
  for (const srv of [trickleSrv, limitSrv]) {
    if (!srv) continue;
    await stopServer(srv);
    for (const line of srv.output().split('\n').filter((l) => l.trim())) {
      assert.doesNotThrow(() => JSON.parse(line), `a log line is not JSON: ${line}`);
    }
  }
});

/** A connection from `from` (a loopback address); closed resolves when the server
 * ends it. */
function open(base, from) {
  const { hostname, port } = new URL(base);
  const sock = net.connect({ host: hostname, port: Number(port), localAddress: from });
  sock.on('error', () => {});
  sock.on('data', () => {});
  const c = { sock, isClosed: false };
  c.closed = new Promise((resolve) => sock.on('close', () => { c.isClosed = true; resolve(); }));
  c.ready = new Promise((resolve) => { sock.once('connect', resolve); sock.once('close', resolve); });
  return c;
}

/** Resolves true when p settles within ms, false otherwise. */
const within = (p, ms) => Promise.race([p.then(() => true), sleep(ms).then(() => false)]);

/** Waits (bounded) until the server's output has a line containing `text`. */
async function logged(srv, text) {
  for (let i = 0; i < 100; i++) {
    if (srv.output().includes(text)) return;
    await sleep(100);
  }
  assert.fail(`no log line with "${text}":\n${srv.output().slice(-3000)}`);
}

/** GET /healthz on a fresh connection from `from`: the raw answer's status line. */
async function healthz(base, from) {
  const c = open(base, from);
  await c.ready;
  let text = '';
  c.sock.on('data', (d) => { text += d; });
  c.sock.write('GET /healthz HTTP/1.1\r\nHost: slow.test\r\nConnection: close\r\n\r\n');
  await within(c.closed, 10000);
  c.sock.destroy();
  return text.split('\r\n')[0];
}

test('a request head that trickles in is closed at HTTP_REQUEST_HEAD_TIMEOUT and logged', async () => {
  const head = 'GET /healthz HTTP/1.1\r\nHost: slow.test\r\nX-Slow: ' + 'a'.repeat(200);
  const conns = Array.from({ length: 3 }, () => open(trickleSrv.base, '127.0.0.3'));
  await Promise.all(conns.map((c) => c.ready));
  let stop = false;
  // One byte every 200 ms: never quiet long enough for HTTP_CONNECTION_TIMEOUT, never a
  // whole head.
  const trickle = (async () => {
    for (let i = 0; !stop && i < head.length; i++) {
      for (const c of conns) if (!c.isClosed) c.sock.write(head[i]);
      await sleep(200);
    }
  })();
  // Bounded wait: far past the 2 s deadline.
  const allClosed = await within(Promise.all(conns.map((c) => c.closed)), 15000);
  stop = true;
  await trickle;
  assert.ok(allClosed, 'the trickling connections were not closed');
  await logged(trickleSrv, 'HTTP_REQUEST_HEAD_TIMEOUT');
  // The server still answers.
  assert.match(await healthz(trickleSrv.base, '127.0.0.2'), /^HTTP\/1\.1 200/);
});

test('a keep-alive connection may idle between requests (HTTP_CONNECTION_TIMEOUT), but the next head\'s header fields still have HTTP_REQUEST_HEAD_TIMEOUT', async () => {
  // trickleSrv: head deadline 2 s, idle timeout 30 s (the default), as behind an ALB
  // that reuses idle connections.
  const c = open(trickleSrv.base, '127.0.0.5');
  await c.ready;
  let text = '';
  c.sock.on('data', (d) => { text += d; });
  const answers = () => (text.match(/HTTP\/1\.1 200/g) ?? []).length;
  c.sock.write('GET /healthz HTTP/1.1\r\nHost: slow.test\r\n\r\n');
  for (let i = 0; i < 100 && answers() < 1; i++) await sleep(50);
  assert.equal(answers(), 1, text);
  // Idle for twice the head deadline: still open, and the next request is answered.
  await sleep(4500);
  assert.equal(c.isClosed, false, 'an idle keep-alive connection was closed at the head deadline');
  c.sock.write('GET /healthz HTTP/1.1\r\nHost: slow.test\r\n\r\n');
  for (let i = 0; i < 100 && answers() < 2; i++) await sleep(50);
  assert.equal(answers(), 2, text);
  // Now a request line, then header fields that trickle: cut at the head deadline.
  c.sock.write('GET /healthz HTTP/1.1\r\n');
  const trickle = (async () => {
    for (let i = 0; i < 100 && !c.isClosed; i++) {
      c.sock.write('X');
      await sleep(200);
    }
  })();
  const closed = await within(c.closed, 15000);
  await trickle;
  c.sock.destroy();
  assert.ok(closed, 'trickling header fields on a keep-alive connection were not cut');
});

test('over the per-address and the global limit new connections are closed at once, logged, and others are still served', async () => {
  const held = [];
  const hold = async (from, n) => {
    for (let i = 0; i < n; i++) {
      const c = open(limitSrv.base, from);
      await c.ready;
      held.push(c);
    }
    await sleep(200); // the server has accepted them
  };
  try {
    await hold('127.0.0.4', 8);
    // The 9th and later from the same address: closed promptly, not left waiting.
    const extra = Array.from({ length: 3 }, () => open(limitSrv.base, '127.0.0.4'));
    for (const c of extra) assert.ok(await within(c.closed, 5000), 'a connection over the per-address limit was left open');
    assert.ok(held.every((c) => !c.isClosed), 'the connections within the limit stay open');
    await logged(limitSrv, 'HTTP_MAX_CONNECTIONS_PER_ADDRESS=8');
    // Another client is served meanwhile.
    assert.match(await healthz(limitSrv.base, '127.0.0.2'), /^HTTP\/1\.1 200/);

    // Fill HTTP_MAX_CONNECTIONS (32) from other addresses, 8 each.
    for (const from of ['127.0.1.1', '127.0.1.2', '127.0.1.3']) await hold(from, 8);
    const over = Array.from({ length: 3 }, () => open(limitSrv.base, '127.0.2.1'));
    for (const c of over) assert.ok(await within(c.closed, 5000), 'a connection over HTTP_MAX_CONNECTIONS was left waiting');
    await logged(limitSrv, 'HTTP_MAX_CONNECTIONS=32');
    const metrics = await (await fetch(`${limitSrv.base}/metrics`).catch(() => null))?.text?.();
    // /metrics itself may be refused while the server is full: only checked when answered.
    if (metrics) assert.match(metrics, /storefront_http_connections_refused_total\{reason="per_address"\} [1-9]/);
  } finally {
    for (const c of held) c.sock.destroy();
  }
  // Once they are gone, the server takes new connections again.
  let status = '';
  for (let i = 0; i < 50 && !status.startsWith('HTTP/1.1 200'); i++) {
    status = await healthz(limitSrv.base, '127.0.0.4').catch(() => '');
    if (!status.startsWith('HTTP/1.1 200')) await sleep(100);
  }
  assert.match(status, /^HTTP\/1\.1 200/);
  const metrics = await (await fetch(`${limitSrv.base}/metrics`)).text();
  assert.match(metrics, /storefront_http_connections_refused_total\{reason="per_address"\} [1-9]/);
  assert.match(metrics, /storefront_http_connections_refused_total\{reason="max_connections"\} [1-9]/);
});
