/*
 * The stage: one tile per person (roster, plus any peer still sending media), the speaking highlight, and the
 * screen-share spotlight. Roster and names come from the store; media streams arrive as session events because
 * they are live objects, not state.
 */
import './tiles.css';
import type { Participant } from '../../../../functions/shared/protocol/room';
import { isOverVideoLimit } from '../../media/quality-policy';
import type { StreamKind } from '../../media/mesh';
import { SpeakerDetector } from '../../media/speaker-detector';
import type { MeetingSession } from '../../meeting/session';
import { displayText, h } from '../../ui/dom';
import { createTile, gridClass, type TileView } from './tile';

export interface StageView {
  el: HTMLElement;
  /** The grid of tiles (the in-meeting recorder composes its picture from it). */
  grid: HTMLElement;
  /** The tile element of `peerId`, if it has one (reactions are shown on it). */
  tileOf(peerId: string): HTMLElement | undefined;
  /** Peer ids with a tile, self included, and which of them is ours (the layout feature arranges them). */
  tileIds(): string[];
  selfId(): string;
  /** The latest speaker by audio level (speaker-detector.ts); null before anyone spoke. */
  activeSpeaker(): string | null;
  /** Called after tiles come or go, or the active speaker changes. */
  onChange(listener: () => void): () => void;
  /** Re-shapes the grid for the tiles that show (after a tile was hidden or shown). */
  relayout(): void;
  dispose(): void;
}

export function createStage(session: MeetingSession, selfName: () => string): StageView {
  // The peer id changes if a long outage forces a rejoin: always read the current one.
  let selfId = session.peerId!;
  const tiles = new Map<string, TileView>();
  const cameraStreams = new Map<string, MediaStream>();
  const screenStreams = new Map<string, MediaStream>();

  const spotlight = h('div', { class: 'spotlight', attrs: { hidden: true, 'data-testid': 'spotlight' } });
  const spotlightVideo = h('video', { attrs: { autoplay: true, playsinline: true, 'data-testid': 'spotlight-video' } });
  spotlightVideo.muted = true;
  const spotlightLabel = h('div', { class: 'spotlight-label' });
  spotlight.append(spotlightVideo, spotlightLabel);
  const grid = h('div', { class: 'grid n1', attrs: { 'data-testid': 'grid' } });
  const el = h('div', { class: 'stage' }, spotlight, grid);

  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  let activeSpeaker: string | null = null;
  const speakers = new SpeakerDetector({
    onChange: (id) => {
      activeSpeaker = id;
      for (const [peerId, tile] of tiles) tile.setSpeaking(peerId === id);
      changed();
    },
  });
  speakers.track(selfId, session.local.stream);

  const participantFor = (peerId: string): Participant | undefined => session.roster.find((p) => p.peerId === peerId);
  // Counts the tiles that show: a hidden self-view must not leave an empty cell.
  const shown = () => [...tiles.values()].filter((t) => !t.el.hidden).length;
  const layout = () => (grid.className = gridClass(shown()) + (screenStreams.size ? ' strip' : ''));

  function syncTiles() {
    if (session.peerId && session.peerId !== selfId) {
      tiles.get(selfId)?.el.remove();
      tiles.delete(selfId);
      speakers.untrack(selfId);
      selfId = session.peerId;
      speakers.track(selfId, session.local.stream);
    }
    const wanted = new Set<string>([selfId, ...session.roster.map((p) => p.peerId), ...cameraStreams.keys()]);
    for (const [peerId, tile] of tiles) {
      if (!wanted.has(peerId)) {
        tile.el.remove();
        tiles.delete(peerId);
        speakers.untrack(peerId);
      }
    }
    for (const peerId of wanted) {
      let tile = tiles.get(peerId);
      if (!tile) {
        tile = createTile(peerId, peerId === selfId);
        tiles.set(peerId, tile);
        grid.append(tile.el);
        if (peerId === selfId) tile.setStream(session.local.stream);
        else if (cameraStreams.has(peerId)) tile.setStream(cameraStreams.get(peerId)!);
      }
      const p = participantFor(peerId);
      tile.setParticipant(p ?? null, peerId === selfId ? selfName() : 'Reconnecting…');
      tile.setReconnecting(!p && peerId !== selfId);
    }
    layout();
    changed();
  }

  function syncSpotlight() {
    const entries = [...screenStreams.entries()];
    const last = entries[entries.length - 1];
    spotlight.hidden = !last;
    el.classList.toggle('has-spotlight', !!last);
    if (last) {
      const [peerId, stream] = last;
      if (spotlightVideo.srcObject !== stream) spotlightVideo.srcObject = stream;
      void spotlightVideo.play().catch(() => undefined);
      const who = peerId === selfId ? 'You are' : `${displayText(participantFor(peerId)?.name ?? 'Someone')} is`;
      spotlightLabel.textContent = `${who} sharing the screen`;
      spotlight.dataset.peerId = peerId;
    } else {
      spotlightVideo.srcObject = null;
    }
    layout();
  }

  /** In audio-only mode, or above the mesh video limit, stop decoding remote camera video (streams stay, ready). */
  function syncVideoPaused() {
    const paused = session.audioOnly || isOverVideoLimit(session.roster.length);
    for (const [peerId, stream] of cameraStreams) {
      for (const t of stream.getVideoTracks()) t.enabled = !paused;
      tiles.get(peerId)?.el.classList.toggle('video-paused', session.audioOnly);
    }
  }

  const offs = [
    session.store.select(
      (s) => s.roster,
      () => {
        syncTiles();
        syncVideoPaused();
      },
    ),
    session.on('stream', (peerId, kind: StreamKind, stream) => {
      if (kind === 'screen') {
        screenStreams.set(peerId, stream);
        syncSpotlight();
        return;
      }
      cameraStreams.set(peerId, stream);
      speakers.track(peerId, stream);
      syncTiles();
      tiles.get(peerId)?.setStream(stream);
      syncVideoPaused();
    }),
    session.on('streamEnded', (peerId, kind) => {
      if (kind === 'screen') {
        screenStreams.delete(peerId);
        syncSpotlight();
        return;
      }
      cameraStreams.delete(peerId);
      tiles.get(peerId)?.setStream(null);
      speakers.untrack(peerId);
      syncTiles();
    }),
    session.on('localChanged', () => {
      // A switched microphone is a new track: measure that one for the speaking highlight.
      speakers.track(selfId, session.local.stream);
      syncVideoPaused();
      syncTiles();
    }),
  ];
  syncSpotlight();

  return {
    el,
    grid,
    tileOf: (peerId) => tiles.get(peerId)?.el,
    tileIds: () => [...tiles.keys()],
    selfId: () => selfId,
    activeSpeaker: () => activeSpeaker,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    relayout: layout,
    dispose() {
      listeners.clear();
      speakers.dispose();
      for (const off of offs) off();
    },
  };
}
