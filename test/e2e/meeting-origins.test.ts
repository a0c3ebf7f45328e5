/**
 * The local app under either loopback name: config.json gives the socket as a path, so a page opened at
 * http://127.0.0.1:PORT connects to ws://127.0.0.1:PORT (what its CSP allows) and one at localhost to localhost.
 * And a socket that cannot connect says why on the page at once, rather than after a 20 s timeout.
 */
import { waitUntil } from '../support/browser';
import { joinRoom, openPanel, openPerson, startStack, waitForTiles, type Person, type Stack } from './meeting-helpers';

jest.setTimeout(180_000);

let stack: Stack;
let byIp: string;
let byName: string;

beforeAll(async () => {
  stack = await startStack();
  const port = new URL(stack.cloud.url).port;
  byIp = `http://127.0.0.1:${port}`;
  byName = `http://localhost:${port}`;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

/** `joinRoom` for a person whose page is at `origin` (the helper opens the room on the stack's own URL). */
async function joinAt(person: Person, origin: string, roomId: string) {
  await person.page.goto(`${origin}/r/${roomId}`);
  await joinRoom(person, stack, roomId);
}

test('a meeting opened at 127.0.0.1 works, together with someone at localhost', async () => {
  const ana = await openPerson(stack, 'Ana');
  const bob = await openPerson(stack, 'Bob');
  await ana.page.goto(byIp);
  await ana.page.fill('[data-testid=home-name]', ana.name);
  await ana.page.click('[data-testid=create-room]');
  await ana.page.waitForURL(/\/r\/[0-9a-z-]{19}$/, { timeout: 30_000 });
  const roomId = new URL(ana.page.url()).pathname.split('/').pop()!;
  expect(new URL(ana.page.url()).origin).toBe(byIp);

  await joinAt(ana, byIp, roomId);
  await joinAt(bob, byName, roomId);
  await waitForTiles(ana.page, 2);
  await waitForTiles(bob.page, 2);

  // Both are guests: the roster says so next to each name, so a look-alike name cannot pass for an account holder.
  await openPanel(ana.page, 'people');
  await waitUntil('both people listed as guests', async () => {
    const rows = await ana.page.$$eval('[data-testid=participant]', (els) =>
      els.map((e) => ({
        name: e.querySelector('.person-name')?.textContent ?? '',
        badge: e.querySelector('[data-testid=account-badge]')?.textContent ?? '',
      })),
    );
    return (
      rows.length === 2 &&
      rows.some((r) => r.name === 'Ana (you)' && r.badge === 'Guest') &&
      rows.some((r) => r.name === 'Bob' && r.badge === 'Guest')
    );
  });
  expect(ana.errors).toEqual([]);
  expect(ana.logs.filter((l) => /Content Security Policy/i.test(l))).toEqual([]);
  await Promise.all([ana.page.context().close(), bob.page.context().close()]);
});

test('a socket the page may not open is explained at once on the page', async () => {
  const cy = await openPerson(stack, 'Cy');
  // An old-style config naming localhost while the page is at 127.0.0.1: the CSP blocks the socket.
  const port = Number(new URL(byName).port);
  await cy.page.route('**/config.json', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({
        apiBase: '/api',
        wsUrl: `ws://localhost:${port}/peerjs`,
        peer: { host: 'localhost', port, path: '/', secure: false, key: 'peerjs' },
      }),
    }),
  );
  await cy.page.goto(byIp);
  await cy.page.fill('[data-testid=home-name]', cy.name);
  await cy.page.click('[data-testid=create-room]');
  await cy.page.waitForURL(/\/r\/[0-9a-z-]{19}$/, { timeout: 30_000 });
  await cy.page.fill('[data-testid=prejoin-name]', cy.name);
  await cy.page.click('[data-testid=join]');
  const explained = cy.page.getByText(`Open the app at http://localhost:${port} instead.`);
  await explained.waitFor({ state: 'visible', timeout: 15_000 }).catch(async (err) => {
    throw new Error(`Page: ${await cy.page.locator('body').innerText()}\nConsole: ${cy.logs.join('\n')}`, {
      cause: err,
    });
  });
  expect(await explained.innerText()).toContain(`this page is open at 127.0.0.1:${port}`);
  await cy.page.context().close();
});
