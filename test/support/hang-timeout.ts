/*
 * Unit and integration cases verify passwords at the production scrypt cost (OWASP's N=2^17, ~100 ms of CPU each),
 * integration cases go through the local cloud over HTTP, and infra cases run esbuild and synth: on a busy 2-core
 * machine one case can pass jest's 5 s default with nothing wrong (room-password, email-account and bundle cases
 * failed so beside four browser suites). The timeout is a hang detector, not a speed check; speed lives in the
 * benchmarks.
 */
jest.setTimeout(30_000);
