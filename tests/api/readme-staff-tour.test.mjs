// readme-staff-tour.test.mjs — runs the README's "Running the shop" block, verbatim,
// against the shared test server, cognito-local and s3rver.
//
// Why: issue #11's definition of done is this tour: a staff member creates a brand, a
// category and a product with a variant, uploads its image through the presigned URL,
// adjusts its stock; a shopper finds it in search, reviews it after buying it and saves
// another product to their wishlist. The block is taken from between the
// `<!-- staff-tour:begin -->` / `<!-- staff-tour:end -->` markers and run with
// bash -euo pipefail in a scratch folder whose .local/run.env holds what `make run`
// writes there. Runs alone (RUN_SERIAL): it adds a public product and uses the demo
// shopper's cart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonAround, runTour } from './lib/readme.mjs';

test('the README staff tour: back office to search, a verified review and a wishlist', (t) => {
  const { stdout, out } = runTour(t, 'staff-tour');
  // 1. The product, created with its variant (no stock yet).
  const product = jsonAround(stdout, '"revision"');
  assert.match(product.slug, /^quokka-felt-desk-mat-\d+$/, out);
  assert.equal(product.variants.length, 1, out);
  assert.equal(product.variants[0].stock, 0, out);
  // 2. The presigned PUT reached S3, and the confirmed image is public.
  assert.match(stdout, /^PUT to S3: 200$/m, out);
  const image = jsonAround(stdout, '"alt": "Grey felt desk mat"');
  assert.match(image.url, /\/products\/\d+\/[0-9a-f]+\.png$/, out);
  // 3. The adjustment is in the ledger: +25 from 0.
  const movement = jsonAround(stdout, '"note": "first delivery"');
  assert.deepEqual([movement.delta, movement.stock_after, movement.reason], [25, 25, 'adjustment'], out);
  // 4. Search finds it, in stock, and the page shows the uploaded image.
  assert.ok(stdout.includes(`"slug": "${product.slug}",\n    "in_stock": true`), out);
  const page = jsonAround(stdout, '"image": "');
  assert.equal(page.image, image.url, out);
  // 5. Paid, then reviewed as a verified purchase; the rating counts it.
  assert.match(stdout, /^\{"number":"SF-[0-9-]+","status":"paid"\}$/m, out);
  const review = jsonAround(stdout, '"verified_purchase"');
  assert.deepEqual([review.rating, review.verified_purchase], [5, true], out);
  assert.match(stdout, /^\{"average":5(\.0)?,"count":1\}$/m, out);
  // 6. The wishlist answered 204 and lists the saved product.
  assert.match(stdout, /^wishlist: 204$/m, out);
  assert.match(stdout, /^\[\{"slug":"[a-z0-9-]+","in_stock":(true|false)\}/m, out);
});
