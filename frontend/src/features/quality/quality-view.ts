/*
 * A connection-quality indicator on each remote tile, read every few seconds from the camera call's getStats()
 * and put in plain words (connection-quality.ts) in its tooltip and accessible name.
 */
import './quality.css';
import type { MeetingSession } from '../../meeting/session';
import type { StageView } from '../tiles/stage';
import { h } from '../../ui/dom';
import {
  classifyConnection,
  readingBetween,
  sampleFromStats,
  type StatsEntry,
  type StatsSample,
} from './connection-quality';

const INTERVAL_MS = 2000;

export function createQualityIndicators(session: MeetingSession, stage: StageView): { dispose(): void } {
  const previous = new Map<string, { pc: RTCPeerConnection; sample: StatsSample }>();

  const indicatorOn = (tile: HTMLElement): HTMLElement => {
    let el = tile.querySelector<HTMLElement>(':scope > .quality');
    if (!el) {
      el = h(
        'span',
        { class: 'quality', attrs: { role: 'img', 'data-testid': 'tile-quality' } },
        h('span', { class: 'bar' }),
        h('span', { class: 'bar' }),
        h('span', { class: 'bar' }),
      );
      tile.append(el);
    }
    return el;
  };

  async function poll() {
    const selfId = stage.selfId();
    for (const peerId of stage.tileIds()) {
      if (peerId === selfId) continue;
      const tile = stage.tileOf(peerId);
      const pc = session.mesh?.cameraConnection(peerId);
      if (!tile) continue;
      if (!pc || pc.connectionState !== 'connected') {
        tile.querySelector(':scope > .quality')?.remove();
        previous.delete(peerId);
        continue;
      }
      let report: RTCStatsReport;
      try {
        report = await pc.getStats();
      } catch {
        continue;
      }
      const sample = sampleFromStats(report.values() as Iterable<StatsEntry>);
      const before = previous.get(peerId);
      // A new call (the peer reconnected) restarts the counters: compare only within one connection.
      const verdict = classifyConnection(readingBetween(before?.pc === pc ? before.sample : null, sample));
      previous.set(peerId, { pc, sample });
      const el = indicatorOn(tile);
      el.dataset.level = verdict.level;
      el.title = verdict.text;
      el.setAttribute('aria-label', verdict.text);
    }
    for (const peerId of previous.keys()) if (!stage.tileOf(peerId)) previous.delete(peerId);
  }

  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void poll().finally(() => (running = false));
  }, INTERVAL_MS);
  return { dispose: () => clearInterval(timer) };
}
