import './styles/base.css';
import { ApiClient } from './api/client';
import type { AppContext } from './app-context';
import { loadConfig } from './config';
import { installCandidateBuffer } from './media/candidate-buffer';
import { page } from './pages/common';
import { ACCOUNT_PAGES } from './pages/account';
import { renderHome } from './pages/home';
import { renderBadMeetingLink } from './pages/missing-meeting';
import { renderPrejoin } from './pages/prejoin';
import { roomIdSchema } from '../../functions/shared/protocol/room';
import { MEETING_WHITEBOARD_PAGE } from '../../functions/shared/protocol/whiteboard';
import { renderMeetingWhiteboard } from './features/whiteboard/board-archive-page';
import { h, replaceChildren } from './ui/dom';
import { createLiveStatus } from './recordings/library/live-status';
import { mountRecordingsPage } from './recordings/library/recordings-page';

// Everything under /r/ is meant as a meeting link; whether the code is well formed is roomIdSchema's call.
const ROOM_PATH = /^\/r(?:\/(.*?))?\/?$/;

async function boot(): Promise<void> {
  installCandidateBuffer();
  const root = document.getElementById('app');
  if (!root) return;
  try {
    const config = await loadConfig();
    const ctx: AppContext = {
      config,
      api: new ApiClient(config),
      root,
      displayName: '',
      navigate(path) {
        history.pushState(null, '', path);
        route(ctx);
      },
    };
    window.addEventListener('popstate', () => route(ctx));
    route(ctx);
  } catch (err) {
    replaceChildren(root, page('Error', h('p', { class: 'error', attrs: { role: 'alert' } }, (err as Error).message)));
  }
}

function route(ctx: AppContext): void {
  const path = location.pathname;
  const room = ROOM_PATH.exec(path);
  if (room) {
    const code = decodeURIComponentSafe(room[1] ?? '');
    const roomId = roomIdSchema.safeParse(code);
    replaceChildren(ctx.root, roomId.success ? renderPrejoin(ctx, roomId.data) : renderBadMeetingLink(ctx, code));
    return;
  }
  const board = MEETING_WHITEBOARD_PAGE.exec(path);
  if (board) {
    const roomId = roomIdSchema.safeParse(decodeURIComponentSafe(board[1]!));
    replaceChildren(
      ctx.root,
      roomId.success ? renderMeetingWhiteboard(ctx, roomId.data) : renderBadMeetingLink(ctx, board[1]!),
    );
    return;
  }
  if (path === '/recordings' || path === '/recordings/') {
    mountRecordingsPage(ctx.root, {
      api: ctx.api,
      subscribeLive: createLiveStatus({ wsUrl: ctx.config.wsUrl, session: ctx.api }),
    });
    return;
  }
  const accountPage = ACCOUNT_PAGES[path.replace(/\/$/, '')];
  if (accountPage) {
    replaceChildren(ctx.root, accountPage(ctx));
    return;
  }
  if (path === '/' || path === '') {
    replaceChildren(ctx.root, renderHome(ctx));
    return;
  }
  replaceChildren(
    ctx.root,
    page(
      'Not found',
      h(
        'section',
        { class: 'card center' },
        h('h1', null, 'Page not found'),
        h('button', { attrs: { type: 'button' }, on: { click: () => ctx.navigate('/') } }, 'Go home'),
      ),
    ),
  );
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

void boot();
