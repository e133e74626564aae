// events-noloss.test.mjs — no accepted event is ever lost: concurrent clients send
// batches with known event ids to a server of our own, which gets SIGTERM mid-run; it
// must exit 0, and every event of every batch answered 2xx must be in the table.
// (Answers after SIGTERM may be 503 or a closed connection; only 2xx promises storage.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventsWorld, ev, storedCount } from './lib/events.mjs';

const CLIENTS = 16;
const BATCH = 25;

test('SIGTERM mid-run: the server exits 0 and every event answered 2xx is stored', async () => {
  const w = await eventsWorld('EventsStop', { EVENTS_RATE_BURST: '1000000' });
  const acked = [];
  let answered = 0;
  let stopping = false;
  let signalled;
  const signalAfter = new Promise((resolve) => { signalled = resolve; });
  const client = async () => {
    for (;;) {
      const batch = Array.from({ length: BATCH }, () => ev());
      let res;
      try {
        res = await w.post(batch);
      } catch {
        if (stopping) return; // the server closed the connection or stopped listening
        throw new Error('a request failed before SIGTERM');
      }
      assert.ok(res.status === 200 || (stopping && res.status === 503), `unexpected ${res.status} ${res.text}`);
      if (res.status === 200) {
        assert.equal(res.body.accepted, BATCH);
        acked.push(...batch.map((e) => e.event_id));
      }
      if (++answered === CLIENTS * 4) signalled();
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  await signalAfter; // every client is mid-flight: some batch is queued or flushing now
  stopping = true;
  w.srv.child.kill('SIGTERM');
  await Promise.all(clients);
  const { code, signal } = await w.srv.exited;
  assert.equal(signal, null, w.srv.output());
  assert.equal(code, 0, w.srv.output());
  assert.ok(acked.length >= CLIENTS * 2 * BATCH);
  for (let i = 0; i < acked.length; i += 1000) {
    const ids = acked.slice(i, i + 1000);
    assert.equal(storedCount(ids), ids.length, 'an acknowledged event is missing');
  }
  await w.stop().catch(() => {});
});
