import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Flags measured in FIELD-NOTES.md: fake camera/mic/screen and loopback ICE, or headless WebRTC never connects. */
export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  /** A new isolated context (own cookies/storage) with camera+mic granted and RTCPeerConnections tracked. */
  newPage(opts?: {
    viewport?: { width: number; height: number };
    touch?: boolean;
    permissions?: string[];
  }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Tracks every RTCPeerConnection and WebSocket a page creates (`window.__testPeerConnections`,
 * `window.__testSockets`), so tests can read getStats() or cut a socket without any test hook in the app itself.
 * Runs before any page script.
 */
const TRACK_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  if (!Native || window.__testPeerConnections) return;
  window.__testPeerConnections = [];
  const Tracked = function (...args) {
    const pc = new Native(...args);
    window.__testPeerConnections.push(pc);
    return pc;
  };
  Tracked.prototype = Native.prototype;
  Object.setPrototypeOf(Tracked, Native);
  window.RTCPeerConnection = Tracked;
  const NativeWS = window.WebSocket;
  window.__testSockets = [];
  const TrackedWS = function (...args) {
    const ws = new NativeWS(...args);
    window.__testSockets.push(ws);
    return ws;
  };
  TrackedWS.prototype = NativeWS.prototype;
  Object.setPrototypeOf(TrackedWS, NativeWS);
  window.WebSocket = TrackedWS;
})();`;

/**
 * Launches Debian Chromium once per test file; share it across tests and open one context per participant.
 * `extraArgs` adds flags to CHROMIUM_FLAGS (e.g. a fake microphone that plays a file).
 */
export async function launchBrowser(options: { extraArgs?: string[] } = {}): Promise<TestBrowser> {
  // Chromium writes its profile here instead of a shared default, so parallel test files never collide.
  const artifactsDir = await mkdtemp(join(tmpdir(), 'cn-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(options.extraArgs ?? [])],
    downloadsPath: artifactsDir,
    timeout: 60_000,
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage(opts = {}) {
      const context = await browser.newContext({
        viewport: opts.viewport ?? { width: 1280, height: 720 },
        // A phone: touch screen, coarse pointer, mobile viewport rules.
        ...(opts.touch ? { isMobile: true, hasTouch: true } : {}),
        permissions: ['camera', 'microphone', ...(opts.permissions ?? [])],
      });
      contexts.push(context);
      await context.addInitScript(TRACK_PEER_CONNECTIONS);
      return context.newPage();
    },
    async close() {
      await Promise.allSettled(contexts.map((c) => c.close()));
      await browser.close().catch(() => undefined);
      await rm(artifactsDir, { recursive: true, force: true });
    },
  };
}

export interface InboundTotals {
  /** Sum of inbound-rtp video framesDecoded over every tracked peer connection. */
  framesDecoded: number;
  /** Sum of inbound-rtp audio packetsReceived over every tracked peer connection. */
  audioPacketsReceived: number;
  /** Per peer connection (in creation order, open ones only): video frames decoded. */
  framesDecodedPerConnection: number[];
  /** Per peer connection: audio packets received. */
  audioPacketsPerConnection: number[];
  openConnections: number;
}

/** Reads getStats() inbound-rtp counters of every live RTCPeerConnection on the page. */
export async function inboundTotals(page: Page): Promise<InboundTotals> {
  return page.evaluate(async () => {
    const pcs = ((window as unknown as { __testPeerConnections?: RTCPeerConnection[] }).__testPeerConnections ??
      []) as RTCPeerConnection[];
    const live = pcs.filter((pc) => pc.connectionState !== 'closed');
    const perVideo: number[] = [];
    const perAudio: number[] = [];
    for (const pc of live) {
      const stats = await pc.getStats();
      let frames = 0;
      let packets = 0;
      stats.forEach((s: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video') frames += s.framesDecoded ?? 0;
        if (s.kind === 'audio') packets += s.packetsReceived ?? 0;
      });
      perVideo.push(frames);
      perAudio.push(packets);
    }
    return {
      framesDecoded: perVideo.reduce((a, b) => a + b, 0),
      audioPacketsReceived: perAudio.reduce((a, b) => a + b, 0),
      framesDecodedPerConnection: perVideo,
      audioPacketsPerConnection: perAudio,
      openConnections: live.filter((pc) => pc.connectionState === 'connected').length,
    };
  });
}

/** What one live peer connection received during a sampling window. */
export interface CallFlow {
  /** Its place in the page's list of every peer connection it created (stable across samples). */
  index: number;
  state: RTCPeerConnectionState;
  /** Video frames decoded during the window. */
  frames: number;
  /** Audio packets received during the window. */
  audioPackets: number;
}

/**
 * What each live peer connection of the page received over `windowMs`: a call that stays connected while its
 * peer sends nothing (a breakout room's parked call) shows zeros, one carrying media does not.
 */
export async function callFlows(page: Page, windowMs = 1500): Promise<CallFlow[]> {
  return page.evaluate(async (ms) => {
    const pcs = ((window as unknown as { __testPeerConnections?: RTCPeerConnection[] }).__testPeerConnections ??
      []) as RTCPeerConnection[];
    const sample = async () =>
      Promise.all(
        pcs.map(async (pc) => {
          if (pc.connectionState === 'closed') return null;
          let frames = 0;
          let audio = 0;
          (await pc.getStats()).forEach(
            (s: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
              if (s.type !== 'inbound-rtp') return;
              if (s.kind === 'video') frames += s.framesDecoded ?? 0;
              if (s.kind === 'audio') audio += s.packetsReceived ?? 0;
            },
          );
          return { frames, audio };
        }),
      );
    const before = await sample();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const after = await sample();
    return pcs.flatMap((pc, index) => {
      const a = after[index];
      if (!a || pc.connectionState === 'closed') return [];
      const b = before[index] ?? { frames: 0, audio: 0 };
      return [{ index, state: pc.connectionState, frames: a.frames - b.frames, audioPackets: a.audio - b.audio }];
    });
  }, windowMs);
}

/** Polls `check` until it returns a truthy value or the timeout passes; never sleeps a fixed time. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  { timeoutMs = 30_000, intervalMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits until the page's inbound video frames and audio packets both grow past the given baseline (media is
 * really flowing now, not merely connected once). `minConnections` counts connected peer connections.
 */
export async function waitForMediaFlowing(
  page: Page,
  { minConnections = 1, timeoutMs = 30_000 }: { minConnections?: number; timeoutMs?: number } = {},
): Promise<InboundTotals> {
  const first = await waitUntil(
    `${minConnections} connected peer connection(s)`,
    async () => {
      const t = await inboundTotals(page);
      return t.openConnections >= minConnections ? t : undefined;
    },
    { timeoutMs },
  );
  return waitUntil(
    'inbound video frames and audio packets rising on every connection',
    async () => {
      const t = await inboundTotals(page);
      const videoRising = t.framesDecoded > first.framesDecoded;
      const audioRising = t.audioPacketsReceived > first.audioPacketsReceived;
      const everyConnectionDecodes = t.framesDecodedPerConnection.filter((f) => f > 0).length >= minConnections;
      return videoRising && audioRising && everyConnectionDecodes ? t : undefined;
    },
    { timeoutMs },
  );
}

/** Open WebSockets of the page whose URL matches `pattern` (e.g. /[?&]key=/ for the PeerJS socket). */
export async function openSockets(page: Page, pattern: RegExp): Promise<string[]> {
  return page.evaluate(
    ({ source, flags }) => {
      const re = new RegExp(source, flags);
      const sockets = (window as unknown as { __testSockets?: WebSocket[] }).__testSockets ?? [];
      return sockets.filter((ws) => ws.readyState === WebSocket.OPEN && re.test(ws.url)).map((ws) => ws.url);
    },
    { source: pattern.source, flags: pattern.flags },
  );
}

/** Closes (as a network drop would) every open WebSocket of the page whose URL matches `pattern`. */
export async function dropSockets(page: Page, pattern: RegExp): Promise<number> {
  return page.evaluate(
    ({ source, flags }) => {
      const re = new RegExp(source, flags);
      const sockets = (window as unknown as { __testSockets?: WebSocket[] }).__testSockets ?? [];
      const open = sockets.filter((ws) => ws.readyState === WebSocket.OPEN && re.test(ws.url));
      for (const ws of open) ws.close(4000, 'test: simulated network drop');
      return open.length;
    },
    { source: pattern.source, flags: pattern.flags },
  );
}
