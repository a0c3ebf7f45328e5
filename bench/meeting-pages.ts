/** The steps the browser benches share to put pages into one meeting through the UI, as a person would. */
import type { Page } from 'playwright-core';

/** From the home page: signs in as a guest named `name`, creates a room, joins it; returns the room's address. */
export async function hostMeeting(host: Page, cloudUrl: string, name = 'Host'): Promise<string> {
  await host.goto(cloudUrl);
  await host.fill('[data-testid=home-name]', name);
  await host.click('[data-testid=create-room]');
  await host.waitForURL(/\/r\//);
  const roomUrl = host.url();
  await host.click('[data-testid=join]');
  await host.waitForSelector('[data-testid=meeting]');
  return roomUrl;
}

/** Opens the room's pre-join page, types the name, joins, and waits for the meeting view. */
export async function joinMeeting(page: Page, roomUrl: string, name: string): Promise<void> {
  await page.goto(roomUrl, { timeout: 90_000 });
  await page.fill('[data-testid=prejoin-name]', name);
  await page.click('[data-testid=join]');
  await page.waitForSelector('[data-testid=meeting]', { timeout: 60_000 });
}
