// admin-images.test.mjs — product images through presigned S3 uploads, against s3rver:
// presign (every 400/401/403/404), a real PUT of a file through the URL, confirm (the
// HEAD sees the object; 404/409 for unknown, missing, mismatched, repeated, expired
// uploads), the public product showing the image, reorder, PATCH and DELETE, and the
// 503s (no S3_BUCKET; S3 unreachable).
//
// What s3rver 3.7.1 checks on a presigned V4 URL (node_modules/s3rver/lib/middleware/
// authentication.js): the algorithm, that every X-Amz-* parameter is there, that the
// access key id exists (S3RVER), and that X-Amz-Date + X-Amz-Expires has not passed.
// It does NOT recompute V4 signatures ("Signature version 4 calculation is
// unimplemeneted"), so a changed signature, content type or size is accepted by it. So
// the tests (1) check expiry and a foreign access key against s3rver, (2) recompute the
// signature here with node:crypto from the URL and the request (an implementation
// independent of the C signer) to show that the URL signs content-type and
// content-length, so real S3 would refuse a swap, and (3) show that confirm refuses an
// object whose type or size differs from what was presigned, which is what protects
// the shop whatever the store checked.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { sql } from './lib/orders.mjs';
import { freePort, requireEnv, startServer, stopServer } from './lib/server.mjs';
import { admin, shopper } from './lib/tokens.mjs';

const S3_ENDPOINT = requireEnv('S3_ENDPOINT').replace(/\/+$/, '');
const S3_BUCKET = requireEnv('S3_BUCKET');
const SECRET = process.env.AWS_SECRET_ACCESS_KEY || 'S3RVER';
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(600)]);

let adminToken;
let shopperToken;
let product; // {id, slug}
let other;   // a second product, for foreign ids
const extra = [];

const as = (token, method, path, { body, base, type = 'application/json' } = {}) => api(method, path, {
  base,
  headers: {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body !== undefined ? { 'content-type': type } : {}),
  },
  body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
});

// Test products stay inactive (out of public lists, facets and search, which other test
// files count while this one runs) except for the instant of a public read.
function makeProduct(tag) {
  const slug = `img-test-${tag}-${randomBytes(4).toString('hex')}`;
  const id = Number(sql(`WITH p AS (INSERT INTO products (slug, name, brand_id, active)
      SELECT '${slug}', 'Image test ${tag}', id, false FROM brands ORDER BY id LIMIT 1 RETURNING id),
    v AS (INSERT INTO product_variants (product_id, sku, name, price_amount, stock)
      SELECT id, upper('${slug}'), 'Default', 1999, 5 FROM p RETURNING product_id)
    SELECT product_id FROM v`));
  assert.ok(id > 0);
  return { id, slug };
}

/** GET /v1/products/{slug} while the product is briefly active. */
async function publicProduct(p) {
  sql(`UPDATE products SET active = true WHERE id = ${p.id}`);
  try {
    const res = await api('GET', `/v1/products/${p.slug}`);
    assert.equal(res.status, 200, res.text);
    return res.body;
  } finally {
    sql(`UPDATE products SET active = false WHERE id = ${p.id}`);
  }
}

const presign = (productId, body = { content_type: 'image/png', size: PNG.length }, opts = {}) =>
  as(opts.token ?? adminToken, 'POST', `/v1/admin/products/${productId}/images/uploads`, { body, base: opts.base });

const confirm = (productId, body, opts = {}) =>
  as(opts.token ?? adminToken, 'POST', `/v1/admin/products/${productId}/images`, { body, base: opts.base });

/** PUTs bytes to a presigned URL as a browser would (fetch sets Content-Length). */
const put = (url, bytes, contentType) => fetch(url, {
  method: 'PUT', body: bytes, headers: { 'content-type': contentType },
});

async function uploaded(productId, bytes = PNG, type = 'image/png', alt = 'A test picture') {
  const up = await presign(productId, { content_type: type, size: bytes.length });
  assert.equal(up.status, 201, up.text);
  const res = await put(up.body.url, bytes, type);
  assert.equal(res.status, 200, await res.text());
  const c = await confirm(productId, { upload_id: up.body.upload_id, alt });
  assert.equal(c.status, 201, c.text);
  return c.body;
}

/**
 * The SigV4 query signature S3 would compute for `method url` with these request
 * headers, rebuilt from the URL's own parameters (everything but X-Amz-Signature).
 */
function expectedSignature(method, url, headers) {
  const u = new URL(url);
  const params = [...u.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature');
  const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = params.map(([k, v]) => [enc(k), enc(v)]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
  const signed = u.searchParams.get('X-Amz-SignedHeaders').split(';');
  const all = { host: u.host, ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)])) };
  const canonHeaders = signed.map((h) => `${h}:${all[h] ?? ''}\n`).join('');
  const canonical = [method, u.pathname, query, canonHeaders, signed.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
  const [, date, region, service] = u.searchParams.get('X-Amz-Credential').split('/');
  const toSign = ['AWS4-HMAC-SHA256', u.searchParams.get('X-Amz-Date'), `${date}/${region}/${service}/aws4_request`,
    createHash('sha256').update(canonical).digest('hex')].join('\n');
  let k = createHmac('sha256', `AWS4${SECRET}`).update(date).digest();
  for (const part of [region, service, 'aws4_request']) k = createHmac('sha256', k).update(part).digest();
  return createHmac('sha256', k).update(toSign).digest('hex');
}

before(async () => {
  adminToken = (await admin()).access;
  shopperToken = (await shopper()).access;
  product = makeProduct('a');
  other = makeProduct('b');
});

after(async () => {
  for (const srv of extra) await stopServer(srv);
  for (const p of [product, other]) if (p) sql(`DELETE FROM products WHERE id = ${p.id}`);
});

test('presign: 201 with a path-style URL that signs content-type, content-length and host', async () => {
  const res = await presign(product.id, { content_type: 'image/png', size: PNG.length, filename: 'mouse.png' });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  const b = res.body;
  assert.equal(b.method, 'PUT');
  assert.deepEqual(b.headers, { 'Content-Type': 'image/png', 'Content-Length': String(PNG.length) });
  assert.match(b.key, new RegExp(`^products/${product.id}/[0-9a-f]{32}\\.png$`));
  const u = new URL(b.url);
  assert.equal(`${u.origin}${u.pathname}`, `${S3_ENDPOINT}/${S3_BUCKET}/${b.key}`);
  assert.equal(res.headers.location, `${S3_ENDPOINT}/${S3_BUCKET}/${b.key}`);
  assert.equal(u.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
  assert.equal(u.searchParams.get('X-Amz-SignedHeaders'), 'content-length;content-type;host');
  assert.equal(u.searchParams.get('X-Amz-Expires'), '300');
  assert.match(u.searchParams.get('X-Amz-Credential'), /^S3RVER\/\d{8}\/[a-z0-9-]+\/s3\/aws4_request$/);
  const left = Date.parse(b.expires_at) - Date.now();
  assert.ok(left > 250_000 && left <= 301_000, `expires_at ${b.expires_at}`);
  const row = sql(`SELECT product_id || ' ' || content_type || ' ' || max_bytes || ' ' || (confirmed_at IS NULL)
                     FROM image_uploads WHERE id = ${b.upload_id}`);
  assert.equal(row, `${product.id} image/png ${PNG.length} true`);

  // The signature is what S3 computes for exactly these headers (independent signer)...
  const headers = { 'content-type': 'image/png', 'content-length': PNG.length };
  assert.equal(u.searchParams.get('X-Amz-Signature'), expectedSignature('PUT', b.url, headers));
  // ...and not for another type or size, so real S3 answers SignatureDoesNotMatch.
  assert.notEqual(u.searchParams.get('X-Amz-Signature'),
    expectedSignature('PUT', b.url, { ...headers, 'content-type': 'image/jpeg' }));
  assert.notEqual(u.searchParams.get('X-Amz-Signature'),
    expectedSignature('PUT', b.url, { ...headers, 'content-length': PNG.length + 1 }));
});

test('upload round trip: PUT through the URL, confirm, the public product shows the image', async () => {
  const up = await presign(product.id);
  assert.equal(up.status, 201, up.text);
  // Confirming before the file is there: 409, and the upload stays usable.
  assertProblem(await confirm(product.id, { upload_id: up.body.upload_id, alt: 'x' }), 409, 'conflict');

  const res = await put(up.body.url, PNG, 'image/png');
  assert.equal(res.status, 200, await res.text());
  const c = await confirm(product.id, { upload_id: up.body.upload_id, alt: 'A black mouse, top view' });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.headers.location, `/v1/admin/images/${c.body.id}`);
  assert.equal(c.body.url, `${S3_ENDPOINT}/${S3_BUCKET}/${up.body.key}`);
  assert.equal(c.body.s3_key, up.body.key);
  assert.equal(c.body.alt, 'A black mouse, top view');
  assert.equal(c.body.product_id, product.id);

  // The object really is in the bucket, byte for byte (s3rver serves it back).
  const got = await fetch(c.body.url);
  assert.equal(got.status, 200);
  assert.deepEqual(Buffer.from(await got.arrayBuffer()), PNG);

  // The very next public read shows it, and it is the primary image.
  const pub = await publicProduct(product);
  assert.deepEqual(pub.images.map((i) => i.url), [c.body.url]);
  assert.equal(pub.image.url, c.body.url);
  assert.equal(sql(`SELECT image_url FROM products WHERE id = ${product.id}`), c.body.url);

  // Confirming again: 409 naming the image it became.
  const again = await confirm(product.id, { upload_id: up.body.upload_id, alt: 'again' });
  assertProblem(again, 409, 'conflict');
  assert.match(again.body.detail, new RegExp(`image ${c.body.id}`));
});

test('s3rver refuses an expired URL and a foreign access key', async () => {
  const up = await presign(product.id);
  assert.equal(up.status, 201, up.text);
  // Move X-Amz-Date back past X-Amz-Expires: the URL has expired.
  const u = new URL(up.body.url);
  u.searchParams.set('X-Amz-Date', '20200101T000000Z');
  let res = await put(u.toString(), PNG, 'image/png');
  assert.equal(res.status, 403);
  assert.match(await res.text(), /AccessDenied[\s\S]*expired/);
  // Another access key id in the credential scope.
  const v = new URL(up.body.url);
  v.searchParams.set('X-Amz-Credential', v.searchParams.get('X-Amz-Credential').replace(/^[^/]+/, 'AKIDNOTOURS'));
  res = await put(v.toString(), PNG, 'image/png');
  assert.equal(res.status, 403);
  assert.match(await res.text(), /InvalidAccessKeyId/);
});

test('a URL with a 1 s lifetime is refused by s3rver once it has passed', async () => {
  const srv = await startServer({ IMAGE_UPLOAD_TTL_SECONDS: '1' });
  extra.push(srv);
  const up = await presign(product.id, undefined, { base: srv.base });
  assert.equal(up.status, 201, up.text);
  assert.equal(new URL(up.body.url).searchParams.get('X-Amz-Expires'), '1');
  await new Promise((r) => setTimeout(r, 2100));
  const res = await put(up.body.url, PNG, 'image/png');
  assert.equal(res.status, 403);
  assert.match(await res.text(), /expired/);
  // Nothing was stored: confirm finds no object.
  assertProblem(await confirm(product.id, { upload_id: up.body.upload_id, alt: 'late' }), 409, 'conflict');
});

test('confirm refuses an object of another type or size than presigned (tampered PUT)', async () => {
  // s3rver does not check the signature, so the swapped PUTs land; confirm catches them.
  let up = await presign(product.id);
  let res = await put(up.body.url, PNG, 'image/gif');
  assert.equal(res.status, 200);
  let c = await confirm(product.id, { upload_id: up.body.upload_id, alt: 'gif' });
  assertProblem(c, 409, 'conflict');
  assert.match(c.body.detail, /image\/gif/);

  up = await presign(product.id, { content_type: 'image/png', size: 100 });
  res = await put(up.body.url, PNG, 'image/png');
  assert.equal(res.status, 200);
  c = await confirm(product.id, { upload_id: up.body.upload_id, alt: 'big' });
  assertProblem(c, 409, 'conflict');
  assert.match(c.body.detail, new RegExp(`${PNG.length} bytes`));
});

test('confirm: unknown, foreign and expired uploads', async () => {
  assertProblem(await confirm(product.id, { upload_id: 9007199254740991, alt: 'x' }), 404, 'not-found');
  const up = await presign(other.id);
  // The upload belongs to the other product.
  assertProblem(await confirm(product.id, { upload_id: up.body.upload_id, alt: 'x' }), 404, 'not-found');
  assertProblem(await confirm(9007199254740991, { upload_id: up.body.upload_id, alt: 'x' }), 404, 'not-found');
  // Its window (URL lifetime + 15 min) closed without a confirm.
  await put(up.body.url, PNG, 'image/png');
  sql(`UPDATE image_uploads SET expires_at = now() - interval '1 hour' WHERE id = ${up.body.upload_id}`);
  const c = await confirm(other.id, { upload_id: up.body.upload_id, alt: 'x' });
  assertProblem(c, 409, 'conflict');
  assert.match(c.body.detail, /expired/);
});

test('presign and confirm: 400 naming each bad field, 401, 403, 404, 415', async () => {
  const bad = [
    [{ content_type: 'image/gif', size: 10 }, 'content_type'],
    [{ content_type: 'IMAGE/PNG', size: 10 }, 'content_type'],
    [{ size: 10 }, 'content_type'],
    [{ content_type: 'image/png', size: 0 }, 'size'],
    [{ content_type: 'image/png', size: 10 * 1024 * 1024 + 1 }, 'size'],
    [{ content_type: 'image/png', size: '10' }, 'size'],
    [{ content_type: 'image/png' }, 'size'],
    [{ content_type: 'image/png', size: 10, filename: 'evil\u202egnp.exe' }, 'filename'],
    [{ content_type: 'image/png', size: 10, filename: '' }, 'filename'],
    [{ content_type: 'image/png', size: 10, colour: 'red' }, 'colour'],
  ];
  for (const [body, field] of bad) assertProblem(await presign(product.id, body), 400, 'validation-error', field);
  assert.equal((await presign(product.id, { content_type: 'image/webp', size: 10 * 1024 * 1024 })).status, 201);
  assert.equal((await presign(product.id, { content_type: 'image/avif', size: 1 })).status, 201);
  assertProblem(await as(adminToken, 'POST', `/v1/admin/products/${product.id}/images/uploads`, { body: '[1]' }), 400, 'bad-request');
  assertProblem(await as(adminToken, 'POST', `/v1/admin/products/${product.id}/images/uploads`, { body: '{"size":' }), 400);
  assertProblem(await as(adminToken, 'POST', `/v1/admin/products/${product.id}/images/uploads`,
    { body: 'x', type: 'text/plain' }), 415);
  assertProblem(await presign('abc'), 400, 'validation-error', 'id');
  assertProblem(await presign(9007199254740991), 404, 'not-found');
  assertProblem(await presign(product.id, undefined, { token: shopperToken }), 403);
  assertProblem(await as(null, 'POST', `/v1/admin/products/${product.id}/images/uploads`,
    { body: { content_type: 'image/png', size: 1 } }), 401);

  const badConfirm = [
    [{ alt: 'x' }, 'upload_id'],
    [{ upload_id: 0, alt: 'x' }, 'upload_id'],
    [{ upload_id: 1 }, 'alt'],
    [{ upload_id: 1, alt: 7 }, 'alt'],
    [{ upload_id: 1, alt: 'x'.repeat(301) }, 'alt'],
    [{ upload_id: 1, alt: 'zero\u200bwidth' }, 'alt'],
    [{ upload_id: 1, alt: 'x', position: -1 }, 'position'],
    [{ upload_id: 1, alt: 'x', position: 1.5 }, 'position'],
    [{ upload_id: 1, alt: 'x', url: 'http://evil' }, 'url'],
  ];
  for (const [body, field] of badConfirm) assertProblem(await confirm(product.id, body), 400, 'validation-error', field);
  assertProblem(await confirm(product.id, { upload_id: 1, alt: 'x' }, { token: shopperToken }), 403);
  assertProblem(await as(null, 'POST', `/v1/admin/products/${product.id}/images`, { body: { upload_id: 1, alt: 'x' } }), 401);
});

test('list, reorder, patch, delete; the primary image follows', async () => {
  const p = makeProduct('c');
  try {
    const a = await uploaded(p.id, PNG, 'image/png', 'first');
    const b = await uploaded(p.id, Buffer.concat([PNG, PNG]), 'image/png', 'second');
    const jpg = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), randomBytes(300)]);
    const c = await uploaded(p.id, jpg, 'image/jpeg', 'third');
    assert.deepEqual([a.position, b.position, c.position], [0, 1, 2], 'each new image goes last');

    let list = await as(adminToken, 'GET', `/v1/admin/products/${p.id}/images`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.items.map((i) => i.id), [a.id, b.id, c.id]);
    assert.equal(sql(`SELECT image_alt FROM products WHERE id = ${p.id}`), 'first');

    const order = (ids, opts = {}) => as(opts.token ?? adminToken, 'PUT', `/v1/admin/products/${opts.pid ?? p.id}/images/order`,
      { body: { image_ids: ids } });
    let res = await order([c.id, a.id, b.id]);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.items.map((i) => [i.id, i.position]), [[c.id, 0], [a.id, 1], [b.id, 2]]);
    assert.equal(sql(`SELECT image_url FROM products WHERE id = ${p.id}`), c.url);
    const pub = await publicProduct(p);
    assert.deepEqual(pub.images.map((i) => i.url), [c.url, a.url, b.url]);
    assert.equal(pub.image.url, c.url);

    // Not exactly the product's images: 409; a repeat or a non-id: 400.
    assertProblem(await order([c.id, a.id]), 409, 'conflict');
    const foreign = await uploaded(other.id);
    assertProblem(await order([c.id, a.id, foreign.id]), 409, 'conflict');
    assertProblem(await order([c.id, a.id, b.id, foreign.id]), 409, 'conflict');
    assertProblem(await order([c.id, a.id, a.id]), 400, 'validation-error', 'image_ids');
    assertProblem(await order([c.id, 'a', b.id]), 400, 'validation-error', 'image_ids');
    assertProblem(await as(adminToken, 'PUT', `/v1/admin/products/${p.id}/images/order`, { body: { image_ids: 3 } }),
      400, 'validation-error', 'image_ids');
    assertProblem(await order([]), 409, 'conflict');
    assertProblem(await order([1], { pid: 9007199254740991 }), 404, 'not-found');
    assertProblem(await order([c.id, a.id, b.id], { token: shopperToken }), 403);
    list = await as(adminToken, 'GET', `/v1/admin/products/${p.id}/images`);
    assert.deepEqual(list.body.items.map((i) => i.id), [c.id, a.id, b.id], 'a refused reorder changes nothing');

    // PATCH: alt and position; the primary image's alt follows.
    res = await as(adminToken, 'PATCH', `/v1/admin/images/${c.id}`, { body: { alt: 'Third, now first' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.alt, 'Third, now first');
    assert.equal(res.body.position, 0);
    assert.equal(sql(`SELECT image_alt FROM products WHERE id = ${p.id}`), 'Third, now first');
    res = await as(adminToken, 'PATCH', `/v1/admin/images/${c.id}`, { body: { position: 9 } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.position, 9);
    assert.equal(res.body.alt, 'Third, now first');
    assert.equal(sql(`SELECT image_url FROM products WHERE id = ${p.id}`), a.url);
    assertProblem(await as(adminToken, 'PATCH', `/v1/admin/images/${c.id}`, { body: { alt: 'bidi\u202e' } }), 400, 'validation-error', 'alt');
    assertProblem(await as(adminToken, 'PATCH', `/v1/admin/images/${c.id}`, { body: { alt: 'x'.repeat(301) } }), 400, 'validation-error', 'alt');
    assertProblem(await as(adminToken, 'PATCH', `/v1/admin/images/${c.id}`, { body: { position: 'top' } }), 400, 'validation-error', 'position');
    assertProblem(await as(adminToken, 'PATCH', `/v1/admin/images/${c.id}`, { body: { url: 'x' } }), 400, 'validation-error', 'url');
    assertProblem(await as(adminToken, 'PATCH', '/v1/admin/images/9007199254740991', { body: { alt: 'x' } }), 404, 'not-found');
    assertProblem(await as(adminToken, 'PATCH', '/v1/admin/images/0', { body: { alt: 'x' } }), 400, 'validation-error', 'id');
    assertProblem(await as(shopperToken, 'PATCH', `/v1/admin/images/${c.id}`, { body: { alt: 'x' } }), 403);
    assertProblem(await as(null, 'PATCH', `/v1/admin/images/${c.id}`, { body: { alt: 'x' } }), 401);

    // DELETE: 204, then 404; the next image becomes primary.
    assertProblem(await as(shopperToken, 'DELETE', `/v1/admin/images/${a.id}`), 403);
    assertProblem(await as(null, 'DELETE', `/v1/admin/images/${a.id}`), 401);
    res = await as(adminToken, 'DELETE', `/v1/admin/images/${a.id}`);
    assert.equal(res.status, 204, res.text);
    assertProblem(await as(adminToken, 'DELETE', `/v1/admin/images/${a.id}`), 404, 'not-found');
    assert.equal(sql(`SELECT image_url FROM products WHERE id = ${p.id}`), b.url);
    list = await as(adminToken, 'GET', `/v1/admin/products/${p.id}/images`);
    assert.deepEqual(list.body.items.map((i) => i.id), [b.id, c.id]);
    // The S3 object is kept (docs/images.md).
    assert.equal((await fetch(a.url)).status, 200);

    assertProblem(await as(adminToken, 'GET', '/v1/admin/products/9007199254740991/images'), 404, 'not-found');
    assertProblem(await as(shopperToken, 'GET', `/v1/admin/products/${p.id}/images`), 403);
    assertProblem(await as(null, 'GET', `/v1/admin/products/${p.id}/images`), 401);
  } finally {
    sql(`DELETE FROM products WHERE id = ${p.id}`);
  }
});

test('503: no S3_BUCKET, and S3 unreachable at confirm', async () => {
  const off = await startServer({ S3_BUCKET: undefined });
  extra.push(off);
  let res = await presign(product.id, undefined, { base: off.base });
  assertProblem(res, 503, 'service-unavailable');
  assert.match(res.body.detail, /S3_BUCKET/);
  assertProblem(await confirm(product.id, { upload_id: 1, alt: 'x' }, { base: off.base }), 503, 'service-unavailable');

  const port = await freePort(); // nothing listens there
  const down = await startServer({ S3_ENDPOINT: `http://127.0.0.1:${port}` });
  extra.push(down);
  const up = await presign(product.id, undefined, { base: down.base });
  assert.equal(up.status, 201, up.text); // presigning needs no network
  assert.ok(up.body.url.startsWith(`http://127.0.0.1:${port}/${S3_BUCKET}/`));
  res = await confirm(product.id, { upload_id: up.body.upload_id, alt: 'x' }, { base: down.base });
  assertProblem(res, 503, 'service-unavailable');
  assert.equal(sql(`SELECT confirmed_at IS NULL FROM image_uploads WHERE id = ${up.body.upload_id}`), 't');
});
