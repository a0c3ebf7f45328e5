#!/usr/bin/env node
/*
 * `npm run test:all`: the four test tiers in two jest processes ("halves"), one after the other, or at once with
 * TEST_HALVES=parallel (see the note above `results` below).
 *
 * Why: jest gives one worker per core but one, so on a 2-core CI machine every suite ran one after another (25 min
 * here, 31 min in CI), with a core idle much of the time: the browser suites mostly wait (a one-minute breakout
 * timer, a socket cut for 10 s, a mesh forming). Two workers in one jest would put two browser suites side by side
 * (up to ten Chromium pages on two cores). Here one jest runs the browser suites one at a time, and the other runs
 * the unit, integration and infra tiers, then the few browser suites named in scripts/test-halves.json, so that both
 * end at about the same time (docs/testing.md has the measured times).
 *
 * Each output line is prefixed with its half's name; at the end the failed tests of each half are listed again (the
 * two summaries are far apart in the log), and the exit status fails if either half failed. Extra arguments go to
 * every run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Browser suites that run after the tiers in the second half (scripts/test-halves.json). */
const { afterTiers } = JSON.parse(readFileSync(new URL('./test-halves.json', import.meta.url), 'utf8'));
const afterTiersPattern = `/test/e2e/(${afterTiers.join('|')})\\.test\\.ts$`;

/**
 * Each half is a list of jest runs made one after the other. The browser suites never run side by side (each has
 * up to five Chromium pages); the second half's few browser suites start only after its tiers are done, when the
 * first half is near its end.
 */
const parallel = process.env.TEST_HALVES === 'parallel';

/**
 * Workers for the unit, integration and infra tiers when the halves run one after the other: at least two. Jest's
 * default (one per core but one) ran them one at a time on a 2-core machine, though most integration suites wait on
 * sockets, databases and timers: with two workers the tiers took 301 s instead of 498 s on the slow 2-core machine
 * of 2026-12-07, all 1 494 tests passing (docs/testing.md). Beside the browser half (TEST_HALVES=parallel) they
 * keep jest's default, as the browser suites need the cores then.
 */
const tierWorkers = parallel ? [] : [`--maxWorkers=${Math.max(2, availableParallelism() - 1)}`];

const halves = [
  {
    name: 'browser',
    runs: [['--selectProjects', 'e2e', '--testPathIgnorePatterns', '/node_modules/', afterTiersPattern]],
  },
  {
    name: 'rest',
    runs: [
      ['--selectProjects', 'unit', 'integration', 'infra', ...tierWorkers],
      ['--selectProjects', 'e2e', '--testPathPatterns', afterTiersPattern],
    ],
  },
];

const jest = new URL('../node_modules/jest/bin/jest.js', import.meta.url).pathname;
const extra = process.argv.slice(2);
const reports = mkdtempSync(join(tmpdir(), 'test-tiers-'));

/** One jest run; resolves with its exit status and the path of its JSON report. */
function jestRun(name, args, report) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      // With extra arguments (a path, a -t filter) some runs match nothing, which is not a failure of theirs.
      [
        jest,
        ...args,
        '--forceExit',
        '--json',
        `--outputFile=${report}`,
        ...(extra.length ? ['--passWithNoTests'] : []),
        ...extra,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
    }
    child.on('close', (code, signal) => resolve({ ok: code === 0, status: code ?? signal, report }));
  });
}

/** A half: its runs one after the other (all of them, even after a failure, so every failure is reported). */
async function runHalf({ name, runs }) {
  const started = Date.now();
  const outcomes = [];
  for (const [i, args] of runs.entries()) outcomes.push(await jestRun(name, args, join(reports, `${name}-${i}.json`)));
  const failed = outcomes.find((o) => !o.ok);
  const seconds = Math.round((Date.now() - started) / 1000);
  return { name, ok: !failed, status: failed?.status, seconds, reports: outcomes.map((o) => o.report) };
}

/** The failed tests of one half, from its JSON report. */
function failures(report) {
  let json;
  try {
    json = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    return ['(no report: jest did not finish)'];
  }
  const lines = [];
  for (const suite of json.testResults) {
    const failed = suite.assertionResults.filter((a) => a.status === 'failed');
    if (suite.status === 'failed' && failed.length === 0) lines.push(`${suite.name}: ${suite.message.split('\n')[0]}`);
    for (const a of failed)
      lines.push(`${suite.name}: ${a.fullName}\n    ${(a.failureMessages[0] ?? '').split('\n')[0]}`);
  }
  return lines;
}

/**
 * TEST_HALVES=parallel runs the two halves at once (the layout above); the default runs them one after the other.
 * At once is faster where the machine has room (17.5-19.5 min against 25 on the 2-core machine of 2026-12-06/07),
 * but on a slower 2-core machine the two halves starved each other: in-process Lambdas met their 10 s and 29 s
 * timeouts and browser joins timed out, in two of three full runs (docs/testing.md). A run that fails for want of
 * CPU proves nothing, so CI (`npm test`) takes the order that holds on any machine.
 */
const results = [];
if (parallel) results.push(...(await Promise.all(halves.map(runHalf))));
else for (const half of halves) results.push(await runHalf(half));
for (const r of results) {
  console.log(`test-tiers: ${r.name} ${r.ok ? 'passed' : `FAILED (${r.status})`} in ${r.seconds} s`);
  if (!r.ok) for (const line of r.reports.flatMap(failures)) console.log(`  ${line}`);
}
rmSync(reports, { recursive: true, force: true });
process.exit(results.every((r) => r.ok) ? 0 : 1);
