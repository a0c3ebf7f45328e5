/*
 * npm run bench:meeting-cpu [-- --pages=5 --seconds=20 --camera=small|chromium --chromium-flags="--mute-audio ..."
 *                               --suspend-audio-context]
 *
 * Where a meeting's CPU goes on this machine: N Chromium pages join one room through the local cloud, settle for
 * 25 s, then for S seconds the CPU time of every Chromium process and thread is read from /proc (kernel ticks, so
 * it counts what the machine did, whatever the load), grouped by process kind (renderer, audio service, GPU, network)
 * and thread name, beside the local cloud's own CPU and the video frames each page decoded meanwhile. A diagnostic
 * for the browser suites and bench:breakout, which run five pages on one machine where each person would have their
 * own: it says which of their costs are the product's and which the machine's. Linux only.
 * To try a change of the pages' audio: `--chromium-flags` adds Chromium flags (space-separated), and
 * `--suspend-audio-context` keeps every page's AudioContext from running (the speaker detector's and the others).
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startStack } from '../test/e2e/meeting-helpers';
import { hostMeeting, joinMeeting } from './meeting-pages';

const option = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const PAGES = Number(option('pages', '5'));
const SECONDS = Number(option('seconds', '20'));
const CAMERA = option('camera', 'small');
const CHROMIUM_FLAGS = option('chromium-flags', '').split(' ').filter(Boolean);
const SUSPEND_AUDIO_CONTEXT = process.argv.includes('--suspend-audio-context');
/** Every AudioContext the page makes is suspended at once and never resumes. */
const SUSPENDED_AUDIO_CONTEXT = `(() => {
  const Native = window.AudioContext;
  window.AudioContext = class extends Native {
    constructor(...args) { super(...args); void super.suspend(); }
    resume() { return Promise.resolve(); }
  };
})();`;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU ticks so far of every Chromium process ("kind") and thread ("kind: thread"). */
function chromiumTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  const add = (key: string, n: number) => ticks.set(key, (ticks.get(key) ?? 0) + n);
  const cpuOf = (stat: string) => {
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  };
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chromium')) continue;
      const kind =
        /--utility-sub-type=([\w.]+)/.exec(cmd)?.[1] ??
        `${/--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser'}${cmd.includes('top-chrome-webui') ? ' (browser UI)' : ''}`;
      add(kind, cpuOf(readFileSync(`/proc/${pid}/stat`, 'utf8')));
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const thread = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
        add(`${kind}: ${thread}`, cpuOf(stat));
      }
    } catch {
      // a process or thread that ended while being read
    }
  }
  return ticks;
}

const FRAMES_DECODED = `(async () => {
  let frames = 0;
  for (const pc of window.__testPeerConnections) {
    (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0; });
  }
  return frames;
})()`;

async function main(): Promise<void> {
  if (CAMERA !== 'small' && CAMERA !== 'chromium') throw new Error(`--camera is small or chromium, not ${CAMERA}`);
  const stack = await startStack({ camera: CAMERA, browserArgs: [...CHROMIUM_FLAGS] });
  try {
    const newPage = async () => {
      const page = await stack.browser.newPage();
      // Five pages on two cores: Playwright's 30 s default ran out while a page was still starting its camera.
      page.setDefaultTimeout(90_000);
      if (SUSPEND_AUDIO_CONTEXT) await page.addInitScript(SUSPENDED_AUDIO_CONTEXT);
      return page;
    };
    const pages: Page[] = [await newPage()];
    const roomUrl = await hostMeeting(pages[0]!, stack.cloud.url);
    for (let i = 1; i < PAGES; i += 1) {
      const page = await newPage();
      await joinMeeting(page, roomUrl, `P${i}`);
      pages.push(page);
    }
    await sleep(25_000);
    const framesBefore = (await Promise.all(pages.map((p) => p.evaluate(FRAMES_DECODED)))) as number[];
    const before = chromiumTicks();
    const cloudBefore = process.cpuUsage();
    const started = Date.now();
    await sleep(SECONDS * 1000);
    const after = chromiumTicks();
    const cloudCpu = process.cpuUsage(cloudBefore);
    const framesAfter = (await Promise.all(pages.map((p) => p.evaluate(FRAMES_DECODED)))) as number[];
    const seconds = (Date.now() - started) / 1000;
    const percent = (ticks: number) => (100 * ticks) / TICKS_PER_SECOND / seconds;
    const rows = [...after]
      .map(([key, t]) => [key, percent(t - (before.get(key) ?? 0))] as const)
      .filter(([, p]) => p >= 1)
      .sort((a, b) => b[1] - a[1]);
    const processes = rows.filter(([key]) => !key.includes(': '));
    const lines = [
      '',
      `${PAGES} pages in one meeting (camera ${CAMERA}${CHROMIUM_FLAGS.length ? `, ${CHROMIUM_FLAGS.join(' ')}` : ''}${SUSPEND_AUDIO_CONTEXT ? ', AudioContext suspended' : ''}), CPU over ${seconds.toFixed(1)} s (100 % = one core):`,
      `  Chromium in all: ${processes.reduce((sum, [, p]) => sum + p, 0).toFixed(1)} %; the local cloud (this process): ${((100 * (cloudCpu.user + cloudCpu.system)) / 1e6 / seconds).toFixed(1)} %`,
      `  load average: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
      `  video frames decoded per page and second (all its calls): ${framesAfter.map((f, i) => ((f - framesBefore[i]!) / seconds).toFixed(1)).join(', ')}`,
      '| process | thread | CPU |',
      '|---|---|---:|',
      ...processes.flatMap(([kind, p]) => [
        `| ${kind} | (all) | ${p.toFixed(1)} % |`,
        ...rows
          .filter(([key]) => key.startsWith(`${kind}: `))
          .map(([key, tp]) => `| | ${key.slice(kind.length + 2)} | ${tp.toFixed(1)} % |`),
      ]),
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
