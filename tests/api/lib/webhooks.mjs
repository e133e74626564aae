// webhooks.mjs — a partner's webhook receiver for the webhook tests: a node:http server
// on 127.0.0.1 that records every delivery, checks its Storefront-Signature the way
// docs/webhooks.md tells receivers to, and can be told to misbehave (answer 500, hang
// past the sender's timeout, drop the connection, or be down altogether).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';

/** HMAC-SHA256 over "<t>.<body>" keyed with the whole secret: the receiver's check. */
export function verifySignature(secret, header, body) {
  const parts = Object.fromEntries(String(header).split(',').map((kv) => kv.split('=')));
  if (!/^\d+$/.test(parts.t ?? '') || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) return false;
  const want = crypto.createHmac('sha256', secret).update(`${parts.t}.${body}`).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(want), Buffer.from(parts.v1));
}

/**
 * Starts a receiver. mode(): 'ok' | 'fail' (500) | 'hang' (never answers) | 'close'
 * (destroys the socket). Returns {url, received, mode, setMode, close, down, up}:
 * received holds {headers, body (text), event (parsed), status} of every request.
 */
export async function startReceiver(path = '/hook') {
  const received = [];
  let mode = 'ok';
  let server;
  let port = 0;
  const sockets = new Set();
  const handler = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event;
      try { event = JSON.parse(body); } catch { event = undefined; }
      const entry = { headers: req.headers, body, event, path: req.url, mode };
      received.push(entry);
      if (mode === 'hang') return; // the sender's timeout ends it
      if (mode === 'close') { req.socket.destroy(); return; }
      res.writeHead(mode === 'fail' ? 500 : 200, { 'content-type': 'text/plain' });
      res.end(mode === 'fail' ? 'boom' : 'ok');
    });
  };
  const listen = () => new Promise((resolve, reject) => {
    server = http.createServer(handler);
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => { port = server.address().port; resolve(); });
  });
  await listen();
  const down = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return {
    get url() { return `http://127.0.0.1:${port}${path}`; },
    received,
    setMode(m) { mode = m; },
    down,
    up: listen,
    close: down,
  };
}

/** Waits (polling) until pred() is truthy; fails with `what` after `ms`. */
export async function waitFor(pred, what, ms = 60000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The deliveries (accepted with 2xx) for one resource, e.g. 'order:SF-…'. */
export const eventsOf = (receiver, objectKey, value) => receiver.received.filter((r) =>
  r.event && r.event.data?.object?.[objectKey] === value);
