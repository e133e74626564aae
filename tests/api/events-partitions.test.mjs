// events-partitions.test.mjs — partition upkeep at start-up: the server creates the UTC
// day partitions its timestamp window can reach (today − EVENTS_MAX_AGE_DAYS … today + 3)
// and drops those older than EVENTS_RETENTION_DAYS, before it listens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventsWorld } from './lib/events.mjs';
import { sql } from './lib/orders.mjs';

const DAY = 86400000;
const partition = (t) => `events_p${new Date(t).toISOString().slice(0, 10).replaceAll('-', '')}`;
const exists = (name) => sql(`SELECT to_regclass('${name}') IS NOT NULL`) === 't';

test('start-up creates the window\'s partitions and drops those past retention', async () => {
  const now = Date.now();
  const old = partition(now - 40 * DAY);
  const day = new Date(now - 40 * DAY).toISOString().slice(0, 10);
  sql(`SELECT events_partitions_ensure('${day}', '${day}')`);
  assert.ok(exists(old));
  const w = await eventsWorld('EventsParts', { EVENTS_RETENTION_DAYS: '30', EVENTS_MAX_AGE_DAYS: '10' });
  try {
    assert.ok(!exists(old), `${old} is older than EVENTS_RETENTION_DAYS and should be gone`);
    for (let d = -10; d <= 3; d++) assert.ok(exists(partition(now + d * DAY)), `${partition(now + d * DAY)} is missing`);
  } finally {
    await w.stop();
  }
});
