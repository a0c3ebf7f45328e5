import { SIGN_IN_PAGE_PATH } from '../../../functions/shared/protocol/accounts';
import type { MyRoom } from '../../../functions/shared/protocol/my-rooms';
import { meetingWhiteboardPagePath } from '../../../functions/shared/protocol/whiteboard';
import type { AppContext } from '../app-context';
import { h } from '../ui/dom';
import { describeError, errorBox, page } from './common';

/*
 * "My rooms" (issue #15): the rooms I host, each with its fixed link and its settings (lobby, password), and my past
 * meetings with the recordings made in them. Everything shown comes from the owner-scoped API; names are text.
 */

function formatWhen(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function recordingList(room: MyRoom): HTMLElement {
  if (room.recordings.length === 0) return h('p', { class: 'muted' }, 'No recordings of yours in this room.');
  return h(
    'ul',
    { attrs: { 'data-testid': 'room-recordings' } },
    ...room.recordings.map((r) =>
      h('li', null, h('a', { attrs: { href: '/recordings' } }, r.title), ` · ${formatWhen(r.createdAt)} · ${r.status}`),
    ),
  );
}

function roomCard(ctx: AppContext, initial: MyRoom, rerender: () => void): HTMLElement {
  let room = initial;
  const error = errorBox();
  const save = (change: Parameters<AppContext['api']['updateMyRoom']>[1]) => {
    error.show(null);
    return ctx.api.updateMyRoom(room.id, change).then(
      (updated) => {
        room = updated;
        rerender();
      },
      (err: unknown) => error.show(describeError(err)),
    );
  };
  const lobby = h('input', { attrs: { type: 'checkbox', 'data-testid': 'room-lobby' } });
  lobby.checked = room.lobby;
  lobby.addEventListener('change', () => void save({ lobby: lobby.checked }));
  const password = h('input', {
    attrs: {
      type: 'password',
      autocomplete: 'new-password',
      minlength: 4,
      maxlength: 128,
      'data-testid': 'room-password',
    },
  });
  const setPassword = h('button', { attrs: { type: 'button', 'data-testid': 'room-set-password' } }, 'Set password');
  setPassword.addEventListener('click', () => {
    void save({ password: password.value }).then(() => (password.value = ''));
  });
  const removePassword = h(
    'button',
    { attrs: { type: 'button', 'data-testid': 'room-remove-password', hidden: !room.hasPassword } },
    'Remove password',
  );
  removePassword.addEventListener('click', () => void save({ password: null }));
  const reopen = h(
    'button',
    { attrs: { type: 'button', 'data-testid': 'room-reopen', hidden: !room.ended } },
    'Open again',
  );
  reopen.addEventListener('click', () => void save({ reopen: true }));
  return h(
    'section',
    { class: 'card', attrs: { 'data-testid': 'my-room', 'data-room-id': room.id } },
    h('h2', null, room.name),
    h('p', null, 'Link: ', h('a', { attrs: { href: room.url, 'data-testid': 'room-link' } }, room.url)),
    h('p', { class: 'muted' }, `Created ${formatWhen(room.createdAt)}${room.ended ? ' · ended' : ''}`),
    h('label', { class: 'field' }, lobby, ' Lobby: I admit each guest'),
    h(
      'p',
      { attrs: { 'data-testid': 'room-password-state' } },
      room.hasPassword ? 'A password is set.' : 'No password.',
    ),
    h('p', null, password, ' ', setPassword, ' ', removePassword, ' ', reopen),
    error,
    h('h3', null, 'Recordings'),
    recordingList(room),
    h(
      'p',
      null,
      h('a', { attrs: { href: meetingWhiteboardPagePath(room.id), 'data-testid': 'room-whiteboard' } }, 'Whiteboard'),
      room.ended ? ' as the meeting left it' : '',
    ),
  );
}

export function renderMyRooms(ctx: AppContext): HTMLElement {
  const status = h('p', { attrs: { role: 'status', 'data-testid': 'my-rooms-status' } }, 'Loading your rooms…');
  const hosted = h('div', { attrs: { 'data-testid': 'hosted-rooms' } });
  const past = h('div', { attrs: { 'data-testid': 'past-meetings' } });
  const load = () =>
    ctx.api.myRooms().then((rooms) => {
      const open = rooms.filter((r) => !r.ended);
      const ended = rooms.filter((r) => r.ended);
      status.textContent = rooms.length === 0 ? 'You host no rooms yet.' : '';
      status.dataset.state = 'loaded';
      hosted.replaceChildren(...open.map((r) => roomCard(ctx, r, () => void load())));
      past.replaceChildren(...ended.map((r) => roomCard(ctx, r, () => void load())));
    });
  const restored = ctx.api.signedIn ? Promise.resolve(true) : ctx.api.refresh().catch(() => false);
  void restored.then((ok) => {
    if (!ok || !ctx.api.currentUser) {
      status.replaceChildren('You are signed out. ', h('a', { attrs: { href: SIGN_IN_PAGE_PATH } }, 'Sign in'));
      status.dataset.state = 'signed-out';
      return;
    }
    load().catch((err: unknown) => (status.textContent = describeError(err)));
  });
  return page(
    'My rooms',
    h('section', { class: 'card' }, h('h1', null, 'My rooms'), status),
    h('h2', null, 'Rooms I host'),
    hosted,
    h('h2', null, 'Past meetings'),
    past,
  );
}
