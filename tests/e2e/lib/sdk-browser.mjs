// sdk-browser.mjs — runs the real AWS Clickstream web SDK (@aws/clickstream-web, npm) in a
// real headless Chromium against any endpoint URL, and reports what it sent.
//
// Why a browser: the SDK is browser code (fetch with keepalive + CORS credentials,
// localStorage batching, Web Crypto hashing, page-view and session trackers), and what
// it puts on the wire is only trustworthy when the real bundle runs where it was meant
// to. The npm package ships CommonJS/ESM sources but no browser bundle, so esbuild
// (devDependency) bundles lib-esm/index.js into one IIFE, as a site's build would.
//
// The page is served by a tiny static server on a free loopback port, so the SDK's
// requests are cross-origin as in production (shop on Amplify, API elsewhere): the
// browser preflights them and enforces the CORS answers. A test that targets a server
// starts the page server first (startPageServer) and gives the server its origin in
// CORS_ALLOWED_ORIGINS. (Serving the page through Playwright's page.route under another
// origin would not do: with interception on, Playwright answers CORS preflights itself.)
// Chromium is Debian's `chromium` package (localstack/bootstrap.sh installs it),
// driven by playwright-core; it runs as root in CI, hence --no-sandbox.
import http from 'node:http';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SDK_ENTRY = resolve(ROOT, 'node_modules/@aws/clickstream-web/lib-esm/index.js');

let bundlePromise;

/** The SDK bundled as an IIFE exposing `window.ClickstreamSDK` (built once). */
export function sdkBundle() {
  bundlePromise ??= build({
    entryPoints: [SDK_ENTRY], bundle: true, format: 'iife', globalName: 'ClickstreamSDK',
    platform: 'browser', write: false, logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  }).then((r) => r.outputFiles[0].text);
  return bundlePromise;
}

/** The Chromium executable: $CHROMIUM_PATH, else Debian's. */
export function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error('chromium not found: localstack/bootstrap.sh installs Debian\'s chromium ' +
      'package (or set CHROMIUM_PATH)');
  }
  return found;
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>SDK harness</title>
<script src="/clickstream-web.js"></script></head><body><h1>Clickstream SDK harness</h1>
</body></html>`;

/**
 * Serves the harness page and the SDK bundle on 127.0.0.1:<free port>; resolves
 * {url (the page origin, e.g. http://127.0.0.1:40123), close()}.
 */
export async function startPageServer() {
  const bundle = await sdkBundle();
  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    if (path === '/clickstream-web.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else if (path === '/' || path.startsWith('/page')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/**
 * Runs the SDK in Chromium on a page from `page` (a startPageServer() result; without
 * one, a page server is started and stopped here): init({appId, endpoint, sendMode,
 * ...init}), optionally
 * setUserId(userId), then record(e) for each of `records` ({name, attributes, items}).
 * Waits until every recorded name has gone out in a POST to `endpoint` whose response
 * (or network failure) came back, or `timeoutMs` (a guard against hanging, not a
 * measurement) elapsed. Resolves {requests, fetches, pageUrl, consoleErrors, sentNames}:
 * `requests` every request the browser made to the endpoint as {method, url, query,
 * headers, body (Buffer), status, failure} (keepalive requests show status 0 and
 * failure net::ERR_ABORTED whatever happened: see below); `fetches` what the SDK's
 * fetch calls resolved to in the page, {url, status (0 = rejected), error}.
 */
export async function runSdk({
  endpoint, appId, sendMode = 'Immediate', records = [], userId, init = {},
  page: pageServer, pagePath = '/page/products/42?utm_source=harness', timeoutMs = 30000,
}) {
  const statics = pageServer ? null : await startPageServer();
  const origin = (pageServer ?? statics).url;
  const browser = await chromium.launch({
    executablePath: chromiumPath(), headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const requests = [];
  const consoleErrors = [];
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    // What the SDK itself saw: Chromium hands keepalive fetches to the browser process,
    // and the DevTools protocol then reports them as net::ERR_ABORTED even when they
    // succeed, so the statuses come from a wrapper around the page's fetch.
    await page.addInitScript(() => {
      const orig = window.fetch.bind(window);
      window.__sdkFetches = [];
      window.fetch = async (url, opts) => {
        const rec = { url: String(url), status: 0, error: null };
        window.__sdkFetches.push(rec);
        try {
          const res = await orig(url, opts);
          rec.status = res.status;
          return res;
        } catch (err) {
          rec.error = String(err);
          throw err;
        }
      };
    });
    const pending = new Set();
    const sentNames = new Set();
    const record = async (req, failure) => {
      if (!req.url().startsWith(endpoint)) return;
      const resp = failure ? null : await req.response();
      const body = req.postDataBuffer() ?? Buffer.alloc(0);
      const url = new URL(req.url());
      requests.push({
        method: req.method(), url: req.url(), query: Object.fromEntries(url.searchParams),
        headers: await req.allHeaders(), body, status: resp ? resp.status() : 0,
        failure: failure ?? null,
      });
      if (req.method() === 'POST') {
        try {
          for (const e of JSON.parse(body.toString('utf8'))) sentNames.add(e.event_type);
        } catch { /* not JSON: the caller looks at it */ }
      }
    };
    page.on('request', (req) => { if (req.url().startsWith(endpoint)) pending.add(req); });
    page.on('requestfinished', (req) => { pending.delete(req); return record(req); });
    page.on('requestfailed', (req) => {
      pending.delete(req);
      return record(req, req.failure()?.errorText ?? 'failed');
    });

    await page.goto(`${origin}${pagePath}`);
    await page.evaluate(({ cfg, uid, recs }) => {
      const { ClickstreamAnalytics } = window.ClickstreamSDK;
      ClickstreamAnalytics.init(cfg);
      if (uid) ClickstreamAnalytics.setUserId(uid);
      for (const r of recs) ClickstreamAnalytics.record(r);
    }, { cfg: { appId, endpoint, sendMode, sendEventsInterval: 500, ...init }, uid: userId, recs: records });

    const wanted = records.map((r) => r.name);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pending.size === 0 && wanted.every((n) => sentNames.has(n))) break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    // Let the last responses' listeners finish.
    await new Promise((ok) => setTimeout(ok, 200));
    const fetches = await page.evaluate(() => window.__sdkFetches);
    return { requests, fetches, pageUrl: `${origin}${pagePath}`, consoleErrors, sentNames: [...sentNames] };
  } finally {
    await browser.close();
    if (statics) await statics.close();
  }
}
