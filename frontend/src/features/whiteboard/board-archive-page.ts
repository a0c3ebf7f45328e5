/**
 * `/meetings/{id}/whiteboard`: the boards a meeting kept (the main room's and each breakout room's), read-only, each
 * fitted to its content with PNG and SVG export. Opened from "My rooms" once the meeting is over (it also works
 * during it); the server shows them only to people who were in the meeting.
 */
import './whiteboard.css';
import { SIGN_IN_PAGE_PATH } from '../../../../functions/shared/protocol/accounts';
import {
  MAIN_BOARD,
  type MeetingWhiteboard,
  type WhiteboardItem,
} from '../../../../functions/shared/protocol/whiteboard';
import type { AppContext } from '../../app-context';
import { describeError, page } from '../../pages/common';
import { h } from '../../ui/dom';
import { downloadPng, downloadSvg } from './board-export';
import { fitCamera, unionBox } from './board-geometry';
import { drawBoard } from './board-render';

/** "Main room", or the breakout room's number with the time its opening began (its id starts with it, base 36). */
export function boardLabel(board: string): string {
  if (board === MAIN_BOARD) return 'Main room';
  const [opening = '', room = ''] = board.split('/');
  const opened = new Date(parseInt(opening.split('-')[0] ?? '', 36));
  const when = Number.isNaN(opened.getTime()) ? '' : ` · opened ${opened.toLocaleString()}`;
  return `Breakout room ${room.replace(/^b/, '')}${when}`;
}

function boardFileName(meeting: MeetingWhiteboard, board: string, ext: string): string {
  const place = board === MAIN_BOARD ? 'main' : board.replace('/', '-');
  return `whiteboard-${meeting.roomId}-${place}.${ext}`;
}

function drawFitted(canvas: HTMLCanvasElement, items: readonly WhiteboardItem[]): void {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 800;
  const hgt = canvas.clientHeight || 450;
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(hgt * ratio);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  drawBoard(ctx, items, fitCamera(unionBox(items), w, hgt), w, hgt);
}

function boardCard(meeting: MeetingWhiteboard, board: MeetingWhiteboard['boards'][number]): HTMLElement {
  const items = board.items.map(([, item]) => item);
  const canvas = h('canvas', { class: 'wb-archive-canvas', attrs: { 'data-testid': 'wb-archive-canvas' } });
  requestAnimationFrame(() => drawFitted(canvas, items));
  const button = (label: string, testid: string, onClick: () => void) =>
    h('button', { attrs: { type: 'button', 'data-testid': testid }, on: { click: onClick } }, label);
  return h(
    'section',
    {
      class: 'card wb-archive',
      attrs: { 'data-testid': 'wb-archive-board', 'data-board': board.board, 'data-items': String(items.length) },
    },
    h('h2', null, boardLabel(board.board)),
    h(
      'p',
      { class: 'muted' },
      `${items.length} item${items.length === 1 ? '' : 's'}`,
      board.savedAt ? ` · saved ${new Date(board.savedAt).toLocaleString()}` : '',
    ),
    canvas,
    h(
      'p',
      null,
      button('PNG', 'wb-export-png', () => downloadPng(items, boardFileName(meeting, board.board, 'png'))),
      ' ',
      button('SVG', 'wb-export-svg', () => downloadSvg(items, boardFileName(meeting, board.board, 'svg'))),
    ),
  );
}

export function renderMeetingWhiteboard(ctx: AppContext, roomId: string): HTMLElement {
  const status = h('p', { attrs: { role: 'status', 'data-testid': 'wb-archive-status' } }, 'Loading the whiteboard…');
  const title = h('h1', null, 'Whiteboard');
  const boards = h('div', { attrs: { 'data-testid': 'wb-archive-boards' } });
  const restored = ctx.api.signedIn ? Promise.resolve(true) : ctx.api.refresh().catch(() => false);
  void restored.then(async (ok) => {
    if (!ok || !ctx.api.currentUser) {
      status.replaceChildren('You are signed out. ', h('a', { attrs: { href: SIGN_IN_PAGE_PATH } }, 'Sign in'));
      status.dataset.state = 'signed-out';
      return;
    }
    try {
      const meeting = await ctx.api.meetingWhiteboard(roomId);
      title.textContent = `Whiteboard · ${meeting.name}`;
      status.textContent =
        meeting.boards.length === 0
          ? 'Nothing was drawn on the whiteboard in this meeting.'
          : meeting.ended
            ? 'The boards as the meeting left them (view only).'
            : 'The meeting is still going on: the boards as they are now (view only).';
      status.dataset.state = 'loaded';
      boards.replaceChildren(...meeting.boards.map((b) => boardCard(meeting, b)));
    } catch (err) {
      status.textContent = describeError(err);
      status.dataset.state = 'error';
    }
  });
  return page('Whiteboard', h('section', { class: 'card' }, title, status), boards);
}
