/*
 * npm run bench:enumeration [-- --runs=30]
 *
 * Can a stranger tell from the answer time whether an address has an account? Against the local cloud (the real
 * HTTP API function, scrypt at OWASP cost, Data API over PostgreSQL/PGlite, SES stand-in), the same number of
 * interleaved requests for one verified account's address and for unknown addresses, on:
 *   - sign-in with a wrong password (`POST /api/sessions/password`)
 *   - password reset (`POST /api/accounts/password-reset`)
 * The reference is the other half of each pair, measured in the same run, alternating request by request so load
 * on the machine hits both alike. Limits are raised for the run (LIMITS_JSON) so the bench measures the work, not
 * the limiter.
 */
import './enumeration-limits';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloud } from '../local/cloud';

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.split('=')[1] ?? 30);

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

/** Probability that a random "known" sample is slower than a random "unknown" one (0.5: indistinguishable). */
function overlap(known: number[], unknown: number[]): number {
  let wins = 0;
  for (const k of known) for (const u of unknown) wins += k > u ? 1 : k === u ? 0.5 : 0;
  return wins / (known.length * unknown.length);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cn-bench-enum-'));
  const cloud = await startLocalCloud({ port: 0, dataDir, quiet: true, worker: false });
  try {
    const post = async (path: string, body: unknown) => {
      const started = performance.now();
      const res = await fetch(`${cloud.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: cloud.url },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      return { ms: performance.now() - started, status: res.status };
    };
    const known = `known.${Date.now()}@example.com`;
    const password = 'correct horse battery staple';
    await post('/api/accounts', { email: known, password, name: 'Known' });
    const inbox = (await (await fetch(`${cloud.url}/_local/inbox.json`)).json()) as { to: string[]; text: string }[];
    const token = /#token=([\w-]{43})/.exec(inbox.find((m) => m.to.includes(known))!.text)![1];
    if ((await post('/api/accounts/verify', { token })).status !== 200) throw new Error('could not verify');

    const cases = {
      'sign-in (wrong password)': (email: string) =>
        post('/api/sessions/password', { email, password: 'not the password at all' }),
      'password reset': (email: string) => post('/api/accounts/password-reset', { email }),
    };
    console.log(`bench:enumeration — ${runs} interleaved pairs per case, local cloud, ms`);
    for (const [name, send] of Object.entries(cases)) {
      // Warm-up: the first request of a kind pays module loads and the estimator/dummy paths once.
      await send(known);
      await send(`warm.${Date.now()}@example.com`);
      const times = { known: [] as number[], unknown: [] as number[] };
      const statuses = new Set<string>();
      for (let i = 0; i < runs; i++) {
        const order = i % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
        for (const which of order) {
          const email = which === 'known' ? known : `u${i}.${Date.now()}@example.com`;
          const { ms, status } = await send(email);
          times[which].push(ms);
          statuses.add(`${which}:${status}`);
        }
      }
      const row = (label: string, v: number[]) =>
        `  ${label.padEnd(8)} p10 ${quantile(v, 0.1).toFixed(1).padStart(7)}  median ${quantile(v, 0.5)
          .toFixed(1)
          .padStart(7)}  p90 ${quantile(v, 0.9).toFixed(1).padStart(7)}`;
      console.log(`${name}  (statuses: ${[...statuses].sort().join(', ')})`);
      console.log(row('known', times.known));
      console.log(row('unknown', times.unknown));
      const diff = quantile(times.known, 0.5) - quantile(times.unknown, 0.5);
      console.log(
        `  median difference ${diff.toFixed(1)} ms (${((diff / quantile(times.unknown, 0.5)) * 100).toFixed(1)} %),` +
          ` P(known slower than unknown) = ${overlap(times.known, times.unknown).toFixed(2)} (0.50 = indistinguishable)`,
      );
    }
  } finally {
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
