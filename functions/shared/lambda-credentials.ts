/*
 * The credential provider every bundled Lambda uses in place of the SDK's default chain (bundling-settings.ts aliases
 * `@aws-sdk/credential-provider-node` to this module). Lambda always puts the execution role's credentials in the
 * environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the rest of the default chain (SSO,
 * shared ini files, web identity, the instance metadata service, and the STS/SSO clients they carry) is dead code in
 * a function: ~80 KiB of every minified bundle and its load time at cold start. Laptop runs don't bundle, so they
 * keep the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** Same name and shape as the default chain's export, which each client's runtimeConfig imports. */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
