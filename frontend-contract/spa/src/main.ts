// The reference storefront: a tiny router of its own over history.pushState (the
// Clickstream SDK records a page view on each), plain DOM views, the typed client.
import { isApiProblem, type paths } from '@storefront/client';
import { type Item } from '@aws/clickstream-web';
import { guestCartId, meApi, money, publicApi, unwrap, type Schemas } from './api';
import { accessToken, currentUser, doConfirm, doSignIn, doSignOut, doSignUp, refreshCount } from './auth';
import { identify, startAnalytics, track } from './analytics';
import { config } from './config';

const app = document.getElementById('app') as HTMLElement;

// ---- tiny DOM helpers ------------------------------------------------------------
function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
function render(html: string): void { app.innerHTML = html; }
function $<T extends HTMLElement = HTMLElement>(sel: string): T { return app.querySelector(sel) as T; }
function errorText(err: unknown): string {
  if (isApiProblem(err)) return err.problem?.detail ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
function showError(err: unknown): void {
  render(`<p class="error" role="alert">${esc(errorText(err))}</p>`);
}
function productCard(p: Schemas['ProductSummary']): string {
  return `<div class="card" data-product="${esc(p.slug)}">
    ${p.image ? `<img src="${esc(p.image.url)}" alt="${esc(p.image.alt)}">` : ''}
    <a href="/p/${esc(p.slug)}" data-link>${esc(p.name)}</a>
    <div>${esc(p.brand.name)} · ${money(p.price)}${p.in_stock ? '' : ' · out of stock'}</div></div>`;
}

// ---- router -------------------------------------------------------------------------
export function navigate(path: string): void {
  history.pushState(null, '', path);
  void route();
}
document.addEventListener('click', (ev) => {
  const a = (ev.target as HTMLElement).closest('a[data-link]') as HTMLAnchorElement | null;
  if (!a || ev.ctrlKey || ev.metaKey) return;
  ev.preventDefault();
  navigate(a.getAttribute('href') ?? '/');
});
window.addEventListener('popstate', () => void route());

let observer: IntersectionObserver | null = null;

async function route(): Promise<void> {
  observer?.disconnect();
  observer = null;
  const url = new URL(location.href);
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  try {
    await refreshHeader();
    if (parts.length === 0) await home();
    else if (parts[0] === 'c' && parts[1]) await listing({ category: parts[1] }, url.searchParams);
    else if (parts[0] === 'b' && parts[1]) await listing({ brand: parts[1] }, url.searchParams);
    else if (parts[0] === 'search') await listing({ q: url.searchParams.get('q') ?? '' }, url.searchParams);
    else if (parts[0] === 'p' && parts[1]) await product(parts[1]);
    else if (parts[0] === 'cart') await cartPage();
    else if (parts[0] === 'checkout') await checkoutPage();
    else if (parts[0] === 'orders' && parts[1]) await orderPage(parts[1]);
    else if (parts[0] === 'orders') await ordersPage();
    else if (parts[0] === 'signin') signInPage();
    else if (parts[0] === 'account') await accountPage();
    else render('<h1>Not found</h1>');
  } catch (err) {
    showError(err);
  }
}

async function refreshHeader(): Promise<void> {
  const user = await currentUser();
  const link = document.getElementById('account-link') as HTMLAnchorElement;
  link.textContent = user ? 'Account' : 'Sign in';
  link.setAttribute('href', user ? '/account' : '/signin');
}

// ---- catalog --------------------------------------------------------------------------
async function home(): Promise<void> {
  const [featured, cats, brands] = await Promise.all([
    publicApi.GET('/v1/products', { params: { query: { featured: true, limit: 8 } } }).then(unwrap),
    publicApi.GET('/v1/categories').then(unwrap),
    publicApi.GET('/v1/brands').then(unwrap),
  ]);
  render(`<h1>Featured</h1><div class="grid" id="featured">${featured.items.map(productCard).join('')}</div>
    <h2>Categories</h2><ul id="categories">${cats.items.map((c) =>
      `<li><a href="/c/${esc(c.slug)}" data-link>${esc(c.name)}</a></li>`).join('')}</ul>
    <h2>Brands</h2><ul id="brands">${brands.items.map((b) =>
      `<li><a href="/b/${esc(b.slug)}" data-link>${esc(b.name)}</a></li>`).join('')}</ul>`);
}

type ListingQuery = NonNullable<paths['/v1/products']['get']['parameters']['query']>;

async function listing(base: { category?: string; brand?: string; q?: string }, sp: URLSearchParams): Promise<void> {
  const query: ListingQuery = { ...base, limit: 12, facets: true };
  if (sp.get('brand')) query.brand = sp.get('brand') ?? undefined;
  if (sp.get('category')) query.category = sp.get('category') ?? undefined;
  if (sp.get('in_stock') === 'true') query.in_stock = true;
  const sort = sp.get('sort');
  if (sort === 'price' || sort === '-price' || sort === 'newest' || sort === 'name') query.sort = sort;
  const first = unwrap(await publicApi.GET('/v1/products', { params: { query } }));
  const title = base.q !== undefined ? `Results for “${esc(base.q)}”` : esc(base.category ?? base.brand);
  const facets = first.facets;
  const here = location.pathname + location.search;
  const withParam = (k: string, v: string): string => {
    const u = new URL(here, location.origin);
    u.searchParams.set(k, v);
    return u.pathname + u.search;
  };
  render(`<h1>${title}</h1><div class="layout"><aside id="filters">
      ${facets && !base.category ? `<h3>Categories</h3><ul>${facets.categories.map((f) =>
        `<li><a data-link href="${esc(withParam('category', f.slug))}">${esc(f.name)} (${f.count})</a></li>`).join('')}</ul>` : ''}
      ${facets && !base.brand ? `<h3>Brands</h3><ul>${facets.brands.map((f) =>
        `<li><a data-link href="${esc(withParam('brand', f.slug))}">${esc(f.name)} (${f.count})</a></li>`).join('')}</ul>` : ''}
      <h3>Filter</h3><ul><li><a data-link href="${esc(withParam('in_stock', 'true'))}">In stock only</a></li>
      <li><a data-link href="${esc(withParam('sort', 'price'))}">Price ↑</a></li>
      <li><a data-link href="${esc(withParam('sort', '-price'))}">Price ↓</a></li></ul>
    </aside><section><div class="grid" id="results">${first.items.map(productCard).join('')}</div>
    ${first.items.length ? '' : '<p id="empty">Nothing found.</p>'}<div id="more"></div></section></div>`);
  // Infinite scroll on the cursor: the next page when #more comes into view.
  let cursor = first.next_cursor;
  let loading = false;
  const more = $('#more');
  observer = new IntersectionObserver(async (entries) => {
    if (!entries.some((e) => e.isIntersecting) || !cursor || loading) return;
    loading = true;
    try {
      const page = unwrap(await publicApi.GET('/v1/products', { params: { query: { ...query, cursor } } }));
      $('#results').insertAdjacentHTML('beforeend', page.items.map(productCard).join(''));
      cursor = page.next_cursor;
      if (!cursor) observer?.disconnect();
    } finally {
      loading = false;
    }
  });
  observer.observe(more);
}

async function product(slug: string): Promise<void> {
  const [p, reviews] = await Promise.all([
    publicApi.GET('/v1/products/{slug}', { params: { path: { slug } } }).then(unwrap),
    publicApi.GET('/v1/products/{slug}/reviews', { params: { path: { slug } } }).then(unwrap),
  ]);
  const item: Item = { id: String(p.id), name: p.name, brand: p.brand.name, price: p.price.amount, currency: p.price.currency };
  track('product_view', { product_slug: p.slug }, [item]);
  render(`<h1>${esc(p.name)}</h1><p>${esc(p.brand.name)} · ${money(p.price)}</p>
    <div class="gallery">${p.images.map((i) => `<img src="${esc(i.url)}" alt="${esc(i.alt)}">`).join('')}</div>
    <p>${esc(p.description)}</p>
    <label>Variant <select id="variant">${p.variants.map((v) =>
      `<option value="${v.id}" ${v.available ? '' : 'disabled'}>${esc(v.name)} · ${money(v.price)}${v.available ? '' : ' (sold out)'}</option>`).join('')}</select></label>
    <label>Qty <input id="qty" type="number" min="1" max="10" value="1"></label>
    <button id="add">Add to cart</button> <button id="wish">♡ Wishlist</button> <span id="status" role="status"></span>
    <h2>Reviews (${reviews.rating.count}, ${reviews.rating.average.toFixed(1)}★)</h2>
    <ul id="reviews">${reviews.items.map((r) => `<li><b>${r.rating}★ ${esc(r.title)}</b> — ${esc(r.body)} <i>${esc(r.author_name)}</i></li>`).join('')}</ul>`);
  const status = $('#status');
  $('#add').addEventListener('click', async () => {
    try {
      const variantId = Number($<HTMLSelectElement>('#variant').value);
      const quantity = Number($<HTMLInputElement>('#qty').value) || 1;
      await addToCart(variantId, quantity);
      track('add_to_cart', { quantity }, [{ ...item, quantity }]);
      status.textContent = 'Added to cart';
    } catch (err) { status.textContent = errorText(err); }
  });
  $('#wish').addEventListener('click', async () => {
    if (!(await currentUser())) { navigate('/signin'); return; }
    try {
      unwrap(await meApi.PUT('/v1/me/wishlist/{product_id}', { params: { path: { product_id: p.id } } }));
      status.textContent = 'Saved to your wishlist';
    } catch (err) { status.textContent = errorText(err); }
  });
}

// ---- cart -------------------------------------------------------------------------------
async function addToCart(variantId: number, quantity: number): Promise<void> {
  if (await currentUser()) {
    unwrap(await meApi.POST('/v1/me/cart/items', { body: { variant_id: variantId, quantity } }));
    return;
  }
  let id = guestCartId.get();
  if (!id) {
    id = unwrap(await publicApi.POST('/v1/carts')).id;
    guestCartId.set(id);
  }
  const res = await publicApi.POST('/v1/carts/{id}/items', { params: { path: { id } }, body: { variant_id: variantId, quantity } });
  if (res.response.status === 404 || res.response.status === 410) {
    guestCartId.clear(); // expired or already merged: start a new guest cart
    return addToCart(variantId, quantity);
  }
  unwrap(res);
}

async function loadCart(): Promise<Schemas['Cart'] | null> {
  if (await currentUser()) return unwrap(await meApi.GET('/v1/me/cart'));
  const id = guestCartId.get();
  if (!id) return null;
  const res = await publicApi.GET('/v1/carts/{id}', { params: { path: { id } } });
  if (!res.response.ok) { guestCartId.clear(); return null; }
  return unwrap(res);
}

async function cartPage(): Promise<void> {
  const cart = await loadCart();
  if (!cart || cart.lines.length === 0) { render('<h1>Your cart</h1><p id="cart-empty">Your cart is empty.</p>'); return; }
  const signedIn = !!(await currentUser());
  render(`<h1>Your cart</h1><table id="cart"><tr><th>Item</th><th>Qty</th><th>Total</th></tr>
    ${cart.lines.map((l) => `<tr data-sku="${esc(l.sku)}"><td>${esc(l.product.name)} (${esc(l.variant_name)})</td>
      <td class="qty">${l.quantity}</td><td>${money(l.line_total)}</td></tr>`).join('')}</table>
    <p>Subtotal <span id="subtotal">${money(cart.subtotal)}</span></p>
    ${signedIn ? '<a href="/checkout" data-link id="to-checkout">Checkout</a>'
      : '<p><a href="/signin?next=/checkout" data-link id="signin-to-checkout">Sign in to check out</a></p>'}`);
}

/** At sign-in: the guest cart is merged into the shopper's (POST /v1/me/cart/merge). */
async function mergeGuestCart(): Promise<void> {
  const id = guestCartId.get();
  if (!id) return;
  const res = await meApi.POST('/v1/me/cart/merge', { body: { cart_id: id } });
  guestCartId.clear();
  if (!res.response.ok && res.response.status !== 404 && res.response.status !== 409) unwrap(res);
}

// ---- checkout ------------------------------------------------------------------------
async function checkoutPage(): Promise<void> {
  if (!(await currentUser())) { navigate('/signin?next=/checkout'); return; }
  const cart = unwrap(await meApi.GET('/v1/me/cart'));
  if (cart.lines.length === 0) { render('<p>Your cart is empty.</p>'); return; }
  track('checkout_start', { item_count: cart.item_count, value: cart.total.amount, currency: cart.currency });
  render(`<h1>Checkout</h1><form id="address">
      <label>Name <input name="name" required value="Journey Shopper"></label>
      <label>Street <input name="line1" required value="1 Example Street"></label>
      <label>City <input name="city" required value="Berlin"></label>
      <label>Postcode <input name="postal_code" value="10115"></label>
      <label>Country <input name="country" required maxlength="2" value="${esc(config.defaultCountry)}"></label>
      <button id="quote">Get shipping quote</button></form>
    <div id="quote-result"></div>`);
  const form = $<HTMLFormElement>('#address');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const address = {
      name: String(f.get('name')), line1: String(f.get('line1')), city: String(f.get('city')),
      postal_code: String(f.get('postal_code') || '') || null, country: String(f.get('country')).toUpperCase(),
    };
    try {
      const quote = unwrap(await meApi.POST('/v1/me/cart/quote', { body: { shipping_address: address } }));
      $('#quote-result').innerHTML = `<form id="pay"><fieldset><legend>Shipping</legend>
        ${quote.shipping_methods.map((m, i) => `<label><input type="radio" name="method" value="${esc(m.code)}" ${i === 0 ? 'checked' : ''}>
          ${esc(m.name)} ${money(m.price)}</label>`).join('')}</fieldset>
        <fieldset><legend>Payment</legend>
          <label><input type="radio" name="payment" value="manual" checked> Bank transfer</label>
          <label><input type="radio" name="payment" value="cod"> Cash on delivery</label></fieldset>
        <p>Total <span id="quote-total">${money(quote.total)}</span></p><button id="place">Place order</button></form>`;
      // One Idempotency-Key per checkout attempt: a retry after a lost answer reuses it.
      const key = crypto.randomUUID();
      const pay = $<HTMLFormElement>('#pay');
      pay.addEventListener('submit', async (e) => {
        e.preventDefault();
        const pf = new FormData(pay);
        const payment = pf.get('payment') === 'cod' ? 'cod' : 'manual';
        try {
          const order = unwrap(await meApi.POST('/v1/checkout', {
            params: { header: { 'Idempotency-Key': key } },
            body: { shipping_address: address, shipping_method: String(pf.get('method')), payment_method: payment },
          }));
          // payment_method 'card' would answer order.payment.client_secret for Stripe.js's
          // confirmCardPayment (docs/frontend.md); this reference SPA offers manual and cod.
          track('purchase', { order_number: order.number, value: order.total.amount, currency: order.currency },
            order.lines.map((l) => ({ id: l.sku, name: l.name, price: l.unit_price.amount, quantity: l.quantity })));
          navigate(`/orders/${encodeURIComponent(order.number)}`);
        } catch (err) { $('#quote-result').insertAdjacentHTML('beforeend', `<p class="error">${esc(errorText(err))}</p>`); }
      });
    } catch (err) { $('#quote-result').innerHTML = `<p class="error">${esc(errorText(err))}</p>`; }
  });
}

// ---- orders ---------------------------------------------------------------------------
async function ordersPage(): Promise<void> {
  if (!(await currentUser())) { navigate('/signin?next=/orders'); return; }
  const list = unwrap(await meApi.GET('/v1/me/orders'));
  render(`<h1>Your orders</h1><table id="orders">${list.items.map((o) => `<tr data-order="${esc(o.number)}">
    <td><a href="/orders/${esc(o.number)}" data-link>${esc(o.number)}</a></td><td>${esc(o.status)}</td>
    <td>${money(o.total)}</td><td>${esc(new Date(o.placed_at).toLocaleString())}</td></tr>`).join('')}</table>`);
}

async function orderPage(number: string): Promise<void> {
  const o = unwrap(await meApi.GET('/v1/me/orders/{number}', { params: { path: { number } } }));
  render(`<h1>Order <span id="order-number">${esc(o.number)}</span></h1><p>Status <span id="order-status">${esc(o.status)}</span></p>
    <table>${o.lines.map((l) => `<tr><td>${esc(l.name)}</td><td>${l.quantity}</td><td>${money(l.line_total)}</td></tr>`).join('')}</table>
    <p>Shipping ${money(o.shipping)} · Tax ${money(o.tax)} · Total <b id="order-total">${money(o.total)}</b></p>
    <a href="/orders" data-link>All orders</a>`);
}

// ---- account ---------------------------------------------------------------------------
function signInPage(): void {
  const next = new URL(location.href).searchParams.get('next') || '/cart';
  render(`<h1>Sign in</h1><form id="signin"><label>E-mail <input name="email" type="email" required></label>
    <label>Password <input name="password" type="password" required></label><button>Sign in</button></form>
    <h2>New here?</h2><form id="signup"><label>E-mail <input name="email" type="email" required></label>
    <label>Password <input name="password" type="password" required></label><button>Create account</button></form>
    <form id="confirm" hidden><label>Code <input name="code" required></label><button>Confirm</button></form>
    <p id="auth-status" role="status"></p>`);
  const status = $('#auth-status');
  const form = $<HTMLFormElement>('#signin');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    try {
      const step = await doSignIn(String(f.get('email')), String(f.get('password')));
      if (step !== 'signed-in') { status.textContent = `Next step: ${step}`; return; }
      const user = await currentUser();
      identify(user?.userId ?? null);
      await mergeGuestCart();
      navigate(next);
    } catch (err) { status.textContent = errorText(err); }
  });
  const up = $<HTMLFormElement>('#signup');
  up.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(up);
    try {
      const step = await doSignUp(String(f.get('email')), String(f.get('password')));
      status.textContent = step === 'done' ? 'Account created: sign in above.' : `Next step: ${step}`;
      if (step === 'CONFIRM_SIGN_UP') {
        const confirm = $<HTMLFormElement>('#confirm');
        confirm.hidden = false;
        confirm.addEventListener('submit', async (e) => {
          e.preventDefault();
          try {
            await doConfirm(String(f.get('email')), String(new FormData(confirm).get('code')));
            status.textContent = 'Confirmed: sign in above.';
          } catch (err) { status.textContent = errorText(err); }
        });
      }
    } catch (err) { status.textContent = errorText(err); }
  });
}

async function accountPage(): Promise<void> {
  const me = unwrap(await meApi.GET('/v1/me'));
  render(`<h1>Account</h1><p id="me-email">${esc(me.email)}</p>
    <p>Session refreshed <span id="refresh-count">${refreshCount}</span> times.</p>
    <button id="refresh">Refresh session now</button> <button id="signout">Sign out</button>`);
  $('#refresh').addEventListener('click', async () => {
    await accessToken(true);
    $('#refresh-count').textContent = String(refreshCount);
  });
  $('#signout').addEventListener('click', async () => {
    await doSignOut();
    identify(null);
    navigate('/');
  });
}

// ---- search box with suggestions ---------------------------------------------------------
const qInput = document.getElementById('q') as HTMLInputElement;
const sugg = document.getElementById('suggestions') as HTMLUListElement;
let suggestSeq = 0;
qInput.addEventListener('input', async () => {
  const q = qInput.value.trim();
  const seq = ++suggestSeq;
  if (q.length < 2) { sugg.innerHTML = ''; return; }
  try {
    const res = unwrap(await publicApi.GET('/v1/search/suggestions', { params: { query: { q, limit: 6 } } }));
    if (seq !== suggestSeq) return;
    const href = (s: Schemas['Suggestion']): string => (s.type === 'product' ? `/p/${s.slug}` : s.type === 'brand' ? `/b/${s.slug}` : `/c/${s.slug}`);
    sugg.innerHTML = res.items.map((s) => `<li><a data-link href="${esc(href(s))}">${esc(s.name)} <small>${esc(s.type)}</small></a></li>`).join('');
  } catch { sugg.innerHTML = ''; }
});
sugg.addEventListener('click', () => { sugg.innerHTML = ''; qInput.value = ''; });
(document.getElementById('search') as HTMLFormElement).addEventListener('submit', (ev) => {
  ev.preventDefault();
  sugg.innerHTML = '';
  navigate(`/search?q=${encodeURIComponent(qInput.value.trim())}`);
});

startAnalytics();
void route();
