/**
 * The whiteboard stage view: a toolbar, a canvas drawn from the shared document (board-sync.ts) through a camera,
 * other people's cursors, and PNG/SVG export. Opened next to the video grid with the Whiteboard button.
 *
 * A stroke is written to the document once, when the pointer lifts (others see it finished, and the document keeps
 * one value per stroke instead of one per pointer event); while it is drawn, others see the drawer's cursor move.
 */
import './whiteboard.css';
import {
  WHITEBOARD_LIMITS,
  type WhiteboardItem,
  type WhiteboardTool,
} from '../../../../functions/shared/protocol/whiteboard';
import type { WhiteboardServerMessage } from '../../meeting/handlers';
import type { MeetingSession } from '../../meeting/session';
import { ConnectionState } from '../../net/connection-state';
import { h } from '../../ui/dom';
import { BoardSync, orderedItems } from './board-sync';
import { placeBoard } from './place-board';
import {
  fitCamera,
  hits,
  pressureFromSpeed,
  snapWorld,
  thinStroke,
  toScreen,
  toWorld,
  unionBox,
  zoomAt,
  type Camera,
  type Point,
} from './board-geometry';
import { downloadPng, downloadSvg } from './board-export';
import { drawBoard, drawItem } from './board-render';

export interface WhiteboardView {
  el: HTMLElement;
  /** The control-bar button that opens and closes the board. */
  toggle: HTMLButtonElement;
  dispose(): void;
}

type Tool = WhiteboardTool | 'eraser' | 'select' | 'pan';
const TOOLS: [Tool, string][] = [
  ['pen', 'Pen'],
  ['highlighter', 'Highlighter'],
  ['line', 'Line'],
  ['arrow', 'Arrow'],
  ['rect', 'Rectangle'],
  ['ellipse', 'Ellipse'],
  ['text', 'Text'],
  ['eraser', 'Eraser'],
  ['select', 'Move'],
  ['pan', 'Pan'],
];
const COLOURS = ['#1b1b1f', '#e5484d', '#f76b15', '#30a46c', '#2f7cf6', '#8e4ec6'];
const WIDTHS = [2, 4, 8, 16];
const CURSOR_SEND_MS = 100;
const CURSOR_FORGET_MS = 5000;

/** A stable id for this browser's items (select, move and undo act on one's own). */
function ownerId(): string {
  const key = 'cn-wb-owner';
  let id = localStorage.getItem(key);
  if (!id) {
    id = crypto.randomUUID().replace(/-/g, '').slice(0, 12);
    localStorage.setItem(key, id);
  }
  return id;
}

export function createWhiteboard(session: MeetingSession, toast: (text: string) => void): WhiteboardView {
  // The count of resyncs is shown when one has run (it runs after a backoff, not at the refusal that asks for it).
  const sync = new BoardSync((m) => session.sendWhiteboard(m), {
    onResync: (resyncs) => {
      el.dataset.resyncs = String(resyncs);
    },
  });
  const owner = ownerId();
  let seq = 0;
  let tool: Tool = 'pen';
  let colour = COLOURS[0]!;
  let width = WIDTHS[1]!;
  let locked = false;
  let open = false;
  let cam: Camera = { x: 0, y: 0, zoom: 1 };
  let fitted = false;

  const canvas = h('canvas', { class: 'wb-canvas', attrs: { 'data-testid': 'wb-canvas' } });
  const ctx = canvas.getContext('2d')!;
  const cursorLayer = h('div', { class: 'wb-cursors', attrs: { 'aria-hidden': 'true' } });
  const viewOnly = h(
    'span',
    { class: 'wb-view-only', attrs: { hidden: true, 'data-testid': 'wb-view-only' } },
    'View only',
  );
  const canvasWrap = h('div', { class: 'wb-surface' }, canvas, cursorLayer);

  const button = (label: string, testid: string, onClick: () => void, title = label) =>
    h('button', { attrs: { type: 'button', 'data-testid': testid, title }, on: { click: onClick } }, label);

  const toolButtons = TOOLS.map(([t, label]) => {
    const b = button(label, `wb-tool-${t}`, () => setTool(t));
    b.setAttribute('aria-pressed', String(t === tool));
    return [t, b] as const;
  });
  const setTool = (t: Tool) => {
    tool = t;
    for (const [k, b] of toolButtons) b.setAttribute('aria-pressed', String(k === t));
    canvas.dataset.tool = t;
  };
  const colourButtons = COLOURS.map((c) => {
    const b = h('button', {
      class: `wb-colour wb-c${c.slice(1)}`,
      attrs: { type: 'button', 'data-testid': `wb-colour-${c.slice(1)}`, title: c, 'aria-label': `colour ${c}` },
      on: { click: () => setColour(c) },
    });
    return [c, b] as const;
  });
  const setColour = (c: string) => {
    colour = c;
    for (const [k, b] of colourButtons) b.setAttribute('aria-pressed', String(k === c));
  };
  setColour(colour);
  const widthSelect = h(
    'select',
    {
      attrs: { 'data-testid': 'wb-width', 'aria-label': 'Line width' },
      on: { change: () => (width = Number(widthSelect.value)) },
    },
    ...WIDTHS.map((w) => h('option', { attrs: { value: w, selected: w === width } }, `${w}`)),
  );
  const clearBtn = button('Clear', 'wb-clear', () => {
    if (confirm('Clear the whiteboard for everyone?')) session.sendWhiteboard({ type: 'wb.clear' });
  });
  const lockBtn = button('View only for members', 'wb-lock', () =>
    session.sendWhiteboard({ type: 'wb.lock', locked: !locked }),
  );
  const hostTools = h('span', { class: 'wb-host' }, clearBtn, lockBtn);

  const toolbar = h(
    'div',
    { class: 'wb-toolbar', attrs: { role: 'toolbar', 'aria-label': 'Whiteboard tools' } },
    h('span', { class: 'wb-group' }, ...toolButtons.map(([, b]) => b)),
    h('span', { class: 'wb-group' }, ...colourButtons.map(([, b]) => b), widthSelect),
    h(
      'span',
      { class: 'wb-group' },
      button('Undo', 'wb-undo', () => sync.undo.undo(), 'Undo (Ctrl+Z)'),
      button('Redo', 'wb-redo', () => sync.undo.redo(), 'Redo (Ctrl+Shift+Z)'),
      button('Fit', 'wb-fit', () => fit()),
      button('PNG', 'wb-export-png', () => exportPng()),
      button('SVG', 'wb-export-svg', () => exportSvg()),
    ),
    hostTools,
    viewOnly,
  );
  const el = h(
    'section',
    { class: 'whiteboard', attrs: { hidden: true, 'data-testid': 'whiteboard', 'aria-label': 'Whiteboard' } },
    toolbar,
    canvasWrap,
  );
  setTool('pen');

  const toggle = h(
    'button',
    {
      class: 'control',
      attrs: { type: 'button', 'data-testid': 'toggle-whiteboard', 'aria-pressed': 'false', title: 'Whiteboard' },
      on: { click: () => setOpen(!open) },
    },
    'Whiteboard',
  );

  // ------------------------------------------------------------------ drawing

  const canDraw = () => !locked || session.isHostish;
  let frame = 0;
  let draft: WhiteboardItem | undefined;
  const requestDraw = () => {
    if (frame || !open) return;
    frame = requestAnimationFrame(render);
  };

  function render(): void {
    frame = 0;
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const hgt = canvas.clientHeight;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(hgt * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(hgt * ratio);
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const items = orderedItems(sync.items).map(([, item]) => item);
    drawBoard(ctx, items, cam, w, hgt);
    if (draft) drawItem(ctx, draft, cam);
    for (const c of cursors.values()) placeCursor(c);
  }

  function fit(): void {
    cam = fitCamera(
      unionBox(orderedItems(sync.items).map(([, item]) => item)),
      canvas.clientWidth || 800,
      canvas.clientHeight || 600,
    );
    requestDraw();
  }

  const newId = () => `${owner}-${Date.now().toString(36)}-${(seq += 1).toString(36)}`;

  function commit(item: WhiteboardItem): void {
    sync.edit((items) => items.set(newId(), item));
  }

  let gesture:
    | { kind: 'draw'; raw: number[]; pressure: number[]; lastAt: number; last: Point }
    | { kind: 'pan'; from: Point; cam: Camera }
    | { kind: 'move'; id: string; from: Point; item: WhiteboardItem }
    | { kind: 'erase' }
    | undefined;

  const screenPoint = (e: PointerEvent): Point => {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  function eraseAt(p: Point): void {
    const tolerance = 6 / cam.zoom;
    const doomed = orderedItems(sync.items)
      .filter(([, item]) => hits(item, p, tolerance))
      .map(([id]) => id);
    if (doomed.length) sync.edit((items) => doomed.forEach((id) => items.delete(id)));
  }

  canvas.addEventListener('pointerdown', (e) => {
    const at = screenPoint(e);
    const world = toWorld(cam, at);
    canvas.setPointerCapture(e.pointerId);
    if (tool === 'pan' || e.button === 1 || e.button === 2) {
      gesture = { kind: 'pan', from: at, cam };
      return;
    }
    if (e.button !== 0) return;
    if (!canDraw()) {
      toast('The whiteboard is view-only: only hosts can draw right now.');
      return;
    }
    if (tool === 'eraser') {
      gesture = { kind: 'erase' };
      eraseAt(world);
      return;
    }
    if (tool === 'select') {
      const mine = orderedItems(sync.items)
        .reverse()
        .find(([, item]) => item.owner === owner && hits(item, world, 6 / cam.zoom));
      if (mine) gesture = { kind: 'move', id: mine[0], from: world, item: mine[1] };
      return;
    }
    if (tool === 'text') {
      const text = prompt('Text')?.trim().slice(0, WHITEBOARD_LIMITS.text);
      if (text) {
        commit({
          kind: 'text',
          owner,
          colour,
          width,
          points: [snapWorld(world.x), snapWorld(world.y)],
          text,
          order: Date.now(),
        });
      }
      return;
    }
    const pressure = e.pointerType === 'pen' && e.pressure > 0 ? e.pressure : 0.5;
    gesture = { kind: 'draw', raw: [world.x, world.y], pressure: [pressure], lastAt: e.timeStamp, last: at };
    draft = { kind: tool, owner, colour, width, points: [world.x, world.y, world.x, world.y], order: Date.now() };
  });

  canvas.addEventListener('pointermove', (e) => {
    const at = screenPoint(e);
    const world = toWorld(cam, at);
    sendCursor(world);
    if (!gesture) return;
    if (gesture.kind === 'pan') {
      cam = {
        ...gesture.cam,
        x: gesture.cam.x - (at.x - gesture.from.x) / cam.zoom,
        y: gesture.cam.y - (at.y - gesture.from.y) / cam.zoom,
      };
      requestDraw();
    } else if (gesture.kind === 'erase') {
      eraseAt(world);
    } else if (gesture.kind === 'move') {
      const dx = world.x - gesture.from.x;
      const dy = world.y - gesture.from.y;
      draft = { ...gesture.item, points: gesture.item.points.map((v, i) => (i % 2 === 0 ? v + dx : v + dy)) };
      requestDraw();
    } else if (gesture.kind === 'draw' && draft) {
      if (draft.kind === 'pen' || draft.kind === 'highlighter') {
        const speed =
          Math.hypot(at.x - gesture.last.x, at.y - gesture.last.y) / Math.max(1, e.timeStamp - gesture.lastAt);
        gesture.raw.push(world.x, world.y);
        gesture.pressure.push(e.pointerType === 'pen' && e.pressure > 0 ? e.pressure : pressureFromSpeed(speed));
        gesture.last = at;
        gesture.lastAt = e.timeStamp;
        draft = { ...draft, points: gesture.raw.slice(), pressure: gesture.pressure.slice() };
      } else {
        draft = { ...draft, points: [draft.points[0]!, draft.points[1]!, world.x, world.y] };
      }
      requestDraw();
    }
  });

  const endGesture = () => {
    const g = gesture;
    gesture = undefined;
    if (g?.kind === 'draw' && draft) {
      const item = draft;
      if (item.kind === 'pen' || item.kind === 'highlighter') {
        const thin = thinStroke(g.raw, g.pressure, WHITEBOARD_LIMITS.itemCoordinates / 2);
        const points = thin.points.length >= 4 ? thin.points : [...thin.points, ...thin.points].slice(0, 4);
        commit({
          ...item,
          points,
          ...(item.kind === 'pen' ? { pressure: thin.pressure.slice(0, points.length / 2) } : {}),
        });
      } else {
        commit({ ...item, points: item.points.map(snapWorld) });
      }
    } else if (g?.kind === 'move' && draft) {
      const moved = draft;
      sync.edit((items) => items.set(g.id, { ...moved, points: moved.points.map(snapWorld) }));
    }
    draft = undefined;
    requestDraw();
  };
  canvas.addEventListener('pointerup', endGesture);
  canvas.addEventListener('pointercancel', endGesture);
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      cam = zoomAt(cam, screenPoint(e as unknown as PointerEvent), Math.exp(-e.deltaY / 500));
      requestDraw();
    },
    { passive: false },
  );
  canvas.addEventListener('pointerleave', () => sendCursor(null));

  const onKey = (e: KeyboardEvent) => {
    if (!open || !(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z') return;
    e.preventDefault();
    if (e.shiftKey) sync.undo.redo();
    else sync.undo.undo();
  };
  window.addEventListener('keydown', onKey);

  // ------------------------------------------------------------------ cursors

  interface Cursor {
    el: HTMLElement;
    at: Point;
    seen: number;
  }
  const cursors = new Map<string, Cursor>();
  let lastCursorSent = 0;
  let cursorTimer: ReturnType<typeof setTimeout> | undefined;
  let cursorPending: Point | null | undefined;

  function sendCursor(at: Point | null): void {
    cursorPending = at ? { x: Math.round(at.x), y: Math.round(at.y) } : null;
    const wait = lastCursorSent + CURSOR_SEND_MS - Date.now();
    if (wait > 0) {
      cursorTimer ??= setTimeout(() => {
        cursorTimer = undefined;
        sendCursor(cursorPending ?? null);
      }, wait);
      return;
    }
    lastCursorSent = Date.now();
    if (cursorPending !== undefined) session.sendWhiteboard({ type: 'wb.cursor', at: cursorPending });
    cursorPending = undefined;
  }

  function placeCursor(c: Cursor): void {
    const p = toScreen(cam, c.at);
    c.el.hidden = p.x < 0 || p.y < 0 || p.x > canvas.clientWidth || p.y > canvas.clientHeight;
    c.el.style.transform = `translate(${Math.round(p.x)}px, ${Math.round(p.y)}px)`;
  }

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, c] of cursors) {
      if (now - c.seen > CURSOR_FORGET_MS) {
        c.el.remove();
        cursors.delete(id);
      }
    }
  }, 1000);

  // ------------------------------------------------------------------ server traffic

  function onServer(m: WhiteboardServerMessage): void {
    // What was said about the board of a place this page has left (it moved) is no longer its business.
    if ((m.type === 'wb.status' || m.type === 'wb.cleared') && m.board !== sync.board) return;
    if (m.type === 'wb.sync') {
      sync.receive(m);
    } else if (m.type === 'error') {
      sync.refused(m);
    } else if (m.type === 'wb.status') {
      locked = m.locked;
      applyRole();
    } else if (m.type === 'wb.cursor') {
      let c = cursors.get(m.peerId);
      if (!m.at) {
        c?.el.remove();
        cursors.delete(m.peerId);
        return;
      }
      if (!c) {
        c = { el: h('div', { class: 'wb-cursor' }, h('span', { class: 'wb-cursor-name' }, m.name)), at: m.at, seen: 0 };
        cursors.set(m.peerId, c);
        cursorLayer.append(c.el);
      }
      c.at = m.at;
      c.seen = Date.now();
      placeCursor(c);
    }
  }

  function applyRole(): void {
    hostTools.hidden = !session.isHostish;
    lockBtn.textContent = locked ? 'Let members draw' : 'View only for members';
    lockBtn.setAttribute('aria-pressed', String(locked));
    viewOnly.hidden = !locked;
    el.classList.toggle('wb-locked', !canDraw());
  }

  const offChange = sync.onChange(() => {
    el.dataset.items = String(sync.items.size);
    if (!fitted && open && sync.items.size > 0 && !gesture) {
      fitted = true;
      fit();
    }
    requestDraw();
  });

  // ------------------------------------------------------------------ export

  const exportItems = () => orderedItems(sync.items).map(([, item]) => item);
  const exportPng = () => downloadPng(exportItems(), 'whiteboard.png');
  const exportSvg = () => downloadSvg(exportItems(), 'whiteboard.svg');

  // ------------------------------------------------------------------ open / close, connection

  const resize = new ResizeObserver(() => requestDraw());
  resize.observe(canvas);

  function setOpen(next: boolean): void {
    open = next;
    el.hidden = !open;
    toggle.setAttribute('aria-pressed', String(open));
    el.closest('.body')?.classList.toggle('board-open', open);
    if (open) {
      applyRole();
      if (!fitted) {
        fitted = sync.items.size > 0;
        fit();
      }
      requestDraw();
    }
  }

  const offs = [
    session.on('whiteboard', onServer),
    // A frame of ours may have been an update the server never stored: run the handshake again to be sure.
    session.on('serverFailed', () => {
      sync.serverFailed();
    }),
    session.on('phase', (phase) => {
      if (phase === 'in-room') sync.connected();
    }),
    session.on('connection', (_signaling, room) => {
      if (room !== ConnectionState.Connected) sync.disconnected();
    }),
    session.store.select(
      (s) => s.self?.role,
      () => applyRole(),
    ),
    // A breakout room has a board of its own: moving there (or back) shows that board, synced from the server.
    session.store.select(
      (s) => placeBoard(s.breakouts, s.self?.peerId ?? null),
      (board) => {
        if (board === sync.board) return;
        for (const c of cursors.values()) c.el.remove();
        cursors.clear();
        fitted = false;
        sync.switchBoard(board);
        el.dataset.board = board;
      },
    ),
  ];
  // Built after the page entered the room: start the handshake now.
  if (session.self) sync.connected();

  return {
    el,
    toggle,
    dispose() {
      offs.forEach((off) => off());
      offChange();
      clearInterval(sweep);
      if (cursorTimer) clearTimeout(cursorTimer);
      window.removeEventListener('keydown', onKey);
      resize.disconnect();
      if (frame) cancelAnimationFrame(frame);
      sync.destroy();
    },
  };
}
