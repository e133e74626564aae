// client.mjs — the black-box HTTP client of tests/api.
//
// Every response passes through validateResponse() (contract.mjs) before a test sees
// it, so any answer the server gives that openapi.yaml does not document fails the
// test that provoked it. `api` uses fetch (or, with {fresh: true}, node:http on a
// connection of its own); `rawRequest` uses node:http with the path
// string exactly as given (no URL normalisation), for requests fetch would rewrite or
// refuse: literal %00 or raw non-UTF-8 bytes, over-long URLs, bodies the server may
// reject before reading them.
import http from 'node:http';
import { validateResponse } from './contract.mjs';

export { ContractError, validateResponse } from './contract.mjs';

/** The server under test; fails loudly (never skips) when make test did not set it. */
export function baseUrl() {
  const base = process.env.STOREFRONT_BASE_URL;
  if (!base) {
    throw new Error('STOREFRONT_BASE_URL is not set: the API tests need a running server ' +
      '(make test starts one and sets it, e.g. STOREFRONT_BASE_URL=http://127.0.0.1:8080)');
  }
  return base.replace(/\/+$/, '');
}

function finish(method, path, unrouted, status, headers, text) {
  const res = { status, headers, body: text };
  const parsed = validateResponse({ method, path, unrouted }, res);
  return { status, headers, body: parsed === undefined ? text : parsed, text };
}

/**
 * Sends method path (path includes the query string) with optional headers and body,
 * validates the answer against openapi.yaml and returns {status, headers, body, text}:
 * headers with lower-case names, body parsed for JSON media types. Pass
 * {unrouted: true} when the request is meant to match no operation (unknown route or
 * method), so the spec's x-unrouted-responses apply; {base} to call another server;
 * {fresh: true} to send it on a new connection, closed after the answer, instead of a
 * keep-alive one from fetch's pool (tests/api/events-limits.test.mjs says why).
 */
export async function api(method, path, { headers = {}, body, unrouted = false, base, fresh = false } = {}) {
  // `base` targets a server a test started itself (tests/api/resilience.test.mjs).
  const url = `${base ?? baseUrl()}${path}`;
  if (fresh) return freshRequest(method, path, unrouted, url, headers, body);
  const response = await fetch(url, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  return finish(method, path, unrouted, response.status, Object.fromEntries(response.headers), text);
}

/* node:http without an agent: a new TCP connection, `Connection: close`. Repeated
 * headers are joined with ", " as fetch's Headers would. */
function freshRequest(method, path, unrouted, url, headers, body) {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const flat = Object.fromEntries(Object.entries(res.headers)
          .map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
        try {
          resolvePromise(finish(method, path, unrouted, res.statusCode, flat,
            Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Like api(), but over node:http with rawPath sent byte for byte: each character of
 * the string is one byte (latin1), so '\xff' sends the byte 0xFF. A body may be a
 * string or Buffer; if the server answers and closes before reading all of it, the
 * answer still counts.
 */
export function rawRequest(method, rawPath, { headers = {}, body, unrouted = false } = {}) {
  const base = new URL(baseUrl());
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const req = http.request({
      host: base.hostname, port: base.port || 80, method, path: rawPath, headers,
      insecureHTTPParser: false,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        settled = true;
        try {
          resolvePromise(finish(method, rawPath, unrouted, res.statusCode, res.headers,
            Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', (err) => { if (!settled) { settled = true; reject(err); } });
    });
    req.on('error', (err) => {
      // EPIPE/ECONNRESET while still uploading: the server may have answered already
      // (e.g. 413) and the response handler settles the promise; otherwise fail.
      setTimeout(() => { if (!settled) { settled = true; reject(err); } }, 200);
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}
