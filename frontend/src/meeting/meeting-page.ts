/*
 * The meeting page: a composition of header, stage, side panel, controls and toasts. Each part subscribes to the
 * slice of `session.store` it draws (or to the session's moments, such as a new media stream) and cleans up when
 * the session ends.
 */
import './meeting.css';
import type { AppContext } from '../app-context';
import { createBreakoutsBanner } from '../features/breakouts/breakouts-banner';
import { createBreakoutsPanel } from '../features/breakouts/breakouts-panel';
import { createChatPanel } from '../features/chat/chat-panel';
import { createControls, type Panel } from '../features/controls/meeting-controls';
import { createMeetingHeader } from '../features/header/meeting-header';
import { createMeetingTools } from '../features/meeting-tools/meeting-tools';
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
  const breakouts = createBreakoutsPanel(session);
  const banner = createBreakoutsBanner(session);
  const reactions = createReactionsView(session, (peerId) => stage.tileOf(peerId));
  const whiteboard = createWhiteboard(session, (t) => toasts.show(t));
  const side = h('aside', { class: 'side', attrs: { hidden: true } });

  // Panels open side by side in one column (Chat and People together is the common pair), in a fixed order, each
  // with its own close button: on a phone the column is the only way back to the video.
  const views: Record<Panel, HTMLElement> = {
    chat: chat.el,
    people: people.el,
    polls: polls.el,
    breakouts: breakouts.el,
  };
  const order: Panel[] = ['chat', 'people', 'polls', 'breakouts'];
  const names: Record<Panel, string> = { chat: 'Chat', people: 'People', polls: 'Polls', breakouts: 'Rooms' };
  const slot = (which: Panel) =>
    h(
      'div',
      { class: 'side-slot', attrs: { 'data-panel': which } },
      views[which],
      h(
        'button',
        {
          class: 'panel-close small',
          attrs: { type: 'button', 'aria-label': `Close ${names[which]}`, 'data-testid': `close-${which}` },
          on: { click: () => togglePanel(which) },
        },
        '✕',
      ),
    );
  const slots: Record<Panel, HTMLElement> = {
    chat: slot('chat'),
    people: slot('people'),
    polls: slot('polls'),
    breakouts: slot('breakouts'),
  };
  const open = new Set<Panel>();
  const togglePanel = (which: Panel) => {
    const opening = !open.has(which);
    if (opening) open.add(which);
    else open.delete(which);
    side.hidden = open.size === 0;
    side.dataset.count = String(open.size);
    replaceChildren(side, ...order.filter((p) => open.has(p)).map((p) => slots[p]));
    controls.setPanels(open);
    if (opening && which === 'chat') chat.focus();
    if (opening && which === 'polls') polls.focus();
    if (opening && which === 'breakouts') breakouts.focus();
  };
  const controls = createControls({ ctx, session, grid: stage.grid, togglePanel, toast: (t) => toasts.show(t) });
  const tools = createMeetingTools(ctx, session, stage, (t) => toasts.show(t));
  header.el.append(tools.el);
  // Next to the panel buttons: the board is a stage view, opened beside the video grid.
  controls.el.querySelector('[data-testid=leave]')?.before(whiteboard.toggle);

  const root = h(
    'div',
    { class: 'meeting', attrs: { 'data-testid': 'meeting' } },
    header.el,
    banner.el,
    h('div', { class: 'body' }, stage.el, whiteboard.el, side),
    controls.el,
    toasts.el,
    reactions.el,
    controls.help,
  );

  const parts = [header, stage, chat, people, polls, breakouts, banner, toasts, controls, reactions, tools, whiteboard];
  session.on('ended', () => parts.forEach((p) => p.dispose()));
  // Leaving the page: close the sockets at once (the room sees the person go) without handing over a host's role.
  window.addEventListener('pagehide', () => session.pageClosing(), { once: true });
  return root;
}
