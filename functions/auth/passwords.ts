import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';

/**
 * scrypt cost. OWASP's Password Storage Cheat Sheet: N=2^17, r=8, p=1 (128 MiB, roughly 0.2-0.5 s on one Lambda
 * vCPU). The parameters are written into every hash, so raising them later only affects new hashes, and a test
 * may pass a cheaper set to `createPasswordHasher` without any stored hash becoming unreadable.
 */
export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}
export const OWASP_SCRYPT: ScryptCost = { log2N: 17, r: 8, p: 1 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const HASH_SHAPE = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  // Node refuses more than 32 MiB by default; scrypt needs 128·N·r bytes (128 MiB at OWASP's setting).
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 2 * 128 * N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches `stored`; a missing or malformed hash costs the same work and answers false. */
  verify(password: string, stored: string | null | undefined): Promise<boolean>;
}

export function createPasswordHasher(cost: ScryptCost = OWASP_SCRYPT): PasswordHasher {
  // Unknown emails are checked against this: the same scrypt work as a real account, so the answer's timing does
  // not tell whether the address has an account. Its key is zeros, which no password derives.
  const dummy = `scrypt$${cost.log2N}$${cost.r}$${cost.p}$${Buffer.alloc(SALT_BYTES).toString('base64url')}$${Buffer.alloc(KEY_BYTES).toString('base64url')}`;
  return {
    async hash(password) {
      const salt = randomBytes(SALT_BYTES);
      const key = await derive(password, salt, cost);
      return `scrypt$${cost.log2N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
    },
    async verify(password, stored) {
      const match = HASH_SHAPE.exec(stored ?? '') ?? HASH_SHAPE.exec(dummy)!;
      const real = match.input !== dummy;
      const [, log2N, r, p, salt, key] = match;
      const derived = await derive(password, Buffer.from(salt!, 'base64url'), { log2N: +log2N!, r: +r!, p: +p! });
      return timingSafeEqual(derived, Buffer.from(key!, 'base64url')) && real;
    },
  };
}

/** zxcvbn's 0-4 scale; 3 is "safely unguessable: moderate protection from offline slow-hash scenario". */
export const MIN_PASSWORD_SCORE = 3;

let estimator: Promise<ZxcvbnFactory> | undefined;

/** zxcvbn with its dictionary, loaded on the first check (password-dictionary.ts says why). */
function loadEstimator(): Promise<ZxcvbnFactory> {
  if (!estimator) {
    // The literal of PASSWORD_DICTIONARY_PACKAGE (a test checks they agree): TypeScript types the module from it.
    const loading = import('@zxcvbn-ts/language-common').then(
      ({ adjacencyGraphs, dictionary }) =>
        new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, useLevenshteinDistance: true }),
    );
    estimator = loading;
    // A failed load is not kept: the next check tries again.
    loading.catch(() => {
      if (estimator === loading) estimator = undefined;
    });
  }
  return estimator;
}

/**
 * Why a new password is too easy to guess, or undefined when it is strong enough. `userInputs` (the email, its
 * local part, the display name) count as known words, so "Grace.Hopper2026" is weak for Grace Hopper.
 */
export async function passwordProblem(password: string, userInputs: string[]): Promise<string | undefined> {
  const estimator = await loadEstimator();
  // Whole, in parts and run together: "Ada Lovelace" gives "ada", "lovelace" and "adalovelace".
  const inputs = userInputs
    .map((input) => input.toLowerCase())
    .flatMap((input) => [input, input.replace(/[^\p{L}\p{N}]+/gu, ''), ...input.split(/[@.\s_+-]+/)])
    .filter((word) => word.length >= 3);
  const result = estimator.check(password, inputs);
  if (result.score >= MIN_PASSWORD_SCORE) return undefined;
  return 'This password is too easy to guess: use a longer passphrase of unrelated words, not your name or email';
}
