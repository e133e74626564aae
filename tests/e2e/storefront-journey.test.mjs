// storefront-journey.test.mjs — the reference SPA (frontend-contract/spa), built with Vite
// inside the test, served on a loopback origin of its own and driven in Debian's Chromium
// (playwright-core) against a server whose only CORS origin is that one, so every API
// call, the Cognito calls and the Clickstream SDK's requests are real cross-origin ones.
//
// Journey: home → brand page → category (infinite scroll on the cursor, a brand facet) →
// search (suggestions, then results) → product → add to cart
// as a guest → sign in (aws-amplify v6, USER_PASSWORD_AUTH against cognito-local) → the
// guest cart merged into the shopper's → checkout (quote, then POST /v1/checkout with an
// Idempotency-Key) → the order page → order history → the wishlist button → account.
// Then, through the API: the order and the wishlist (the shopper's own token), and the
// session's page views, product view, add to cart, checkout start and purchase (the staff's
// session path, GET /v1/admin/analytics/sessions/{session_id}, with an admin token).
//
// Sign-up (a second test on the same SPA and server): a fresh e-mail signs up with
// Amplify's signUp, the confirmation code is taken from cognito-local's log (its stand-in
// for the e-mail; COGNITO_LOCAL_LOG), a wrong code is refused, the right one confirms
// (Amplify's confirmSignUp), and the new account signs in and sees its e-mail from /v1/me.
//
// Token refresh: the shopper signs in through an app client of its own whose access
// tokens live 4 s, less than Amplify's 5 s expiry tolerance, so every token the SPA asks
// for after sign-in comes from a refresh (docs/frontend.md: the SPA's refresher calls
// InitiateAuth REFRESH_TOKEN_AUTH, since cognito-local lacks GetTokensFromRefreshToken).
// The test checks that refreshes happened and that the refreshed tokens were accepted.
//
// Screenshots of each step: <build dir>/e2e-artifacts/storefront-journey/ (printed).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { api } from '../api/lib/client.mjs';
import { requireEnv, startServer, stopServer } from '../api/lib/server.mjs';
import { admin } from '../api/lib/tokens.mjs';
import { chromiumPath } from './lib/sdk-browser.mjs';
import { buildSpa, serveStatic } from './lib/spa.mjs';

const APP_ID = 'storefront-web';
const BUILD_DIR = dirname(requireEnv('STOREFRONT_BIN'));
const ARTIFACTS = join(BUILD_DIR, 'e2e-artifacts', 'storefront-journey');

async function cognito(target, body) {
  const res = await fetch(requireEnv('COGNITO_ENDPOINT'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
    body: JSON.stringify(body),
  });
  const out = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`cognito-local ${target}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

/**
 * The confirmation code cognito-local printed for a sign-up of `email`: its console
 * message sender logs a box with `Destination: <email>` and `Code: <6 digits>` (the
 * e-mail a real pool would send). Bounded polling: the log is written asynchronously.
 */
async function confirmationCode(email) {
  const dest = new RegExp(`Destination:\\s+${email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
  for (let i = 0; i < 50; i++) {
    const log = readFileSync(requireEnv('COGNITO_LOCAL_LOG'), 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
    const at = log.search(dest);
    const code = at >= 0 ? /Code:\s+(\d{6})/.exec(log.slice(at, at + 400)) : null;
    if (code) return code[1];
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`no confirmation code for ${email} in cognito-local's log`);
}

let spa;
let server;
let browser;
let clientId;
const email = `journey-${randomUUID().slice(0, 8)}@example.com`;
const password = 'Journey-Passw0rd!';

before(async () => {
  const pool = requireEnv('COGNITO_USER_POOL_ID');
  // An app client whose access tokens expire after 4 s (see the header).
  const created = await cognito('CreateUserPoolClient', {
    UserPoolId: pool, ClientName: `journey-${randomUUID().slice(0, 8)}`,
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    AccessTokenValidity: 4, IdTokenValidity: 1, RefreshTokenValidity: 1,
    TokenValidityUnits: { AccessToken: 'seconds', IdToken: 'hours', RefreshToken: 'days' },
  });
  clientId = created.UserPoolClient.ClientId;
  await cognito('AdminCreateUser', {
    UserPoolId: pool, Username: email, MessageAction: 'SUPPRESS', TemporaryPassword: 'Temp-Passw0rd!',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
  });
  await cognito('AdminSetUserPassword', { UserPoolId: pool, Username: email, Password: password, Permanent: true });

  // The SPA's origin must be known before the build (VITE_API_BASE_URL needs the server,
  // whose CORS list needs the SPA's origin): serve first, build into the served folder.
  const dist = join(BUILD_DIR, 'spa-journey');
  mkdirSync(dist, { recursive: true });
  spa = await serveStatic(dist);
  server = await startServer({
    CORS_ALLOWED_ORIGINS: spa.url, CLICKSTREAM_APP_IDS: APP_ID,
    COGNITO_CLIENT_IDS: `${requireEnv('COGNITO_CLIENT_ID')},${clientId}`,
  });
  await buildSpa(dist, {
    VITE_API_BASE_URL: server.base,
    VITE_COGNITO_USER_POOL_ID: pool,
    VITE_COGNITO_CLIENT_ID: clientId,
    VITE_COGNITO_ENDPOINT: requireEnv('COGNITO_ENDPOINT'),
    VITE_COGNITO_AUTH_FLOW: 'USER_PASSWORD_AUTH',
    VITE_CLICKSTREAM_APP_ID: APP_ID,
  });
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: chromiumPath(), headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) await stopServer(server);
  if (spa) await spa.close();
  if (clientId) {
    await cognito('DeleteUserPoolClient', { UserPoolId: requireEnv('COGNITO_USER_POOL_ID'), ClientId: clientId }).catch(() => {});
  }
  console.log(`storefront-journey: screenshots in ${ARTIFACTS}`);
});

test('browse, search, guest cart, sign in (cart merged), checkout, order; clickstream stored; tokens refreshed', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // Every API answer of the journey is a success (the seed's image URLs point at hosts
  // that do not resolve here: those failures are not the SPA's).
  page.on('response', (r) => {
    if (r.url().startsWith(server.base) && r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  // What the Clickstream SDK sent (its session id and event names), from the wire.
  const sent = [];
  page.on('request', (req) => {
    if (req.method() !== 'POST' || !req.url().startsWith(`${server.base}/v1/clickstream`)) return;
    try { sent.push(...JSON.parse(req.postData() ?? '[]')); } catch { /* asserted below through the API */ }
  });
  // Listing pages asked with a cursor (infinite scroll).
  const cursorPages = [];
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (req.url().startsWith(`${server.base}/v1/products?`) && u.searchParams.has('cursor')) cursorPages.push(u);
  });
  let step = 0;
  const shot = async (name) => {
    await page.screenshot({ path: join(ARTIFACTS, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });
  };

  // Home: featured products, categories, brands from the API (cross-origin).
  await page.goto(spa.url);
  await page.locator('#featured .card').first().waitFor();
  await page.locator('#categories a').first().waitFor();
  await page.locator('#brands a').first().waitFor();
  await shot('home');

  // A brand page (from the home page's list).
  await page.locator('#brands a').first().click();
  await page.locator('#results .card, #empty').first().waitFor();
  assert.match(new URL(page.url()).pathname, /^\/b\//);
  await shot('brand');

  // A category with more than one page: infinite scroll on the cursor, then a brand facet.
  const { facets } = await (await fetch(`${server.base}/v1/products?limit=1&facets=true`)).json();
  const big = facets.categories.find((c) => c.count > 12);
  assert.ok(big, 'the seed has a category with more than one page of 12');
  await page.goto(`${spa.url}/`);
  await page.locator('#featured .card').first().waitFor();
  await page.evaluate((slug) => { history.pushState(null, '', `/c/${slug}`); dispatchEvent(new PopStateEvent('popstate')); }, big.slug);
  await page.locator('#results .card').first().waitFor();
  await shot('category');
  await page.locator('#more').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('#results .card').length > 12);
  const slugs = await page.locator('#results .card').evaluateAll((cards) => cards.map((c) => c.dataset.product));
  assert.equal(new Set(slugs).size, slugs.length, 'the next page continues the first (no repeats)');
  assert.ok(cursorPages.some((u) => u.searchParams.get('category') === big.slug),
    'the next page was asked with the first page\'s next_cursor');
  await shot('category-scrolled');
  await page.locator('#filters a[href*="brand="]').first().click();
  await page.waitForURL((u) => u.searchParams.has('brand'));
  await page.locator('#results .card').first().waitFor();
  await shot('category-brand-facet');

  // Search: suggestions for a product's name, then the results page.
  const { items } = await (await fetch(`${server.base}/v1/products?in_stock=true&limit=1`)).json();
  assert.ok(items.length === 1, 'the seed has an in-stock product');
  const target = items[0];
  const word = target.name.split(/\s+/).find((w) => w.length >= 3) ?? target.name;
  await page.fill('#q', word);
  await page.locator('#suggestions li').first().waitFor();
  await shot('suggestions');
  await page.press('#q', 'Enter');
  await page.locator('#results .card').first().waitFor();
  assert.equal(new URL(page.url()).pathname, '/search');
  await shot('search-results');

  // The product page; add an available variant to the guest cart.
  await page.goto(`${spa.url}/p/${target.slug}`);
  await page.locator('#variant').waitFor();
  const variant = await page.locator('#variant option:not([disabled])').first().getAttribute('value');
  await page.selectOption('#variant', variant);
  await page.click('#add');
  await page.locator('#status', { hasText: 'Added to cart' }).waitFor();
  await shot('product-added');
  const guestCart = await page.evaluate(() => localStorage.getItem('storefront.guestCart'));
  assert.ok(guestCart, 'a guest cart id is kept in localStorage');
  await page.click('#cart-link');
  await page.locator('#cart tr[data-sku]').first().waitFor();
  const guestSkus = await page.locator('#cart tr[data-sku]').evaluateAll((rows) => rows.map((r) => r.dataset.sku));
  await shot('guest-cart');

  // Sign in from the cart: Amplify against cognito-local; the guest cart is merged.
  await page.click('#signin-to-checkout');
  await page.fill('#signin input[name=email]', email);
  await page.fill('#signin input[name=password]', password);
  await shot('sign-in');
  await page.click('#signin button');
  await page.waitForURL((u) => u.pathname === '/checkout');
  assert.equal(await page.evaluate(() => localStorage.getItem('storefront.guestCart')), null,
    'the guest cart is handed over at sign-in');
  await page.goto(`${spa.url}/cart`);
  await page.locator('#cart tr[data-sku]').first().waitFor();
  const mergedSkus = await page.locator('#cart tr[data-sku]').evaluateAll((rows) => rows.map((r) => r.dataset.sku));
  assert.deepEqual(mergedSkus.sort(), guestSkus.sort(), 'the shopper\'s cart holds the guest cart\'s lines');
  await shot('merged-cart');

  // Checkout: quote, then the order.
  await page.click('#to-checkout');
  await page.click('#quote');
  await page.locator('#quote-total').waitFor();
  await shot('quote');
  await page.click('#place');
  await page.waitForURL((u) => /^\/orders\/[^/]+$/.test(u.pathname));
  const number = (await page.locator('#order-number').textContent()).trim();
  assert.ok(number);
  await shot('order');
  await page.click('text=All orders');
  await page.locator(`#orders tr[data-order="${number}"]`).waitFor();
  await shot('order-history');

  // The wishlist button, signed in.
  await page.goto(`${spa.url}/p/${target.slug}`);
  await page.click('#wish');
  await page.locator('#status', { hasText: 'Saved to your wishlist' }).waitFor();
  await shot('wishlist');

  // Token refresh: the account page shows how often the SPA refreshed, and works.
  await page.goto(`${spa.url}/account`);
  await page.locator('#me-email', { hasText: email }).waitFor();
  const refreshes = Number(await page.locator('#refresh-count').textContent());
  assert.ok(refreshes >= 1, `the 4 s access tokens were refreshed (${refreshes})`);
  await shot('account');

  // Through the API, with a token of the same user: the order exists and is theirs.
  const login = await cognito('InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH', ClientId: requireEnv('COGNITO_CLIENT_ID'),
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  const res = await fetch(`${server.base}/v1/me/orders/${encodeURIComponent(number)}`, {
    headers: { authorization: `Bearer ${login.AuthenticationResult.AccessToken}` },
  });
  assert.equal(res.status, 200);
  const order = await res.json();
  assert.equal(order.number, number);
  assert.ok(order.lines.some((l) => guestSkus.includes(l.sku)));
  const wish = await (await fetch(`${server.base}/v1/me/wishlist`, {
    headers: { authorization: `Bearer ${login.AuthenticationResult.AccessToken}` },
  })).json();
  assert.ok(wish.items.some((w) => w.product_id === target.id), 'the product is on the wishlist');

  // The clickstream of this browser session, through the API: the staff's session path
  // (GET /v1/admin/analytics/sessions/{session_id}, read from the raw events, so current).
  const sessions = [...new Set(sent.map((e) => e.attributes?._session_id).filter(Boolean))];
  assert.ok(sessions.length >= 1, 'the SDK sent events');
  const staff = await admin();
  const stored = async () => {
    const events = [];
    for (const id of sessions) {
      const res = await api('GET', `/v1/admin/analytics/sessions/${encodeURIComponent(id)}`,
        { base: server.base, headers: { authorization: `Bearer ${staff.access}` } });
      if (res.status === 404) continue; // none of its events committed yet
      assert.equal(res.status, 200);
      assert.equal(res.body.truncated, false);
      events.push(...res.body.events);
    }
    return events;
  };
  const want = ['page_view', 'product_view', 'add_to_cart', 'checkout_start', 'purchase'];
  // The product page was opened twice: to add it to the cart, and for the wishlist.
  const productViews = (events) => events.filter((e) => e.event_type === 'product_view' && e.product_id === target.id);
  let events = [];
  for (let i = 0; i < 100; i++) { // bounded polling: Immediate mode sends as it records
    events = await stored();
    if (want.every((t) => events.some((e) => e.event_type === t)) && productViews(events).length === 2) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  const types = [...new Set(events.map((e) => e.event_type))].sort();
  for (const t of want) assert.ok(types.includes(t), `${t} stored for the session (got ${types.join(', ')})`);
  assert.ok(events.every((e) => e.source === 'sdk'), 'every event of the session came through the SDK');
  const pageViews = events.filter((e) => e.event_type === 'page_view');
  assert.ok(pageViews.length >= 5, `page views of the journey (${pageViews.length})`);
  assert.ok(pageViews.some((e) => e.page_url && new URL(e.page_url).pathname === `/p/${target.slug}`), 'the product page\'s view');
  assert.equal(productViews(events).length, 2);
  const added = events.find((e) => e.event_type === 'add_to_cart');
  assert.equal(added.product_id, target.id, 'add_to_cart names the product added');
  const purchase = events.find((e) => e.event_type === 'purchase');
  assert.equal(purchase.props.order_number, number, 'purchase names the order placed');
  assert.deepEqual(problems, [], 'no page errors, no failed API calls');
  await context.close();
});

test('sign up in the SPA: the code cognito-local sends confirms the account, which then signs in', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  const shot = (name) => page.screenshot({ path: join(ARTIFACTS, `signup-${name}.png`), fullPage: true });
  const newcomer = `signup-${randomUUID().slice(0, 8)}@example.com`;

  // Amplify's signUp against cognito-local: the pool verifies e-mail, so it asks for a code.
  await page.goto(`${spa.url}/signin?next=/account`);
  await page.fill('#signup input[name=email]', newcomer);
  await page.fill('#signup input[name=password]', password);
  await page.click('#signup button');
  await page.locator('#auth-status', { hasText: 'Next step: CONFIRM_SIGN_UP' }).waitFor();
  await page.locator('#confirm').waitFor({ state: 'visible' });
  await shot('confirm');

  // A wrong code is refused; the one cognito-local sent confirms (Amplify's confirmSignUp).
  const code = await confirmationCode(newcomer);
  await page.fill('#confirm input[name=code]', code === '000000' ? '000001' : '000000');
  await page.click('#confirm button');
  await page.locator('#auth-status', { hasText: /code/i }).waitFor();
  assert.doesNotMatch(await page.locator('#auth-status').textContent(), /Confirmed/);
  await page.fill('#confirm input[name=code]', code);
  await page.click('#confirm button');
  await page.locator('#auth-status', { hasText: 'Confirmed: sign in above.' }).waitFor();

  // The new account signs in and the API knows it.
  await page.fill('#signin input[name=email]', newcomer);
  await page.fill('#signin input[name=password]', password);
  await page.click('#signin button');
  await page.waitForURL((u) => u.pathname === '/account');
  await page.locator('#me-email', { hasText: newcomer }).waitFor();
  await shot('account');
  assert.deepEqual(problems, []);
  await context.close();
});
