/**
 * Automated accessibility check: axe-core (the engine behind Lighthouse's accessibility audit) runs inside Debian
 * Chromium on every page a person meets, and any WCAG 2.0/2.1 level A or AA violation fails the test — contrast,
 * form labels, names of buttons and links, focusable controls, landmarks. It guards what issue #11 fixed by hand
 * (the 3.9:1 white-on-blue buttons) from coming back. Pages are checked in the states people use them in: the
 * meeting with chat and people panels open and a chat line in it, the recordings page with a recording open.
 */
import { readFileSync } from 'node:fs';
import { axeViolations } from '../support/axe';
import { waitUntil } from '../support/browser';
import { textRenamedMp4 } from '../support/media-fixtures';
import { createRoom, joinRoom, openPanel, openPerson, startStack, waitForTiles, type Stack } from './meeting-helpers';

jest.setTimeout(240_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('WCAG 2 A/AA (axe-core) on every page', () => {
  it('the check itself finds what it guards: a nameless button, an unlabelled field, grey-on-white text', async () => {
    const { page } = await openPerson(stack, 'Ana');
    await page.goto(stack.cloud.url);
    await page.waitForSelector('[data-testid=create-room]');
    await page.evaluate(() => {
      const main = document.querySelector('main')!;
      main.append(document.createElement('button'), document.createElement('input'));
      const faint = document.createElement('p');
      faint.textContent = 'Faint words';
      faint.style.color = '#aaaaaa';
      faint.style.background = '#ffffff';
      main.append(faint);
    });
    const rules = (await axeViolations(page)).map((v) => v.rule);
    expect(rules).toEqual(expect.arrayContaining(['button-name', 'label', 'color-contrast']));
  });

  it('home page', async () => {
    const { page } = await openPerson(stack, 'Ana');
    await page.goto(stack.cloud.url);
    await page.waitForSelector('[data-testid=create-room]');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('sign-in page', async () => {
    const { page } = await openPerson(stack, 'Ana');
    await page.goto(`${stack.cloud.url}/account/sign-in`);
    await page.waitForSelector('form');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('pre-join, and the meeting with chat and people open, for the host and a guest', async () => {
    const host = await openPerson(stack, 'Hana');
    const roomId = await createRoom(host, stack, { meetingName: 'Accessible stand-up' });
    const guest = await openPerson(stack, 'Gus');
    await guest.page.goto(`${stack.cloud.url}/r/${roomId}`);
    await guest.page.waitForSelector('[data-testid=join]');
    expect(await axeViolations(guest.page)).toEqual([]);

    await joinRoom(host, stack, roomId);
    await joinRoom(guest, stack, roomId);
    await waitForTiles(host.page, 2);
    await waitForTiles(guest.page, 2);
    for (const person of [host, guest]) {
      await openPanel(person.page, 'chat');
      await openPanel(person.page, 'people');
    }
    await guest.page.fill('[data-testid=chat-input]', 'Hello, see https://example.com/agenda');
    await guest.page.click('[data-testid=chat-send]');
    await waitUntil('the chat line on the host page', async () =>
      /agenda/.test((await host.page.textContent('[data-testid=chat-panel]')) ?? ''),
    );
    expect(await axeViolations(host.page)).toEqual([]);
    expect(await axeViolations(guest.page)).toEqual([]);

    // Polls: the host's form to create one, then the open poll as the guest sees it (choices, Vote).
    await host.page.click('[data-testid=toggle-polls]');
    await host.page.locator('[data-testid=polls-panel]').waitFor({ state: 'visible' });
    expect(await axeViolations(host.page)).toEqual([]);
    await host.page.fill('[data-testid=poll-question-input]', 'Lunch?');
    await host.page.locator('[data-testid=poll-option-input]').nth(0).fill('Soup');
    await host.page.locator('[data-testid=poll-option-input]').nth(1).fill('Salad');
    await host.page.click('[data-testid=poll-start]');
    await guest.page.click('[data-testid=toggle-polls]');
    await guest.page.locator('[data-testid=poll-choice]').first().waitFor();
    expect(await axeViolations(guest.page)).toEqual([]);
  });

  it('the meeting on a phone (portrait), panels and controls as they show there', async () => {
    const host = await openPerson(stack, 'Pia', { width: 390, height: 844 }, { touch: true });
    const roomId = await createRoom(host, stack);
    await joinRoom(host, stack, roomId);
    await waitForTiles(host.page, 1);
    expect(await axeViolations(host.page)).toEqual([]);
    await openPanel(host.page, 'people');
    expect(await axeViolations(host.page)).toEqual([]);
  });

  it('recordings page with a recording open (rename and delete controls included)', async () => {
    const { page } = await openPerson(stack, 'Rita');
    await page.goto(`${stack.cloud.url}/recordings`);
    await page.waitForSelector('[data-testid=recordings-name]');
    // Before signing in the page asks for a name.
    expect(await axeViolations(page)).toEqual([]);
    await page.fill('[data-testid=recordings-name]', 'Rita');
    await page.click('[data-testid=recordings-sign-in]');
    await page.waitForSelector('[data-testid=upload-file]');
    const fake = await textRenamedMp4();
    await page.setInputFiles('[data-testid=upload-file]', {
      name: fake.fileName,
      mimeType: 'video/mp4',
      buffer: readFileSync(fake.path),
    });
    await page.click('[data-testid=upload-start]');
    // The transcoder refuses a text file quickly: a failed recording still has every control the detail shows.
    await page.waitForSelector('[data-testid=recordings-list] li[data-status=failed]', { timeout: 120_000 });
    await page.click('[data-testid=recording-open]');
    await page.waitForSelector('[data-testid=rename-input]');
    await page.click('[data-testid=delete-start]');
    await page.waitForSelector('[data-testid=delete-question]:visible');
    expect(await axeViolations(page)).toEqual([]);
  });
});
