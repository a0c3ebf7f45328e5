/**
 * Email accounts in Chromium against the local cloud (SES stand-in included): sign up, read the mail in the local
 * inbox, verify, sign in on a second page, forget the password, reset it from the mailed link, and find the first
 * page signed out; upload a profile picture that another participant then sees on the tile with the camera off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { startLocalCloud, type LocalCloud } from '../../local/cloud';
import { LOCAL_INBOX_PATH } from '../../local/names';
import { CHANGE_PASSWORD_PAGE_PATH } from '../../functions/shared/protocol/accounts';
import { launchBrowser, waitUntil, type TestBrowser } from '../support/browser';

describe('email accounts from sign-up to password reset', () => {
  let cloud: LocalCloud;
  let browser: TestBrowser;
  const dataDir = mkdtempSync(join(tmpdir(), 'cn-e2e-accounts-'));
  const email = `ada.${Date.now()}@example.com`;
  const first = 'correct horse battery staple';
  const second = 'violet tangerine lighthouse orbit';
  const changedAddress = `ada.new.${Date.now()}@example.com`;
  // Signed in with the changed address; the next case goes on from it.
  let accountPage: Page;

  beforeAll(async () => {
    // One person signs in here a dozen times within minutes from one address; the sign-in limits themselves (per
    // viewer address and per account) are proven by the integration tests, so here they are out of the way.
    process.env.LIMITS_JSON = JSON.stringify({
      signIn: { max: 1000, windowSeconds: 60 },
      passwordSignIn: { max: 1000, windowSeconds: 900 },
    });
    cloud = await startLocalCloud({ port: 0, dataDir, quiet: true, worker: false });
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Opens the local inbox and follows the link of the newest mail to `email` whose subject matches. */
  async function followMailLink(page: Page, subject: RegExp, to = email): Promise<void> {
    await page.goto(`${cloud.url}${LOCAL_INBOX_PATH}`);
    const mail = page.getByTestId('mail').filter({ hasText: to }).filter({ hasText: subject }).first();
    await mail.waitFor();
    await mail.locator('a').first().click();
  }

  async function fill(page: Page, values: Record<string, string>) {
    for (const [name, value] of Object.entries(values)) await page.getByTestId(`account-${name}`).fill(value);
    await page.getByTestId('account-submit').click();
  }

  const notice = (page: Page) => page.getByTestId('account-notice').textContent();
  const who = (page: Page) => page.getByTestId('account-who');

  async function signIn(page: Page, password: string, address = email) {
    await page.goto(`${cloud.url}/account/sign-in`);
    await fill(page, { email: address, password });
    await waitUntil('the account page to show the signed-in user', async () =>
      (await who(page).textContent())?.includes('Signed in as Ada'),
    );
  }

  it('signs up, verifies by mail, signs in twice, and a reset signs the other page out', async () => {
    const firstPage = await browser.newPage();
    await firstPage.goto(`${cloud.url}/`);
    await firstPage.getByTestId('email-signup').click();
    await fill(firstPage, { email, name: 'Ada', password: first });
    await waitUntil('the sign-up notice', async () => (await notice(firstPage))?.includes('We sent a mail'));

    // Not verified yet: refused, with the same words an unknown address gets.
    await firstPage.goto(`${cloud.url}/account/sign-in`);
    await fill(firstPage, { email, password: first });
    await waitUntil('the refusal', async () =>
      (await firstPage.getByTestId('error').textContent())?.includes('do not match'),
    );

    await followMailLink(firstPage, /Confirm your email/);
    await waitUntil('the confirmation', async () => (await notice(firstPage))?.includes('confirmed'));
    expect(new URL(firstPage.url()).hash).toBe(''); // the token left the address bar
    await signIn(firstPage, first);

    const secondPage = await browser.newPage();
    await signIn(secondPage, first);

    await secondPage.goto(`${cloud.url}/account/forgot`);
    await fill(secondPage, { email });
    await waitUntil('the reset notice', async () => (await notice(secondPage))?.includes('We sent a mail'));
    await followMailLink(secondPage, /Reset your Connect Now password/);
    await fill(secondPage, { password: second });
    await waitUntil('the password to be set', async () => (await notice(secondPage))?.includes('signed out'));

    await firstPage.reload();
    await waitUntil(
      'the first page to be signed out',
      async () => (await who(firstPage).getAttribute('data-state')) === 'signed-out',
    );
    await signIn(secondPage, second);
  }, 240_000);

  /** What a reload's session refresh answers on this page (the refresh cookie is HttpOnly: only the server knows). */
  const refreshAnswer = (page: Page) =>
    page.evaluate(async () => {
      const res = await fetch('/api/sessions/refresh', {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: '{}',
      });
      return { status: res.status, signedIn: ((await res.json()) as { signedIn?: boolean }).signedIn };
    });

  it('signs out from the home page and from inside a meeting; the session refresh then says signed out', async () => {
    const page = await browser.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, second);
    expect(await refreshAnswer(page)).toEqual({ status: 200, signedIn: true });

    await page.goto(`${cloud.url}/`);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-out').waitFor({ state: 'hidden' });
    expect(await refreshAnswer(page)).toEqual({ status: 200, signedIn: false });
    await page.goto(`${cloud.url}${CHANGE_PASSWORD_PAGE_PATH}`);
    await waitUntil(
      'the account page to say signed out',
      async () => (await who(page).getAttribute('data-state')) === 'signed-out',
    );

    // Inside a meeting: the button leaves the meeting, ends the session and goes home.
    await signIn(page, second);
    await page.goto(`${cloud.url}/`);
    // The home page fills the (required) name from the restored session: until then the form cannot submit.
    await waitUntil('the home page to know Ada', async () =>
      (await page.getByTestId('account-status').textContent())?.includes('Signed in as'),
    );
    await page.getByTestId('create-room').click();
    await page.waitForURL(/\/r\/[0-9a-z-]{19}$/, { timeout: 30_000 });
    await page.getByTestId('join').click();
    await page.getByTestId('meeting').waitFor({ timeout: 30_000 });
    await page.getByTestId('sign-out').click();
    await page.waitForURL(`${cloud.url}/`);
    expect(await refreshAnswer(page)).toEqual({ status: 200, signedIn: false });
    await page.reload();
    await page.getByTestId('create-room').waitFor();
    expect(await page.getByTestId('sign-out').isHidden()).toBe(true);
  }, 180_000);

  it('changes the email only after the new address follows its link, and the old address is told', async () => {
    const page = await browser.newPage();
    accountPage = page;
    await signIn(page, second);
    const newAddress = changedAddress;
    const form = page.getByTestId('change-email-form');
    await form.getByTestId('account-new-email').fill(newAddress);
    await form.getByTestId('account-email-password').fill(second);
    await form.getByTestId('account-submit').click();
    await waitUntil('the change-email notice', async () =>
      (await form.getByTestId('account-notice').textContent())?.includes('We sent a mail'),
    );

    await followMailLink(page, /Confirm your new email/, newAddress);
    await waitUntil('the new address to be confirmed', async () => (await notice(page))?.includes('confirmed'));
    expect(new URL(page.url()).hash).toBe('');

    await page.goto(`${cloud.url}${LOCAL_INBOX_PATH}`);
    await page
      .getByTestId('mail')
      .filter({ hasText: email })
      .filter({ hasText: /email was changed/ })
      .first()
      .waitFor();

    // The old address no longer signs in; the new one does.
    await page.goto(`${cloud.url}/account/sign-in`);
    await fill(page, { email, password: second });
    await waitUntil('the refusal', async () =>
      (await page.getByTestId('error').textContent())?.includes('do not match'),
    );
    await signIn(page, second, newAddress);
  }, 180_000);

  it('uploads a profile picture that another participant sees on the tile with the camera off, in the list and in chat', async () => {
    const page = accountPage;
    await page.goto(`${cloud.url}${CHANGE_PASSWORD_PAGE_PATH}`);
    await page.getByTestId('avatar-form').waitFor({ state: 'visible' });
    // A file that is no picture is refused on the page, in words that say what to choose.
    await page.getByTestId('avatar-file').setInputFiles({
      name: 'me.svg',
      mimeType: 'image/svg+xml',
      buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    });
    await waitUntil('the refusal', async () =>
      (await page.getByTestId('avatar-form').getByTestId('error').textContent())?.includes('JPEG, PNG or WebP'),
    );
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 220, g: 40, b: 40 } } })
      .png()
      .toBuffer();
    await page.getByTestId('avatar-file').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png });
    await page.getByTestId('avatar-preview').waitFor();
    await page.getByTestId('avatar-upload').click();
    await waitUntil('the picture to be saved', async () =>
      (await page.getByTestId('avatar-status').textContent())?.includes('saved'),
    );
    const avatarUrl = await page.getByTestId('profile-avatar-image').getAttribute('src');
    expect(avatarUrl).toMatch(/^\/avatars\/[0-9a-f-]{36}\/[A-Za-z0-9_-]+\.webp$/);

    // Ada opens a meeting and turns her camera off; Grace, a guest, joins.
    await page.goto(`${cloud.url}/`);
    // The home page fills the (required) name from the restored session: until then the form cannot submit.
    await waitUntil('the home page to know Ada', async () =>
      (await page.getByTestId('account-status').textContent())?.includes('Signed in as'),
    );
    await page.getByTestId('create-room').click();
    await page.waitForURL(/\/r\/[0-9a-z-]{19}$/, { timeout: 30_000 });
    const roomId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByTestId('join').click();
    await page.getByTestId('meeting').waitFor({ timeout: 30_000 });
    await page.click('[data-testid=toggle-cam]');
    const guest = await browser.newPage();
    await guest.goto(`${cloud.url}/r/${roomId}`);
    await guest.fill('[data-testid=prejoin-name]', 'Grace');
    await guest.click('[data-testid=join]');
    await guest.getByTestId('meeting').waitFor({ timeout: 30_000 });

    const adasTile = guest.locator('[data-testid=tile]:not(.self)');
    const tilePicture = adasTile.getByTestId('tile-avatar-image');
    await waitUntil(
      "Ada's tile to show her picture with the camera off",
      async () =>
        (await adasTile.count()) === 1 &&
        (await adasTile.getAttribute('class'))?.includes('video-off') === true &&
        (await tilePicture.count()) === 1 &&
        (await tilePicture.getAttribute('src')) === avatarUrl,
    );
    expect(await tilePicture.isVisible()).toBe(true);
    // Loaded from the gateway's /avatars/*: the re-encoded square, not the uploaded 400×300.
    await waitUntil('the picture to load', () => tilePicture.evaluate((img: HTMLImageElement) => img.complete));
    expect(await tilePicture.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([
      256, 256,
    ]);

    await guest.click('[data-testid=toggle-people]');
    const adaInList = guest.getByTestId('participant').filter({ hasText: 'Ada' });
    await waitUntil(
      'her picture in the participants list',
      async () => (await adaInList.getByTestId('person-avatar-image').getAttribute('src')) === avatarUrl,
    );

    await page.click('[data-testid=toggle-chat]');
    await page.getByTestId('chat-input').fill('hello with my picture');
    await page.getByTestId('chat-send').click();
    await guest.click('[data-testid=toggle-chat]');
    const line = guest.getByTestId('chat-item').filter({ hasText: 'hello with my picture' });
    await waitUntil(
      'her picture beside her chat message',
      async () =>
        (await line.count()) === 1 && (await line.getByTestId('chat-avatar-image').getAttribute('src')) === avatarUrl,
    );
    await guest.close();
    await page.goto(`${cloud.url}${CHANGE_PASSWORD_PAGE_PATH}`);
  }, 180_000);

  it('lists my room with its fixed link, keeps a changed setting, then deletes the account for good', async () => {
    const newest = accountPage;
    // A room made through the API the home page uses, with this browser's session.
    const roomId = await newest.evaluate(async () => {
      const session = (await (
        await fetch('/api/sessions/refresh', { method: 'POST', credentials: 'include' })
      ).json()) as {
        accessToken: string;
      };
      const created = await fetch('/api/rooms', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}` },
        body: JSON.stringify({ name: 'Weekly sync' }),
      });
      return ((await created.json()) as { roomId: string }).roomId;
    });
    await newest.goto(`${cloud.url}/account/rooms`);
    const card = newest.locator(`[data-room-id="${roomId}"]`);
    await card.waitFor();
    expect(await card.getByTestId('room-link').getAttribute('href')).toBe(`${cloud.url}/r/${roomId}`);
    // Each change saves, then the page lists the rooms again and redraws: wait for that list before the next one.
    const relisted = () =>
      newest.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith('/api/my/rooms'));
    await Promise.all([relisted(), card.getByTestId('room-lobby').check()]);
    await card.getByTestId('room-password').fill('open sesame');
    await Promise.all([relisted(), card.getByTestId('room-set-password').click()]);
    await waitUntil('the password to be set', async () =>
      (await newest.locator(`[data-room-id="${roomId}"]`).getByTestId('room-password-state').textContent())?.includes(
        'is set',
      ),
    );
    await newest.reload();
    const reloaded = newest.locator(`[data-room-id="${roomId}"]`);
    await reloaded.waitFor();
    expect(await reloaded.getByTestId('room-lobby').isChecked()).toBe(true);

    await newest.goto(`${cloud.url}/account/password`);
    const form = newest.getByTestId('delete-account-form');
    await form.waitFor({ state: 'visible' });
    await form.getByTestId('account-delete-confirm').fill(second);
    await form.getByTestId('account-submit').click();
    await waitUntil(
      'the account to be deleted',
      async () => (await who(newest).getAttribute('data-state')) === 'deleted',
    );
    // Every session ended with it: a fresh load of the account page finds nobody signed in.
    await newest.reload();
    await waitUntil(
      'the page to be signed out',
      async () => (await who(newest).getAttribute('data-state')) === 'signed-out',
    );
    const room = await newest.evaluate(async (id) => (await fetch(`/api/rooms/${id}`)).status, roomId);
    expect(room).toBe(404);
  }, 180_000);
});
