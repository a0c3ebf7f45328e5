/*
 * The controls row: media toggles, the panel buttons with their badges, the recorder, Leave, and the keyboard
 * shortcuts with their help dialog. Each button shows state it reads from the session or the store.
 */
import './controls.css';
import type { AppContext } from '../../app-context';
import type { MeetingSession } from '../../meeting/session';
import { isHostish } from '../../meeting/room-state';
import { sameItems } from '../../meeting/store';
import { createRecordControl } from '../../recordings/capture/record-control';
import { createEffectsControl } from '../effects/effects-control';
import { createReactionButtons } from '../reactions/reaction-buttons';
import { raisedHands } from '../reactions/reactions-state';
import { h } from '../../ui/dom';
import { bindShortcuts, type ShortcutMap } from '../../ui/keyboard';

export type Panel = 'chat' | 'people' | 'polls' | 'breakouts';

export interface ControlsView {
  el: HTMLElement;
  help: HTMLDialogElement;
  /** Shows which panels are open (and clears the unread count when the chat is one of them). */
  setPanels(open: ReadonlySet<Panel>): void;
  dispose(): void;
}

export interface ControlsDeps {
  ctx: AppContext;
  session: MeetingSession;
  /** The tiles the recorder composes its picture from. */
  grid: HTMLElement;
  togglePanel(panel: Panel): void;
  /** Shown when something the person asked for failed (e.g. screen capture refused). */
  toast(text: string): void;
}

export function createControls({ ctx, session, grid, togglePanel, toast }: ControlsDeps): ControlsView {
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
  const toggleScreen = () => {
    if (session.mesh?.sharing) session.stopScreenShare();
    else
      void session
        .startScreenShare()
        .catch((err: unknown) => toast(`Could not share the screen: ${(err as Error).message}`));
  };
  const micBtn = control('Mic', 'toggle-mic', 'm', () => session.setMic(!session.local.mic));
  const camBtn = control('Camera', 'toggle-cam', 'v', () => session.setCam(!session.local.cam));
  const screenBtn = control('Share screen', 'toggle-screen', 's', toggleScreen);
  // Phones and some tablets have no screen capture: offering the button would only lead to an error.
  const canShareScreen = typeof navigator.mediaDevices?.getDisplayMedia === 'function';
  screenBtn.hidden = !canShareScreen;
  const effects = createEffectsControl(session.local, toast);
  const audioOnlyBtn = control('Audio only', 'toggle-audio-only', 'a', () => session.setAudioOnly(!session.audioOnly));
  const chatBtn = control('Chat', 'toggle-chat', 'c', () => togglePanel('chat'));
  const chatBadge = h('span', { class: 'count', attrs: { hidden: true, 'data-testid': 'chat-badge' } });
  chatBtn.append(chatBadge);
  const peopleBtn = control('People', 'toggle-people', 'p', () => togglePanel('people'));
  const lobbyBadge = h('span', { class: 'count alert', attrs: { hidden: true, 'data-testid': 'lobby-badge' } });
  peopleBtn.append(lobbyBadge);
  const pollsBtn = control('Polls', 'toggle-polls', 'o', () => togglePanel('polls'));
  const pollBadge = h('span', { class: 'count', attrs: { hidden: true, 'data-testid': 'poll-badge' } }, 'new');
  pollsBtn.append(pollBadge);
  const roomsBtn = control('Rooms', 'toggle-breakouts', 'b', () => togglePanel('breakouts'));
  const handsBadge = h('span', { class: 'count hands', attrs: { hidden: true, 'data-testid': 'hands-badge' } });
  peopleBtn.append(handsBadge);
  // Reads the server's roster, not a local flag: a host may have lowered the hand.
  const handRaised = () => session.store.get().self?.handRaised ?? false;
  const handBtn = control('Raise hand', 'toggle-hand', 'h', () => session.setHandRaised(!handRaised()));
  const reactions = createReactionButtons(session);
  const helpBtn = control('Shortcuts', 'help', '?', () => help.showModal());
  // Keyboard shortcuts mean nothing on a touch screen without a keyboard: controls.css hides this on coarse pointers.
  helpBtn.classList.add('shortcuts-help');
  const leaveBtn = h(
    'button',
    {
      class: 'control danger',
      attrs: { type: 'button', 'data-testid': 'leave' },
      on: { click: () => session.leave() },
    },
    'Leave',
  );
  const el = h(
    'nav',
    { class: 'controls', attrs: { 'aria-label': 'Meeting controls' } },
    micBtn,
    camBtn,
    screenBtn,
    effects.button,
    effects.dialog,
    audioOnlyBtn,
    chatBtn,
    peopleBtn,
    pollsBtn,
    roomsBtn,
    handBtn,
    reactions,
    helpBtn,
    createRecordControl({
      api: ctx.api,
      roomId: session.roomId,
      tiles: grid,
      canRecord: () => session.isHostish,
      ownerId: () => ctx.api.currentUser?.sub ?? null,
      onRecordingMessage: (listener) => session.on('recording', listener),
      onRecordingChange: (recording) => session.setRecordingHere(recording),
    }),
    leaveBtn,
  );

  const shortcuts: ShortcutMap = {
    m: { label: 'Microphone on/off', run: () => micBtn.click() },
    v: { label: 'Camera on/off', run: () => camBtn.click() },
    ...(canShareScreen ? { s: { label: 'Share screen / stop sharing', run: () => screenBtn.click() } } : {}),
    e: { label: 'Background effects', run: () => effects.button.click() },
    a: { label: 'Audio-only mode', run: () => audioOnlyBtn.click() },
    c: { label: 'Chat', run: () => chatBtn.click() },
    p: { label: 'People', run: () => peopleBtn.click() },
    o: { label: 'Polls', run: () => pollsBtn.click() },
    b: { label: 'Breakout rooms', run: () => roomsBtn.click() },
    h: { label: 'Raise / lower hand', run: () => handBtn.click() },
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

  const syncMedia = () => {
    micBtn.setAttribute('aria-pressed', String(session.local.mic));
    micBtn.textContent = session.local.mic ? 'Mute' : 'Unmute';
    micBtn.classList.toggle('off', !session.local.mic);
    camBtn.setAttribute('aria-pressed', String(session.local.cam));
    camBtn.textContent = session.local.cam ? 'Stop video' : 'Start video';
    camBtn.classList.toggle('off', !session.local.cam);
    audioOnlyBtn.setAttribute('aria-pressed', String(session.audioOnly));
  };
  const syncScreen = () => {
    const sharing = session.mesh?.sharing ?? false;
    screenBtn.setAttribute('aria-pressed', String(sharing));
    screenBtn.textContent = sharing ? 'Stop sharing' : 'Share screen';
  };

  let openPanels: ReadonlySet<Panel> = new Set();
  let unread = 0;
  let seenChat = session.store.get().chat.length;
  const showUnread = () => {
    chatBadge.hidden = unread === 0;
    chatBadge.textContent = String(unread);
  };

  const offs = [
    unbind,
    effects.dispose,
    session.on('localChanged', syncMedia),
    session.on('stream', (_peer, kind) => kind === 'screen' && syncScreen()),
    session.on('streamEnded', (_peer, kind) => kind === 'screen' && syncScreen()),
    session.store.select(
      (s) => s.chat,
      (chat) => {
        // A move between breakout rooms replaces the chat: only growth counts as unread.
        if (!openPanels.has('chat')) unread += Math.max(0, chat.length - seenChat);
        seenChat = chat.length;
        showUnread();
      },
    ),
    // A poll opened (or closed) while the Polls panel is shut: show a badge until it is opened.
    session.store.select(
      (s) => `${s.poll?.poll.id ?? ''}:${s.poll?.poll.closedAt ?? ''}`,
      (_key, state) => {
        if (!openPanels.has('polls') && state.poll) pollBadge.hidden = false;
      },
    ),
    session.store.select(
      (s) => [s.lobby, s.self] as const,
      (_slice, state) => {
        lobbyBadge.hidden = state.lobby.length === 0 || !isHostish(state);
        lobbyBadge.textContent = String(state.lobby.length);
      },
      sameItems,
    ),
    session.store.select(
      (s) => [s.roster, s.self] as const,
      (_slice, state) => {
        const raised = state.self?.handRaised ?? false;
        handBtn.setAttribute('aria-pressed', String(raised));
        handBtn.textContent = raised ? 'Lower hand' : 'Raise hand';
        // Hosts see how many hands wait for them without opening the People panel.
        const count = raisedHands(state.roster).length;
        handsBadge.hidden = count === 0 || !isHostish(state);
        handsBadge.textContent = String(count);
        handsBadge.title = `${count} raised ${count === 1 ? 'hand' : 'hands'}`;
      },
      sameItems,
    ),
  ];
  syncMedia();
  syncScreen();

  return {
    el,
    help,
    setPanels(open) {
      openPanels = new Set(open);
      chatBtn.setAttribute('aria-pressed', String(open.has('chat')));
      peopleBtn.setAttribute('aria-pressed', String(open.has('people')));
      pollsBtn.setAttribute('aria-pressed', String(open.has('polls')));
      roomsBtn.setAttribute('aria-pressed', String(open.has('breakouts')));
      if (open.has('polls')) pollBadge.hidden = true;
      if (open.has('chat')) {
        unread = 0;
        showUnread();
      }
    },
    dispose: () => offs.forEach((off) => off()),
  };
}
