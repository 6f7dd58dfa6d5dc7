import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../src/cli/recent-ids.js';

// The model: a Set of strings, forgotten whole when it holds `capacity` ids and a new one comes (as import did).
function modelAdd(model: Set<string>, capacity: number, id: string): boolean {
  if (model.has(id)) return false;
  if (model.size >= capacity) model.clear();
  model.add(id);
  return true;
}

const hexId = fc.stringMatching(/^[0-9a-f]{32}$/);
// Ids that collide on the first word (the slot) and differ later, the all-zero id, and ids that are not hex ids.
const nearIds = fc.constantFrom(
  `${'ab'.repeat(4)}${'0'.repeat(24)}`,
  `${'ab'.repeat(4)}${'0'.repeat(23)}1`,
  `${'ab'.repeat(4)}1${'0'.repeat(23)}`,
  '0'.repeat(32),
  'F'.repeat(32),
  'g'.repeat(32),
  'short',
  '',
  `${'a'.repeat(31)}`,
);

describe('RecentIds (the ids an import has sent)', () => {
  it('answers as a Set of strings that is forgotten when full would, for any ids and capacity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.oneof(hexId, nearIds), { maxLength: 80 }), (capacity, ids) => {
        const recent = new RecentIds(capacity);
        const model = new Set<string>();
        // Repeat the list so that ids come back, within and after the capacity.
        for (const id of [...ids, ...ids.slice().reverse(), ...ids]) {
          expect(recent.add(id), id).toBe(modelAdd(model, capacity, id));
          expect(recent.count).toBe(model.size);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('holds 100,000 hash ids in 4 MiB of table and finds each again', () => {
    const recent = new RecentIds(100_000);
    const ids = Array.from({ length: 100_000 }, (_, index) => (index * 2654435761 + 12345).toString(16).padStart(8, '0').repeat(4));
    for (const id of ids) expect(recent.add(id)).toBe(true);
    let again = 0;
    for (const id of ids) if (!recent.add(id)) again += 1;
    expect(again).toBe(ids.length);
    expect(recent.count).toBe(100_000);
  });
});
