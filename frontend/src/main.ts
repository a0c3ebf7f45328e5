import './styles/base.css';
import { ApiClient } from './api/client';
import type { AppContext } from './app-context';
import { loadConfig } from './config';
import { installCandidateBuffer } from './media/candidate-buffer';
import { page } from './pages/common';
import { renderHome } from './pages/home';
import { renderPrejoin } from './pages/prejoin';
import { h, replaceChildren } from './ui/dom';
import { createLiveStatus } from './recordings/library/live-status';
import { mountRecordingsPage } from './recordings/library/recordings-page';

const ROOM_PATH = /^\/r\/([0-9a-hjkmnp-tv-z]{4}(?:-[0-9a-hjkmnp-tv-z]{4}){3})\/?$/;

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
    replaceChildren(ctx.root, renderPrejoin(ctx, room[1]!));
    return;
  }
  if (path === '/recordings' || path === '/recordings/') {
    mountRecordingsPage(ctx.root, {
      api: ctx.api,
      subscribeLive: createLiveStatus({ wsUrl: ctx.config.wsUrl, session: ctx.api }),
    });
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

void boot();
