import { existsSync } from 'node:fs';
import { join } from 'node:path';
import halves from '../../../scripts/test-halves.json';

/* `npm run test:all` (scripts/test-tiers.mjs) runs these browser suites after the tiers, the others in its first half. */
const E2E = join(__dirname, '..', '..', 'e2e');

it('names only browser suites that exist, so a renamed suite is not silently moved to the other half', () => {
  const missing = halves.afterTiers.filter((name) => !existsSync(join(E2E, `${name}.test.ts`)));
  expect(missing).toEqual([]);
  expect(new Set(halves.afterTiers).size).toBe(halves.afterTiers.length);
});
