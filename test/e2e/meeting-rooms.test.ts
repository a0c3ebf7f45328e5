/**
 * Rooms, chat and host controls in real browsers through the local stack: passwords, the lobby, removal, ending
 * the meeting, chat history for late joiners, and hostile names and messages staying inert text.
 */
import type { Page } from 'playwright-core';
import { waitUntil } from '../support/browser';
import {
  clickJoin,
  createRoom,
  joinRoom,
  openPanel,
  openPerson,
  startStack,
  tileNames,
  waitForTiles,
  type Stack,
} from './meeting-helpers';

jest.setTimeout(180_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function closePages(...pages: Page[]) {
  await Promise.all(pages.map((p) => p.context().close()));
}

async function sendChat(page: Page, text: string) {
  await openPanel(page, 'chat');
  await page.fill('[data-testid=chat-input]', text);
  await page.click('[data-testid=chat-send]');
}

async function chatTexts(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid=chat-text]', (els) => els.map((e) => e.textContent ?? ''));
}

async function waitForChat(page: Page, expected: string[]) {
  await openPanel(page, 'chat');
  await waitUntil(`chat to show ${JSON.stringify(expected)}`, async () => {
    const texts = await chatTexts(page);
    return expected.every((t) => texts.includes(t));
  });
}

test('chat reaches everyone, and a late joiner sees the history', async () => {
  const ana = await openPerson(stack, 'Ana');
  const bob = await openPerson(stack, 'Bob');
  const roomId = await createRoom(ana, stack);
  await joinRoom(ana, stack, roomId);
  await joinRoom(bob, stack, roomId);
  await waitForTiles(ana.page, 2);

  await sendChat(ana.page, 'hello from Ana');
  await waitForChat(bob.page, ['hello from Ana']);
  await sendChat(bob.page, 'hi Ana\nsecond line');
  await waitForChat(ana.page, ['hello from Ana', 'hi Ana\nsecond line']);

  const cleo = await openPerson(stack, 'Cleo');
  await joinRoom(cleo, stack, roomId);
  await waitForChat(cleo.page, ['hello from Ana', 'hi Ana\nsecond line']);
  const authors = await cleo.page.$$eval('[data-testid=chat-author]', (els) => els.map((e) => e.textContent));
  expect(authors).toEqual(['Ana', 'Bob']);
  await closePages(ana.page, bob.page, cleo.page);
});

test('HTML and script in display names and chat stay inert text', async () => {
  const evilName = '<img src=x onerror=window.__pwned=1>';
  const evilChat = '<script>window.__pwned=2</script><b>bold</b><img src=x onerror="window.__pwned=3">';
  const ana = await openPerson(stack, 'Ana');
  const eve = await openPerson(stack, evilName);
  const roomId = await createRoom(ana, stack);
  await joinRoom(ana, stack, roomId);
  await joinRoom(eve, stack, roomId);
  await waitForTiles(ana.page, 2);
  await sendChat(eve.page, evilChat);
  await waitForChat(ana.page, [evilChat]);
  await openPanel(ana.page, 'people');

  expect(await tileNames(ana.page)).toContain(evilName);
  const people = await ana.page.$$eval('[data-testid=participant] .person-name', (els) =>
    els.map((e) => e.textContent),
  );
  expect(people).toContain(evilName);
  for (const page of [ana.page, eve.page]) {
    const injected = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
      // Any element the strings could have produced, anywhere in the app (the effects picker's own thumbnails are
      // images too, so an image counts when it carries the injected source).
      elements: document.querySelectorAll('#app img[src="x"], #app img[onerror], #app script, #app b').length,
    }));
    expect(injected).toEqual({ pwned: null, elements: 0 });
  }
  await closePages(ana.page, eve.page);
});

test('a guest joins a password room only with the right password', async () => {
  const host = await openPerson(stack, 'Host');
  const guest = await openPerson(stack, 'Guest');
  const roomId = await createRoom(host, stack, { password: 'correct horse' });
  await joinRoom(host, stack, roomId);

  // Without a password the page asks for one.
  await clickJoin(guest, stack, roomId);
  await guest.page.locator('[data-testid=prejoin-password]').waitFor({ state: 'visible' });
  await waitUntil('password error', async () => /password/i.test(await guest.page.innerText('[data-testid=error]')));
  // A wrong one is refused with a clear message.
  await guest.page.fill('[data-testid=prejoin-password]', 'wrong horse');
  await guest.page.click('[data-testid=join]');
  await waitUntil('wrong-password error', async () => /wrong/i.test(await guest.page.innerText('[data-testid=error]')));
  expect(await guest.page.locator('[data-testid=meeting]').count()).toBe(0);

  await guest.page.fill('[data-testid=prejoin-password]', 'correct horse');
  await guest.page.click('[data-testid=join]');
  await guest.page.waitForSelector('[data-testid=meeting]', { timeout: 30_000 });
  await waitForTiles(host.page, 2);
  await closePages(host.page, guest.page);
});

test('lobby: the host hears a knock, admits one person and denies another', async () => {
  const host = await openPerson(stack, 'Host');
  const ana = await openPerson(stack, 'Ana');
  const mal = await openPerson(stack, 'Mal');
  const roomId = await createRoom(host, stack, { lobby: true });
  await joinRoom(host, stack, roomId);

  await clickJoin(ana, stack, roomId);
  await ana.page.locator('[data-testid=lobby-wait]').waitFor();
  await host.page.locator('[data-testid=lobby-badge]').waitFor({ state: 'visible' });
  expect(await host.page.innerText('[data-testid=lobby-badge]')).toBe('1');
  await openPanel(host.page, 'people');
  await host.page.locator('[data-testid=lobby-entry]', { hasText: 'Ana' }).locator('[data-testid=admit]').click();
  await ana.page.waitForSelector('[data-testid=meeting]', { timeout: 30_000 });
  await waitForTiles(host.page, 2);
  await host.page.locator('[data-testid=lobby-badge]').waitFor({ state: 'hidden' });

  await clickJoin(mal, stack, roomId);
  await mal.page.locator('[data-testid=lobby-wait]').waitFor();
  await host.page.locator('[data-testid=lobby-entry]', { hasText: 'Mal' }).locator('[data-testid=deny]').click();
  await mal.page.locator('[data-testid=ended][data-reason=denied]').waitFor({ timeout: 15_000 });
  expect(await mal.page.locator('[data-testid=rejoin]').count()).toBe(0);
  expect((await tileNames(host.page)).sort()).toEqual(['Ana', 'Host (you)']);
  await closePages(host.page, ana.page, mal.page);
});

test('the host removes a participant, who is told why and cannot rejoin', async () => {
  const host = await openPerson(stack, 'Host');
  const bob = await openPerson(stack, 'Bob');
  const roomId = await createRoom(host, stack);
  await joinRoom(host, stack, roomId);
  await joinRoom(bob, stack, roomId);
  await waitForTiles(host.page, 2);

  await openPanel(host.page, 'people');
  await host.page.locator('[data-testid=participant]', { hasText: 'Bob' }).locator('[data-testid=remove]').click();
  await bob.page.locator('[data-testid=ended][data-reason=removed]').waitFor({ timeout: 15_000 });
  expect(await bob.page.innerText('[data-testid=ended-detail]')).toMatch(/Host removed you/);
  await waitForTiles(host.page, 1);

  // Trying again with the link is refused with the reason.
  await bob.page.goto(`${stack.cloud.url}/r/${roomId}`);
  await clickJoin(bob, stack, roomId);
  await waitUntil('removed error', async () => /removed/i.test(await bob.page.innerText('[data-testid=error]')));
  expect(await bob.page.locator('[data-testid=meeting]').count()).toBe(0);
  await closePages(host.page, bob.page);
});

test('mute all sets every other mic off, shown on the tiles; ask to unmute reaches the person', async () => {
  const host = await openPerson(stack, 'Host');
  const bob = await openPerson(stack, 'Bob');
  const roomId = await createRoom(host, stack);
  await joinRoom(host, stack, roomId);
  await joinRoom(bob, stack, roomId);
  await waitForTiles(host.page, 2);
  const bobTileOnHost = host.page.locator('[data-testid=tile]', { hasText: 'Bob' });
  await waitUntil('Bob shown unmuted', async () => (await bobTileOnHost.getAttribute('data-mic')) === 'true');

  await openPanel(host.page, 'people');
  await host.page.click('[data-testid=mute-all]');
  await waitUntil('Bob shown muted', async () => (await bobTileOnHost.getAttribute('data-mic')) === 'false');
  await waitUntil(
    'Bob sees himself muted',
    async () => (await bob.page.innerText('[data-testid=toggle-mic]')) === 'Unmute',
  );
  expect(await host.page.innerText('[data-testid=toggle-mic]')).toBe('Mute');

  // Muting again never toggles him back on.
  await host.page.click('[data-testid=mute-all]');
  await host.page.locator('[data-testid=participant]', { hasText: 'Bob' }).locator('[data-testid=ask-unmute]').click();
  await bob.page.locator('[data-testid=accept-unmute]').click();
  await waitUntil('Bob shown unmuted again', async () => (await bobTileOnHost.getAttribute('data-mic')) === 'true');

  // The "m" shortcut mutes him (and is ignored while he types in the chat box).
  await openPanel(bob.page, 'chat');
  await bob.page.focus('[data-testid=chat-input]');
  await bob.page.keyboard.press('m');
  expect(await bob.page.inputValue('[data-testid=chat-input]')).toBe('m');
  expect(await bob.page.innerText('[data-testid=toggle-mic]')).toBe('Mute');
  await bob.page.fill('[data-testid=chat-input]', '');
  await bob.page.locator('[data-testid=chat-input]').blur();
  await bob.page.keyboard.press('m');
  await waitUntil('Bob muted by shortcut', async () => (await bobTileOnHost.getAttribute('data-mic')) === 'false');
  await closePages(host.page, bob.page);
});

test('the host ends the meeting for everyone, and the room cannot be joined again', async () => {
  const host = await openPerson(stack, 'Host');
  const bob = await openPerson(stack, 'Bob');
  const roomId = await createRoom(host, stack);
  await joinRoom(host, stack, roomId);
  await joinRoom(bob, stack, roomId);
  await waitForTiles(host.page, 2);

  await openPanel(host.page, 'people');
  // Not next to Lock at the same weight: on its own line, and it only asks first.
  const lock = (await host.page.locator('[data-testid=lock]').boundingBox())!;
  const end = (await host.page.locator('[data-testid=end-all]').boundingBox())!;
  expect(end.y).toBeGreaterThanOrEqual(lock.y + lock.height);
  await host.page.click('[data-testid=end-all]');
  const dialog = host.page.locator('[data-testid=end-all-dialog]');
  await dialog.waitFor({ state: 'visible' });
  expect(await dialog.innerText()).toMatch(/End the meeting for everyone\?/);
  // Cancel (the focused choice) keeps the meeting going.
  await host.page.click('[data-testid=cancel-end-all]');
  await dialog.waitFor({ state: 'hidden' });
  expect(await bob.page.locator('[data-testid=meeting]').count()).toBe(1);
  await host.page.click('[data-testid=end-all]');
  await host.page.click('[data-testid=confirm-end-all]');
  await bob.page.locator('[data-testid=ended][data-reason=ended]').waitFor({ timeout: 15_000 });
  await host.page.locator('[data-testid=ended][data-reason=ended]').waitFor({ timeout: 15_000 });
  expect(await bob.page.innerText('[data-testid=ended-detail]')).toMatch(/ended the meeting/);

  const late = await openPerson(stack, 'Late');
  await clickJoin(late, stack, roomId);
  await waitUntil('ended error', async () => /ended/i.test(await late.page.innerText('[data-testid=error]')));
  await closePages(host.page, bob.page, late.page);
});
