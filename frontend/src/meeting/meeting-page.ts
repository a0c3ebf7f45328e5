/*
 * The meeting page: a composition of header, stage, side panel, controls and toasts. Each part subscribes to the
 * slice of `session.store` it draws (or to the session's moments, such as a new media stream) and cleans up when
 * the session ends.
 */
import './meeting.css';
import type { AppContext } from '../app-context';
import { createChatPanel } from '../features/chat/chat-panel';
import { createControls, type Panel } from '../features/controls/meeting-controls';
import { createMeetingHeader } from '../features/header/meeting-header';
import { createToasts } from '../features/notices/toasts';
import { createParticipantsPanel } from '../features/participants/participants-panel';
import { createPollsPanel } from '../features/polls/polls-panel';
import { createReactionsView } from '../features/reactions/reactions-view';
import { createStage } from '../features/tiles/stage';
import { createWhiteboard } from '../features/whiteboard/whiteboard-view';
import { h, replaceChildren } from '../ui/dom';
import type { MeetingSession } from './session';

export function renderMeeting(ctx: AppContext, session: MeetingSession): HTMLElement {
  document.title = `${session.room?.name || 'Meeting'} · Connect Now`;
  const header = createMeetingHeader(session);
  const stage = createStage(session, () => ctx.displayName);
  const chat = createChatPanel(session);
  const people = createParticipantsPanel(session);
  const toasts = createToasts(session);
  const polls = createPollsPanel(session, (t) => toasts.show(t));
  const reactions = createReactionsView(session, (peerId) => stage.tileOf(peerId));
  const whiteboard = createWhiteboard(session, (t) => toasts.show(t));
  const side = h('aside', { class: 'side', attrs: { hidden: true } });

  let panel: Panel | null = null;
  const togglePanel = (which: Panel) => {
    panel = panel === which ? null : which;
    side.hidden = panel === null;
    const views = { chat: chat.el, people: people.el, polls: polls.el };
    replaceChildren(side, panel ? views[panel] : null);
    controls.setPanel(panel);
    if (panel === 'chat') chat.focus();
    if (panel === 'polls') polls.focus();
  };
  const controls = createControls({ ctx, session, grid: stage.grid, togglePanel, toast: (t) => toasts.show(t) });
  // Next to the panel buttons: the board is a stage view, opened beside the video grid.
  controls.el.querySelector('[data-testid=leave]')?.before(whiteboard.toggle);

  const root = h(
    'div',
    { class: 'meeting', attrs: { 'data-testid': 'meeting' } },
    header.el,
    h('div', { class: 'body' }, stage.el, whiteboard.el, side),
    controls.el,
    toasts.el,
    reactions.el,
    controls.help,
  );

  const parts = [header, stage, chat, people, polls, toasts, controls, reactions, whiteboard];
  session.on('ended', () => parts.forEach((p) => p.dispose()));
  // Leaving the page: tell the room at once rather than waiting for the socket to time out.
  window.addEventListener('pagehide', () => session.leave(), { once: true });
  return root;
}
