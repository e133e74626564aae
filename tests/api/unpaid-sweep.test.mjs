// unpaid-sweep.test.mjs — the background sweeper cancels `manual` orders left
// pending_payment past UNPAID_ORDER_TTL_SECONDS (stock returns, history actor system)
// and never touches `cod` orders. Runs on a server of its own with a 1 s TTL and a 1 s
// interval. That sweeper sees the whole shared test database, so ctest runs this file
// alone (RUN_SERIAL in tests/node.cmake): it would cancel other suites' orders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderWorld, sql, stockOf } from './lib/orders.mjs';

test('the sweeper cancels manual orders left unpaid and returns their stock; cod orders stay', async () => {
  const s = await orderWorld('Sweeper1', { UNPAID_ORDER_TTL_SECONDS: '1', UNPAID_SWEEP_INTERVAL_SECONDS: '1' }, 2);
  try {
    const staff = s.staff();
    const start = stockOf(s.variant.id);
    const manual = await s.place('manual', s.person(), 2);
    const cod = await s.place('cod', s.person(), 1);
    assert.equal(stockOf(s.variant.id), start - 3);
    let o;
    for (let i = 0; i < 60; i++) {
      o = (await s.send('GET', `/v1/admin/orders/${manual.number}`, { token: staff })).body;
      if (o.status === 'cancelled') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(o.status, 'cancelled');
    assert.deepEqual([o.history.at(-1).from_status, o.history.at(-1).actor], ['pending_payment', 'system']);
    assert.equal(stockOf(s.variant.id), start - 1);
    // The returned stock is in the inventory ledger as 'expired' (docs/inventory.md).
    assert.equal(sql(`SELECT reason || ' ' || delta FROM stock_movements
      WHERE variant_id = ${s.variant.id} AND reason IN ('expired', 'cancel') ORDER BY id DESC LIMIT 1`), 'expired 2');
    const c = (await s.send('GET', `/v1/admin/orders/${cod.number}`, { token: staff })).body;
    assert.equal(c.status, 'pending_payment', 'cod orders are paid on delivery, never swept');
    await s.send('POST', `/v1/admin/orders/${cod.number}/transitions`, { token: staff, body: { action: 'cancel' } });
  } finally {
    await s.stop();
  }
});
