import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import halves from '../../../scripts/test-halves.json';

/* `npm run test:all` (scripts/test-tiers.mjs) splits the suites into two jest processes by this list. */
const E2E = join(__dirname, '..', '..', 'e2e');

it('names only browser suites that exist, so a renamed suite is not silently moved to the other half', () => {
  const missing = halves.longBrowserSuites.filter((name) => !existsSync(join(E2E, `${name}.test.ts`)));
  expect(missing).toEqual([]);
});

it('leaves browser suites to the second half as well, so neither half runs every browser suite', () => {
  const all = readdirSync(E2E).filter((f) => f.endsWith('.test.ts'));
  expect(halves.longBrowserSuites.length).toBeLessThan(all.length);
  expect(new Set(halves.longBrowserSuites).size).toBe(halves.longBrowserSuites.length);
});
