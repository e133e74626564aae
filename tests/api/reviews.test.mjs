// reviews.test.mjs — product reviews: the public pages (three orders, keyset cursors
// bound to product and sort, ETag moving with every change), posting (one per person,
// every 400, verified_purchase true after a paid order and false without), the author's
// own review (404 for anyone else's), staff hide/unhide (403 for shoppers), and the
// product's rating staying exact — against SQL and the API — after 100 concurrent posts
// and a storm of concurrent edits, deletes, hides and unhides.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertProblem, qs } from './lib/helpers.mjs';
import { orderWorld, sql } from './lib/orders.mjs';

let w;
let staff;
// Products of our own choosing (active, no reviews yet); cleaned up afterwards.
let plain; // {id, slug} for the route and rule tests
let busy; // {id, slug} for the 100 concurrent reviews
let bought; // {id, slug} the product of w.variant, for verified_purchase

before(async () => {
  w = await orderWorld('Reviews1');
  staff = w.staff();
  const pick = (offset) => {
    const [id, slug] = sql(`SELECT id, slug FROM products p WHERE active
      AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.product_id = p.id)
      ORDER BY id DESC LIMIT 1 OFFSET ${offset}`).split('|');
    return { id: Number(id), slug };
  };
  plain = pick(3);
  busy = pick(7);
  const [bid, bslug] = sql(`SELECT p.id, p.slug FROM products p JOIN product_variants v ON v.product_id = p.id
    WHERE v.id = ${w.variant.id}`).split('|');
  bought = { id: Number(bid), slug: bslug };
  assert.ok(plain.id && busy.id && bought.id && plain.id !== busy.id);
});

after(async () => {
  if (!w) return;
  sql(`DELETE FROM reviews WHERE product_id IN (${plain.id}, ${busy.id}, ${bought.id})`);
  await w.stop();
});

const post = (token, slug, body) => w.send('POST', `/v1/products/${slug}/reviews`, { token, body });
const list = (slug, params = {}, headers = {}) => w.send('GET', `/v1/products/${slug}/reviews${qs(params)}`, { headers });
const ratingSql = (id) => {
  const [count, total, n, sum] = sql(`SELECT p.rating_count, p.rating_total,
      (SELECT count(*) FROM reviews r WHERE r.product_id = p.id AND NOT r.hidden),
      (SELECT coalesce(sum(rating), 0) FROM reviews r WHERE r.product_id = p.id AND NOT r.hidden)
    FROM products p WHERE p.id = ${id}`).split('|').map(Number);
  return { count, total, n, sum };
};

/** An RFC 3339 UTC timestamp as microseconds (BigInt): the fraction may have 0..6 digits. */
const micros = (ts) => {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?Z$/.exec(ts);
  assert.ok(m, `not an RFC 3339 UTC timestamp: ${ts}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 1000n + BigInt((m[2] ?? '').padEnd(6, '0'));
};

/** The roll-up equals a recount, and the API shows the same count and average. */
async function assertExact(product) {
  const r = ratingSql(product.id);
  assert.equal(r.count, r.n, `rating_count ${r.count} but ${r.n} visible reviews`);
  assert.equal(r.total, r.sum, `rating_total ${r.total} but the visible ratings sum to ${r.sum}`);
  const avg = r.n ? Math.trunc((r.sum * 10) / r.n) / 10 : 0;
  const page = await list(product.slug, { limit: 1 });
  assert.equal(page.status, 200, page.text);
  assert.deepEqual(page.body.rating, { average: avg, count: r.n });
  const detail = await w.send('GET', `/v1/products/${product.slug}`);
  assert.deepEqual(detail.body.rating, { average: avg, count: r.n });
  return r;
}

test('post, read on the public list at once (ETag moves), edit, delete: the author only', async () => {
  const ada = w.person();
  const me = await w.send('PATCH', '/v1/me', { token: ada, body: { display_name: 'Ada L.' } });
  assert.equal(me.status, 200, me.text);
  const first = await list(plain.slug);
  assert.equal(first.status, 200, first.text);
  assert.match(first.headers['cache-control'], /^public, max-age=\d+/);
  const etag = first.headers.etag;
  assert.equal((await list(plain.slug, {}, { 'If-None-Match': etag })).status, 304);

  const res = await post(ada, plain.slug, { rating: 4, title: '  Solid  ', body: 'Good keys.\nQuiet too.' });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.headers.location, `/v1/me/reviews/${res.body.id}`);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  assert.deepEqual({ ...res.body, id: 0, created_at: 0, updated_at: 0 }, {
    id: 0, product_id: plain.id, rating: 4, title: 'Solid', body: 'Good keys.\nQuiet too.',
    verified_purchase: false, hidden: false, author_name: 'Ada L.', created_at: 0, updated_at: 0,
  });
  const id = res.body.id;

  const after1 = await list(plain.slug, {}, { 'If-None-Match': etag });
  assert.equal(after1.status, 200, 'a new review must change the public ETag');
  assert.notEqual(after1.headers.etag, etag);
  assert.deepEqual(after1.body.items.map((r) => r.id), [id]);
  assert.deepEqual(after1.body.rating, { average: 4, count: 1 });

  // Someone without a display name is "Customer", never their e-mail or sub.
  const bob = w.person();
  const bobs = await post(bob, plain.slug, { rating: 2 });
  assert.equal(bobs.status, 201, bobs.text);
  assert.equal(bobs.body.author_name, 'Customer');
  assert.equal(bobs.body.title, '');
  assert.equal(bobs.body.body, '');

  // A second review by the same person: 409 naming the review to edit.
  const again = await post(ada, plain.slug, { rating: 1 });
  assertProblem(again, 409, 'conflict');
  assert.match(again.body.detail, new RegExp(`/v1/me/reviews/${id}`));

  // The author reads and edits it; the rating follows at once.
  const mine = await w.send('GET', `/v1/me/reviews/${id}`, { token: ada });
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.body.id, id);
  const edited = await w.send('PATCH', `/v1/me/reviews/${id}`, { token: ada, body: { rating: 5, body: 'Even better.' } });
  assert.equal(edited.status, 200, edited.text);
  assert.equal(edited.body.rating, 5);
  assert.equal(edited.body.title, 'Solid', 'a field not sent is kept');
  assert.equal(edited.body.body, 'Even better.');
  assert.ok(micros(edited.body.updated_at) >= micros(edited.body.created_at));
  assert.deepEqual((await list(plain.slug)).body.rating, { average: 3.5, count: 2 });

  // Anyone else's review is 404 on every own-review route, and stays unchanged.
  for (const [method, body] of [['GET'], ['PATCH', { rating: 1 }], ['DELETE']]) {
    assertProblem(await w.send(method, `/v1/me/reviews/${id}`, { token: bob, body }), 404, 'not-found');
    assertProblem(await w.send(method, '/v1/me/reviews/9007199254740991', { token: ada, body }), 404, 'not-found');
    assertProblem(await w.send(method, `/v1/me/reviews/${id}`, { body }), 401);
    assertProblem(await w.send(method, '/v1/me/reviews/abc', { token: ada, body }), 400, 'validation-error', 'id');
  }
  assert.equal((await w.send('GET', `/v1/me/reviews/${id}`, { token: ada })).body.rating, 5);

  // Delete: gone from the list and the rating; the person may post again.
  assert.equal((await w.send('DELETE', `/v1/me/reviews/${id}`, { token: ada })).status, 204);
  assertProblem(await w.send('DELETE', `/v1/me/reviews/${id}`, { token: ada }), 404, 'not-found');
  assert.deepEqual((await list(plain.slug)).body.rating, { average: 2, count: 1 });
  assert.equal((await post(ada, plain.slug, { rating: 3 })).status, 201);
  await assertExact(plain);
});

test('every bad review is a 400 naming the field; unknown product 404; no token 401', async () => {
  const t = w.person();
  const bad = [
    [{}, 'rating'],
    [{ rating: 0 }, 'rating'],
    [{ rating: 6 }, 'rating'],
    [{ rating: 4.5 }, 'rating'],
    [{ rating: '5' }, 'rating'],
    [{ rating: null }, 'rating'],
    [{ rating: 5, title: 'x'.repeat(121) }, 'title'],
    [{ rating: 5, title: 7 }, 'title'],
    [{ rating: 5, title: 'two\nlines' }, 'title'],
    [{ rating: 5, title: 'evil \u202e txt' }, 'title'],
    [{ rating: 5, body: 'zero\u200bwidth' }, 'body'],
    [{ rating: 5, body: 'b'.repeat(5001) }, 'body'],
    [{ rating: 5, body: null }, 'body'],
    [{ rating: 5, stars: 5 }, 'stars'],
  ];
  for (const [body, field] of bad) {
    assertProblem(await post(t, plain.slug, body), 400, 'validation-error', field);
  }
  // The limits are characters, not bytes.
  const long = await post(t, plain.slug, { rating: 5, title: 'é'.repeat(120), body: 'ü'.repeat(5000) });
  assert.equal(long.status, 201, long.text);
  assertProblem(await w.send('PATCH', `/v1/me/reviews/${long.body.id}`, { token: t, body: {} }), 400, 'validation-error');
  assertProblem(await w.send('PATCH', `/v1/me/reviews/${long.body.id}`, { token: t, body: { rating: 9 } }), 400, 'validation-error', 'rating');
  assertProblem(await w.send('PATCH', `/v1/me/reviews/${long.body.id}`, { token: t, body: '[1]' }), 400);
  assertProblem(await post(t, plain.slug, '{"rating": 5'), 400);
  assertProblem(await w.send('POST', `/v1/products/${plain.slug}/reviews`, {
    token: t, body: 'rating=5', headers: { 'content-type': 'text/plain' },
  }), 415);
  assertProblem(await post(t, 'no-such-product-anywhere', { rating: 5 }), 404, 'not-found');
  assertProblem(await post(t, 'Bad_Slug', { rating: 5 }), 400, 'validation-error', 'slug');
  assertProblem(await post(undefined, plain.slug, { rating: 5 }), 401);
  assertProblem(await list('no-such-product-anywhere'), 404, 'not-found');
  assertProblem(await list('Bad_Slug'), 400, 'validation-error', 'slug');
  assertProblem(await list(plain.slug, { sort: 'best' }), 400, 'validation-error', 'sort');
  assertProblem(await list(plain.slug, { limit: 0 }), 400, 'validation-error', 'limit');
  assertProblem(await list(plain.slug, { limit: 101 }), 400, 'validation-error', 'limit');
  assertProblem(await list(plain.slug, { cursor: 'bm90LWEtY3Vyc29y' }), 400, 'validation-error', 'cursor');
  assertProblem(await list(plain.slug, { colour: 'red' }), 400);
});

test('verified_purchase: true after a paid order with the product, false while unpaid', async () => {
  const buyer = w.person();
  const order = await w.place('manual', buyer);
  const waiting = w.person();
  await w.place('manual', waiting);
  const paid = await w.send('POST', `/v1/admin/orders/${order.number}/transitions`,
    { token: staff, body: { action: 'mark_paid' } });
  assert.equal(paid.status, 200, paid.text);
  const v = await post(buyer, bought.slug, { rating: 5, title: 'Bought it' });
  assert.equal(v.status, 201, v.text);
  assert.equal(v.body.verified_purchase, true);
  const u = await post(waiting, bought.slug, { rating: 3 });
  assert.equal(u.status, 201, u.text);
  assert.equal(u.body.verified_purchase, false, 'an order awaiting payment does not verify');
  const other = await post(buyer, plain.slug, { rating: 4 });
  assert.equal(other.body.verified_purchase, false, 'an order of another product does not verify');
  const items = (await list(bought.slug, { limit: 100 })).body.items;
  assert.equal(items.find((r) => r.id === v.body.id).verified_purchase, true);
});

test('staff hide and unhide: out of the list and the rating and back; shoppers 403', async () => {
  const t = w.person();
  const r = await post(t, plain.slug, { rating: 1, title: 'spam' });
  assert.equal(r.status, 201, r.text);
  const before = ratingSql(plain.id);
  assertProblem(await w.send('POST', `/v1/admin/reviews/${r.body.id}/hide`, { token: t }), 403);
  assertProblem(await w.send('POST', `/v1/admin/reviews/${r.body.id}/hide`), 401);
  assertProblem(await w.send('POST', '/v1/admin/reviews/9007199254740991/hide', { token: staff }), 404, 'not-found');
  assertProblem(await w.send('POST', '/v1/admin/reviews/0/unhide', { token: staff }), 400, 'validation-error', 'id');
  for (let i = 0; i < 2; i++) { // idempotent
    const h = await w.send('POST', `/v1/admin/reviews/${r.body.id}/hide`, { token: staff });
    assert.equal(h.status, 200, h.text);
    assert.equal(h.body.hidden, true);
  }
  assert.deepEqual(ratingSql(plain.id), { count: before.count - 1, total: before.total - 1, n: before.n - 1, sum: before.sum - 1 });
  const items = (await list(plain.slug, { limit: 100 })).body.items;
  assert.ok(!items.some((x) => x.id === r.body.id), 'a hidden review is not public');
  const own = await w.send('GET', `/v1/me/reviews/${r.body.id}`, { token: t });
  assert.equal(own.body.hidden, true, 'its author still sees it, marked hidden');
  const hiddenList = await w.send('GET', `/v1/admin/reviews${qs({ hidden: true, product: plain.id })}`, { token: staff });
  assert.equal(hiddenList.status, 200, hiddenList.text);
  assert.deepEqual(hiddenList.body.items.map((x) => x.id), [r.body.id]);
  assertProblem(await w.send('GET', '/v1/admin/reviews', { token: t }), 403);
  assertProblem(await w.send('GET', '/v1/admin/reviews?hidden=maybe', { token: staff }), 400, 'validation-error', 'hidden');
  assertProblem(await w.send('GET', '/v1/admin/reviews?product=x', { token: staff }), 400, 'validation-error', 'product');
  assertProblem(await w.send('GET', '/v1/admin/reviews?cursor=xyz', { token: staff }), 400, 'validation-error', 'cursor');
  const shown = await w.send('POST', `/v1/admin/reviews/${r.body.id}/unhide`, { token: staff });
  assert.equal(shown.status, 200, shown.text);
  assert.equal(shown.body.hidden, false);
  assert.deepEqual(ratingSql(plain.id), before);
  await assertExact(plain);
});

test('100 concurrent reviews, then concurrent edits, deletes, hides and unhides: the rating stays exact', async () => {
  const people = Array.from({ length: 100 }, () => w.person());
  const ratings = people.map((_, i) => (i * 7) % 5 + 1);
  const posted = await Promise.all(people.map((t, i) => post(t, busy.slug, { rating: ratings[i], title: `Review ${i}` })));
  for (const p of posted) assert.equal(p.status, 201, p.text);
  let r = await assertExact(busy);
  assert.equal(r.count, 100);
  assert.equal(r.total, ratings.reduce((a, b) => a + b, 0));

  // Pages in every order: each review exactly once, in the promised order.
  for (const sort of ['newest', 'highest', 'lowest']) {
    const seen = [];
    let cursor;
    for (let pages = 0; pages < 20; pages++) {
      const page = await list(busy.slug, { sort, limit: 30, cursor });
      assert.equal(page.status, 200, page.text);
      seen.push(...page.body.items);
      cursor = page.body.next_cursor;
      if (!cursor) break;
    }
    assert.equal(seen.length, 100, sort);
    assert.equal(new Set(seen.map((x) => x.id)).size, 100, `${sort}: a review listed twice`);
    for (let i = 1; i < seen.length; i++) {
      const a = seen[i - 1], b = seen[i];
      const ta = micros(a.created_at), tb = micros(b.created_at);
      const newer = ta > tb || (ta === tb && a.id > b.id);
      if (sort === 'newest') assert.ok(newer, `${sort} order at ${i}`);
      if (sort === 'highest') assert.ok(a.rating > b.rating || (a.rating === b.rating && newer), `${sort} order at ${i}`);
      if (sort === 'lowest') assert.ok(a.rating < b.rating || (a.rating === b.rating && newer), `${sort} order at ${i}`);
    }
    if (sort !== 'newest') {
      const c = (await list(busy.slug, { sort, limit: 30 })).body.next_cursor;
      assertProblem(await list(busy.slug, { sort: sort === 'highest' ? 'lowest' : 'highest', cursor: c }), 400, 'validation-error', 'cursor');
      assertProblem(await list(plain.slug, { sort, cursor: c }), 400, 'validation-error', 'cursor');
    }
  }

  // The storm: authors edit or delete, staff hide and unhide, all at once; some
  // reviews get an edit and a hide together.
  const ids = posted.map((p) => p.body.id);
  for (const id of ids.slice(40, 60)) await w.send('POST', `/v1/admin/reviews/${id}/hide`, { token: staff });
  const storm = [];
  for (let i = 0; i < 100; i++) {
    const id = ids[i];
    if (i < 30) storm.push(w.send('PATCH', `/v1/me/reviews/${id}`, { token: people[i], body: { rating: ((i * 3) % 5) + 1 } }));
    if (i >= 20 && i < 40) storm.push(w.send('POST', `/v1/admin/reviews/${id}/hide`, { token: staff }));
    if (i >= 40 && i < 55) storm.push(w.send('POST', `/v1/admin/reviews/${id}/unhide`, { token: staff }));
    if (i >= 50 && i < 60) storm.push(w.send('PATCH', `/v1/me/reviews/${id}`, { token: people[i], body: { rating: 5 } }));
    if (i >= 90) storm.push(w.send('DELETE', `/v1/me/reviews/${id}`, { token: people[i] }));
  }
  const results = await Promise.all(storm);
  for (const x of results) assert.ok([200, 204].includes(x.status), `${x.status} ${x.text}`);
  r = await assertExact(busy);
  // 100 - 10 deleted - hidden (20..39 and 55..59) = 65 visible.
  assert.equal(r.count, 65);
});
