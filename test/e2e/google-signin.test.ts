/**
 * Google sign-in from the home page, in Chromium: the button starts the server's PKCE flow, a local OpenID provider
 * (standing in for Google, with its own keys) approves, and the page comes back signed in through the refresh
 * cookie, without the access token ever touching storage.
 */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloud, type LocalCloud } from '../../local/cloud';
import { launchBrowser, waitUntil, type TestBrowser } from '../support/browser';
import { startOidcProvider, type OidcProvider } from '../support/oidc-provider';

describe('Google sign-in from the home page', () => {
  let cloud: LocalCloud;
  let provider: OidcProvider;
  let browser: TestBrowser;
  const dataDir = mkdtempSync(join(tmpdir(), 'cn-e2e-google-'));
  const env = { ...process.env };
  const redirectUris: string[] = [];

  beforeAll(async () => {
    provider = await startOidcProvider({ redirectUris });
    process.env.GOOGLE_CLIENT_ID = provider.clientId;
    process.env.GOOGLE_ISSUER = provider.issuer;
    cloud = await startLocalCloud({ port: 0, dataDir, quiet: true, worker: false });
    redirectUris.push(`${cloud.url}/api/auth/google/callback`);
    // Where CDK puts it in AWS: a Secrets Manager secret named by GOOGLE_CLIENT_SECRET_ARN.
    const secrets = new SecretsManagerClient({});
    const created = await secrets.send(
      new CreateSecretCommand({ Name: 'google-client-secret-e2e', SecretString: provider.clientSecret }),
    );
    secrets.destroy();
    process.env.GOOGLE_CLIENT_SECRET_ARN = created.ARN;
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    await provider?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.env = env;
  });

  it('signs in with the provider and shows the account, with nothing stored in localStorage', async () => {
    const page = await browser.newPage();
    await page.goto(cloud.url);
    const name = provider.user.name ?? 'Test User';
    await page.getByTestId('google-signin').click();
    await waitUntil('the home page to show the Google account', async () =>
      (await page.getByTestId('account-status').textContent())?.includes(name),
    );
    expect(await page.getByTestId('home-name').inputValue()).toBe(name);
    expect(await page.getByTestId('google-signin').isHidden()).toBe(true);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(stored).not.toMatch(/eyJ/); // no JWT of any kind
    // The code was redeemed once, with a PKCE verifier matching the challenge (the provider checks it).
    expect(provider.tokenRequests.map((r) => r.outcome)).toEqual(['issued']);
  }, 120_000);

  it('shows a clear message when the person cancels at the provider', async () => {
    const page = await browser.newPage();
    await page.goto(`${cloud.url}/?signin_error=google-cancelled`);
    await waitUntil('the cancellation message', async () =>
      (await page.getByTestId('error').first().textContent())?.includes('cancelled'),
    );
  }, 60_000);
});
