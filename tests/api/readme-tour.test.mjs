// readme-tour.test.mjs — runs the README's "From an empty cart to a paid order" block,
// verbatim, against the shared test server and cognito-local.
//
// Why: the README is the first thing a new user reads; a tour that drifted from the API
// would fail them on their first try. The block is taken from between the
// `<!-- tour:begin -->` / `<!-- tour:end -->` markers and run with bash -euo pipefail in
// a scratch folder whose .local/run.env holds what `make run` writes there.
// Runs alone (RUN_SERIAL): it uses the demo shopper's cart, as carts.test.mjs does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTour } from './lib/readme.mjs';

test('the README tour takes the demo shopper from a cart to a paid order', (t) => {
  const { stdout, out } = runTour(t, 'tour');
  assert.match(stdout, /^HTTP\/1\.1 201/m, out);
  assert.match(stdout, /^idempotent-replayed: true/mi, out);
  assert.match(stdout, /"discount": \{\s*"amount": [1-9]/, out);
  const number = stdout.match(/"number": "(SF-[0-9-]+)"/);
  assert.ok(number, out);
  // The order as the shopper sees it at the end: paid, with the history
  // pending_payment -> paid by staff.
  const block = stdout.slice(stdout.lastIndexOf('{\n  "status"'));
  const last = JSON.parse(block.slice(0, block.indexOf('\n}\n') + 2));
  assert.equal(last.status, 'paid', out);
  assert.deepEqual(last.history.map((h) => [h.to_status, h.actor]),
    [['pending_payment', 'customer'], ['paid', 'staff']], out);
  // The clickstream step: one event stored, the bad one refused by index; the funnel
  // answers (its rollups may not have the new session yet).
  assert.match(stdout, /^\{"accepted":1,"rejected":\[\{"index":1,"errors":\[\{"field":"event_id"/m, out);
  assert.match(stdout, /^\[\{"event_type":"product_view","sessions":\d+\}/m, out);
});
