import type { Participant } from '../../../functions/shared/protocol/room';
import type { AppContext } from '../app-context';
import { isOverVideoLimit, MESH_VIDEO_LIMIT } from '../media/quality-policy';
import type { StreamKind } from '../media/mesh';
import { SpeakerDetector } from '../media/speaker-detector';
import type { MeetingSession } from '../meeting/session';
import { ConnectionState } from '../net/connection-state';
import { displayText, h, replaceChildren } from '../ui/dom';
import { bindShortcuts, type ShortcutMap } from '../ui/keyboard';
import { playChime } from '../ui/sound';
import { createChatPanel } from './chat-panel';
import { createParticipantsPanel } from './participants-panel';
import { createTile, gridClass, type TileView } from './tiles';
import { createRecordControl } from '../recordings/record-control';

type Panel = 'chat' | 'people' | null;

export function renderMeeting(ctx: AppContext, session: MeetingSession): HTMLElement {
  document.title = `${session.room?.name || 'Meeting'} · Connect Now`;
  // The peer id changes if a long outage forces a rejoin: always read the current one.
  let selfId = session.peerId!;
  const tiles = new Map<string, TileView>();
  const cameraStreams = new Map<string, MediaStream>();
  const screenStreams = new Map<string, MediaStream>();
  let panel: Panel = null;
  let unread = 0;

  // ---- header and banners ----
  const roomName = h('span', { class: 'room-name', attrs: { 'data-testid': 'room-name' } });
  const lockBadge = h('span', { class: 'badge', attrs: { hidden: true, 'data-testid': 'locked' } }, 'Locked');
  const banner = h('div', {
    class: 'banner',
    attrs: { role: 'status', hidden: true, 'data-testid': 'connection-banner' },
  });
  const sizeBanner = h('div', {
    class: 'banner info',
    attrs: { role: 'status', hidden: true, 'data-testid': 'size-banner' },
  });
  const toasts = h('div', { class: 'toasts', attrs: { 'aria-live': 'polite' } });
  const header = h('header', { class: 'meeting-header' }, roomName, lockBadge, banner, sizeBanner);

  // ---- stage ----
  const spotlight = h('div', { class: 'spotlight', attrs: { hidden: true, 'data-testid': 'spotlight' } });
  const spotlightVideo = h('video', { attrs: { autoplay: true, playsinline: true, 'data-testid': 'spotlight-video' } });
  spotlightVideo.muted = true;
  const spotlightLabel = h('div', { class: 'spotlight-label' });
  spotlight.append(spotlightVideo, spotlightLabel);
  const grid = h('div', { class: 'grid n1', attrs: { 'data-testid': 'grid' } });
  const stage = h('div', { class: 'stage' }, spotlight, grid);

  // ---- side panels ----
  const chat = createChatPanel(session);
  const people = createParticipantsPanel(session);
  const side = h('aside', { class: 'side', attrs: { hidden: true } });

  // ---- controls ----
  const control = (label: string, testid: string, key: string, onClick: () => void) => {
    const b = h(
      'button',
      {
        class: 'control',
        attrs: {
          type: 'button',
          'data-testid': testid,
          'aria-pressed': 'false',
          title: `${label} (${key})`,
          'aria-keyshortcuts': key,
        },
      },
      label,
    );
    b.addEventListener('click', onClick);
    return b;
  };
  const micBtn = control('Mic', 'toggle-mic', 'm', () => session.setMic(!session.local.mic));
  const camBtn = control('Camera', 'toggle-cam', 'v', () => session.setCam(!session.local.cam));
  const screenBtn = control('Share screen', 'toggle-screen', 's', () => toggleScreen());
  const audioOnlyBtn = control('Audio only', 'toggle-audio-only', 'a', () => session.setAudioOnly(!session.audioOnly));
  const chatBtn = control('Chat', 'toggle-chat', 'c', () => togglePanel('chat'));
  const chatBadge = h('span', { class: 'count', attrs: { hidden: true, 'data-testid': 'chat-badge' } });
  chatBtn.append(chatBadge);
  const peopleBtn = control('People', 'toggle-people', 'p', () => togglePanel('people'));
  const lobbyBadge = h('span', { class: 'count alert', attrs: { hidden: true, 'data-testid': 'lobby-badge' } });
  peopleBtn.append(lobbyBadge);
  const helpBtn = control('Shortcuts', 'help', '?', () => help.showModal());
  const leaveBtn = h(
    'button',
    {
      class: 'control danger',
      attrs: { type: 'button', 'data-testid': 'leave' },
      on: { click: () => session.leave() },
    },
    'Leave',
  );
  const controls = h(
    'nav',
    { class: 'controls', attrs: { 'aria-label': 'Meeting controls' } },
    micBtn,
    camBtn,
    screenBtn,
    audioOnlyBtn,
    chatBtn,
    peopleBtn,
    helpBtn,
    createRecordControl({
      api: ctx.api,
      roomId: session.roomId,
      tiles: grid,
      canRecord: () => session.isHostish,
      ownerId: () => ctx.api.currentUser?.sub ?? null,
      onRecordingMessage: (listener) => session.on('recording', listener),
    }),
    leaveBtn,
  );

  const shortcuts: ShortcutMap = {
    m: { label: 'Microphone on/off', run: () => micBtn.click() },
    v: { label: 'Camera on/off', run: () => camBtn.click() },
    s: { label: 'Share screen / stop sharing', run: () => screenBtn.click() },
    a: { label: 'Audio-only mode', run: () => audioOnlyBtn.click() },
    c: { label: 'Chat', run: () => chatBtn.click() },
    p: { label: 'People', run: () => peopleBtn.click() },
    '?': { label: 'This help', run: () => (help.open ? help.close() : help.showModal()) },
  };
  const help = h(
    'dialog',
    { class: 'help', attrs: { 'data-testid': 'help-dialog' } },
    h('h2', null, 'Keyboard shortcuts'),
    h(
      'dl',
      null,
      ...Object.entries(shortcuts).flatMap(([key, s]) => [h('dt', null, h('kbd', null, key)), h('dd', null, s.label)]),
    ),
    h('form', { attrs: { method: 'dialog' } }, h('button', { attrs: { type: 'submit' } }, 'Close')),
  );
  const unbind = bindShortcuts(shortcuts);

  const root = h(
    'div',
    { class: 'meeting', attrs: { 'data-testid': 'meeting' } },
    header,
    h('div', { class: 'body' }, stage, side),
    controls,
    toasts,
    help,
  );

  // ---- behaviour ----
  const toast = (text: string, actions: HTMLElement[] = []) => {
    const t = h('div', { class: 'toast', attrs: { 'data-testid': 'toast' } }, h('span', null, text), ...actions);
    toasts.append(t);
    setTimeout(() => t.remove(), actions.length ? 15_000 : 5000);
  };

  function togglePanel(which: Exclude<Panel, null>) {
    panel = panel === which ? null : which;
    side.hidden = panel === null;
    replaceChildren(side, panel === 'chat' ? chat.el : panel === 'people' ? people.el : null);
    chatBtn.setAttribute('aria-pressed', String(panel === 'chat'));
    peopleBtn.setAttribute('aria-pressed', String(panel === 'people'));
    if (panel === 'chat') {
      unread = 0;
      chatBadge.hidden = true;
      chat.focus();
    }
    if (panel === 'people') people.render();
  }

  function toggleScreen() {
    if (session.mesh?.sharing) session.stopScreenShare();
    else
      void session
        .startScreenShare()
        .catch((err: unknown) => toast(`Could not share the screen: ${(err as Error).message}`));
  }

  const speakers = new SpeakerDetector({
    onChange: (id) => {
      for (const [peerId, tile] of tiles) tile.setSpeaking(peerId === id);
    },
  });
  speakers.track(selfId, session.local.stream);

  const participantFor = (peerId: string): Participant | undefined => session.roster.find((p) => p.peerId === peerId);

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
      tile.setParticipant(p ?? null, peerId === selfId ? ctx.displayName : 'Reconnecting…');
      tile.setReconnecting(!p && peerId !== selfId);
    }
    grid.className = gridClass(tiles.size) + (screenStreams.size ? ' strip' : '');
    people.render();
  }

  function syncSpotlight() {
    const entries = [...screenStreams.entries()];
    const last = entries[entries.length - 1];
    spotlight.hidden = !last;
    stage.classList.toggle('has-spotlight', !!last);
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
    grid.className = gridClass(tiles.size) + (last ? ' strip' : '');
    screenBtn.setAttribute('aria-pressed', String(session.mesh?.sharing ?? false));
    screenBtn.textContent = session.mesh?.sharing ? 'Stop sharing' : 'Share screen';
  }

  function syncControls() {
    micBtn.setAttribute('aria-pressed', String(session.local.mic));
    micBtn.textContent = session.local.mic ? 'Mute' : 'Unmute';
    micBtn.classList.toggle('off', !session.local.mic);
    camBtn.setAttribute('aria-pressed', String(session.local.cam));
    camBtn.textContent = session.local.cam ? 'Stop video' : 'Start video';
    camBtn.classList.toggle('off', !session.local.cam);
    audioOnlyBtn.setAttribute('aria-pressed', String(session.audioOnly));
    const n = session.roster.length;
    sizeBanner.hidden = !isOverVideoLimit(n) && !session.audioOnly;
    sizeBanner.textContent = isOverVideoLimit(n)
      ? `${n} people are here: cameras are off above ${MESH_VIDEO_LIMIT} so everyone keeps clear audio.`
      : 'Audio-only mode: your camera is not sent and video from others is paused.';
    // Receiving: in audio-only mode, stop decoding remote camera video too (the streams stay, ready to resume).
    for (const [peerId, stream] of cameraStreams) {
      for (const t of stream.getVideoTracks()) t.enabled = !session.audioOnly && !isOverVideoLimit(n);
      tiles.get(peerId)?.el.classList.toggle('video-paused', session.audioOnly);
    }
  }

  function syncHeader() {
    roomName.textContent = displayText(session.room?.name || 'Meeting', 80);
    lockBadge.hidden = !session.room?.locked;
  }

  const offs = [
    session.on('roster', () => {
      syncTiles();
      syncControls();
      session.mesh?.applyQuality();
    }),
    session.on('room', () => {
      syncHeader();
      people.render();
    }),
    session.on('chat', (m) => {
      chat.add(m);
      if (panel !== 'chat') {
        unread += 1;
        chatBadge.hidden = false;
        chatBadge.textContent = String(unread);
      }
    }),
    session.on('lobby', (lobby, knocked) => {
      lobbyBadge.hidden = lobby.length === 0 || !session.isHostish;
      lobbyBadge.textContent = String(lobby.length);
      people.render();
      if (knocked && session.isHostish) {
        playChime();
        toast(`${displayText(knocked.name)} is waiting in the lobby`, [
          h(
            'button',
            {
              class: 'small primary',
              attrs: { type: 'button', 'data-testid': 'toast-admit' },
              on: { click: () => session.admit(knocked.peerId) },
            },
            'Admit',
          ),
        ]);
      }
    }),
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
      syncControls();
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
    session.on('connection', (sig, room) => {
      const states = [sig, room];
      const reconnecting = states.includes(ConnectionState.Reconnecting);
      banner.hidden = !reconnecting;
      banner.dataset.state = reconnecting ? 'reconnecting' : 'connected';
      banner.textContent = reconnecting ? 'Connection interrupted. Reconnecting… (your call continues)' : '';
    }),
    session.on('notice', (text) => toast(text)),
    session.on('unmuteRequest', (by) =>
      toast(`${displayText(by)} asks you to unmute`, [
        h(
          'button',
          {
            class: 'small primary',
            attrs: { type: 'button', 'data-testid': 'accept-unmute' },
            on: { click: () => session.setMic(true) },
          },
          'Unmute',
        ),
      ]),
    ),
    session.on('localChanged', () => {
      syncControls();
      syncTiles();
    }),
    session.on('ended', () => {
      unbind();
      speakers.dispose();
      for (const off of offs) off();
    }),
  ];

  // Leaving the page: tell the room at once rather than waiting for the socket to time out.
  window.addEventListener('pagehide', () => session.leave(), { once: true });

  syncHeader();
  syncTiles();
  syncSpotlight();
  syncControls();
  return root;
}
