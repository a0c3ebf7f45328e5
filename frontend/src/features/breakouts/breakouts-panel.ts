import './breakouts.css';
import { BREAKOUT_LIMITS, type BreakoutMode, type BreakoutView } from '../../../../functions/shared/protocol/breakouts';
import type { Participant } from '../../../../functions/shared/protocol/room';
import type { MeetingSession } from '../../meeting/session';
import { isHostish } from '../../meeting/room-state';
import { sameItems } from '../../meeting/store';
import { displayText, h, redrawKeepingFocus, replaceChildren } from '../../ui/dom';
import { defaultRoomNames, peopleByRoom, roomOf } from './breakouts-state';

export interface BreakoutsPanel {
  el: HTMLElement;
  focus(): void;
  dispose(): void;
}

const TIMERS: [string, number | undefined][] = [
  ['No timer', undefined],
  ['1 minute', 60],
  ['5 minutes', 300],
  ['10 minutes', 600],
  ['15 minutes', 900],
  ['30 minutes', 1800],
];

const MODES: [BreakoutMode, string][] = [
  ['auto', 'Split automatically'],
  ['manual', 'Assign manually'],
  ['choose', 'Let people choose'],
];

const MAIN_VALUE = '';

/** A person chip a host can drag onto a room (the select next to it does the same from the keyboard). */
function personChip(peerId: string, name: string, draggable: boolean): HTMLElement {
  const chip = h('span', {
    class: 'bo-person',
    attrs: { 'data-peer': peerId, draggable: draggable ? 'true' : undefined },
  });
  chip.textContent = displayText(name);
  if (draggable) {
    chip.addEventListener('dragstart', (e) => {
      e.dataTransfer?.setData('text/plain', peerId);
      if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
    });
  }
  return chip;
}

/** Makes `zone` accept a dropped person chip, calling `onDrop(peerId)`. */
function dropZone(zone: HTMLElement, onDrop: (peerId: string) => void): void {
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const peerId = e.dataTransfer?.getData('text/plain');
    if (peerId) onDrop(peerId);
  });
}

/** A select of places ("Main room" and each room), labelled for screen readers with the person's name. */
function placeSelect(
  name: string,
  rooms: readonly { id: string; name: string }[],
  current: string | null,
  testid: string,
  onChange: (room: string | null) => void,
): HTMLSelectElement {
  const select = h('select', { class: 'bo-place', attrs: { 'aria-label': `Room for ${name}`, 'data-testid': testid } });
  for (const [value, label] of [[MAIN_VALUE, 'Main room'] as const, ...rooms.map((r) => [r.id, r.name] as const)]) {
    const option = h('option', { attrs: { value } });
    option.textContent = label;
    select.append(option);
  }
  select.value = current ?? MAIN_VALUE;
  select.addEventListener('change', () => onChange(select.value === MAIN_VALUE ? null : select.value));
  return select;
}

/**
 * The Rooms side panel. Hosts and cohosts: the form that opens breakout rooms (count, names, assignment, timer;
 * manual assignment by drag and drop or a select per person), then the live rooms (move people, visit, broadcast,
 * requests for help, close all). Everyone else: the rooms and, in "choose" mode, a button to join each; in a room,
 * "Ask for help".
 */
export function createBreakoutsPanel(session: MeetingSession): BreakoutsPanel {
  const setup = createSetupForm(session);
  const live = h('div', { class: 'bo-live', attrs: { 'data-testid': 'breakout-live', hidden: true } });
  const idle = h('p', { class: 'muted', attrs: { 'data-testid': 'breakout-idle' } }, 'No breakout rooms are open.');
  const el = h(
    'section',
    { class: 'panel breakouts', attrs: { 'aria-label': 'Breakout rooms', 'data-testid': 'breakouts-panel' } },
    h('h2', null, 'Breakout rooms'),
    idle,
    setup.el,
    live,
  );

  const broadcastText = h('input', {
    attrs: {
      type: 'text',
      maxlength: BREAKOUT_LIMITS.broadcastText,
      placeholder: 'Message to every room',
      'aria-label': 'Message to every room',
      'data-testid': 'breakout-broadcast-text',
    },
  });
  const broadcastForm = h(
    'form',
    { class: 'bo-broadcast' },
    broadcastText,
    h('button', { attrs: { type: 'submit', 'data-testid': 'breakout-broadcast' } }, 'Broadcast'),
  );
  broadcastForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = broadcastText.value.trim();
    if (text && session.broadcastToBreakouts(text)) broadcastText.value = '';
  });

  const drawLive = (view: BreakoutView, hostish: boolean, selfId: string | null) => {
    const mine = roomOf(view, selfId)?.id ?? null;
    const groups = peopleByRoom(view);
    const canDrag = hostish;
    const places = [{ id: null, name: 'Main room' }, ...view.rooms].map((room) => {
      const people = groups.get(room.id) ?? [];
      const list = h('ul', { class: 'bo-people' });
      for (const p of people) {
        const row = h('li', null, personChip(p.peerId, p.name, canDrag));
        if (hostish) {
          row.append(
            placeSelect(p.name, view.rooms, p.room, `breakout-move-${p.peerId}`, (to) =>
              session.assignBreakout(p.peerId, to),
            ),
          );
        }
        list.append(row);
      }
      const here = mine === room.id;
      const mayJoin = !here && (hostish || view.mode === 'choose');
      const join = mayJoin
        ? h(
            'button',
            {
              attrs: { type: 'button', 'data-testid': room.id ? `breakout-join-${room.id}` : 'breakout-return' },
              on: { click: () => session.joinBreakout(room.id) },
            },
            room.id ? 'Join room' : 'Back to main room',
          )
        : null;
      const title = h('h3', null, room.name);
      if (here) title.append(h('span', { class: 'bo-here' }, ' · you are here'));
      const box = h(
        'li',
        {
          class: `bo-room${here ? ' here' : ''}`,
          attrs: { 'data-room': room.id ?? 'main', 'data-testid': 'breakout-room' },
        },
        title,
        list,
        join,
      );
      if (canDrag) dropZone(box, (peerId) => session.assignBreakout(peerId, room.id));
      return box;
    });
    const help =
      hostish && view.help.length > 0
        ? h(
            'div',
            { class: 'bo-help', attrs: { 'data-testid': 'breakout-help-list' } },
            h('h3', null, 'Asking for help'),
            h(
              'ul',
              null,
              ...view.help.map((r) =>
                h(
                  'li',
                  null,
                  `${displayText(r.name)} · ${view.rooms.find((x) => x.id === r.room)?.name ?? r.room} `,
                  h(
                    'button',
                    {
                      attrs: { type: 'button', 'data-testid': `breakout-help-join-${r.room}` },
                      on: { click: () => session.joinBreakout(r.room) },
                    },
                    'Join room',
                  ),
                ),
              ),
            ),
          )
        : null;
    const askHelp =
      !hostish && mine
        ? h(
            'button',
            {
              attrs: { type: 'button', 'data-testid': 'breakout-ask-help' },
              on: { click: () => session.askForHelp() },
            },
            'Ask for help',
          )
        : null;
    const close = hostish
      ? h(
          'button',
          {
            class: 'danger',
            attrs: { type: 'button', 'data-testid': 'breakout-close' },
            on: { click: () => session.closeBreakouts(view.id) },
          },
          'Close all rooms',
        )
      : null;
    redrawKeepingFocus(
      live,
      help,
      h('ul', { class: 'bo-rooms' }, ...places),
      askHelp,
      hostish ? broadcastForm : null,
      close,
    );
  };

  const unsubscribe = session.store.select(
    (s) => [s.breakouts, isHostish(s), s.selfId, s.roster] as const,
    ([view, hostish, selfId, roster]) => {
      live.hidden = view === null;
      setup.el.hidden = view !== null || !hostish;
      idle.hidden = view !== null || hostish;
      if (view) drawLive(view, hostish, selfId);
      else setup.setPeople(roster.filter((p) => p.peerId !== selfId));
    },
    sameItems,
  );

  return {
    el,
    focus: () => (setup.el.hidden ? live.querySelector('button') : setup.focusTarget)?.focus(),
    dispose: unsubscribe,
  };
}

/** The host's form that opens breakout rooms. */
function createSetupForm(session: MeetingSession) {
  const count = h('input', {
    attrs: {
      type: 'number',
      min: BREAKOUT_LIMITS.minRooms,
      max: BREAKOUT_LIMITS.maxRooms,
      value: 2,
      'aria-label': 'Number of rooms',
      'data-testid': 'breakout-count',
    },
  });
  const names = h('div', { class: 'bo-names' });
  const mode = h('select', { attrs: { 'aria-label': 'Assignment', 'data-testid': 'breakout-mode' } });
  for (const [value, label] of MODES) {
    const option = h('option', { attrs: { value } });
    option.textContent = label;
    mode.append(option);
  }
  const timer = h('select', { attrs: { 'aria-label': 'Timer', 'data-testid': 'breakout-duration' } });
  TIMERS.forEach(([label], i) => {
    const option = h('option', { attrs: { value: i } });
    option.textContent = label;
    timer.append(option);
  });
  const manual = h('div', { class: 'bo-manual', attrs: { hidden: true, 'data-testid': 'breakout-manual' } });
  const error = h('p', { class: 'bo-error', attrs: { role: 'alert', hidden: true } });
  const open = h('button', { attrs: { type: 'submit', 'data-testid': 'breakout-open' } }, 'Open rooms');
  const el = h(
    'form',
    { class: 'bo-setup', attrs: { 'data-testid': 'breakout-setup', hidden: true } },
    h('label', null, 'Rooms ', count),
    names,
    h('label', null, 'Assignment ', mode),
    h('label', null, 'Timer ', timer),
    manual,
    error,
    open,
  );

  let people: Participant[] = [];
  /** Manual mode: person → room index (absent: stays in the main room). */
  const draft = new Map<string, number>();

  const roomCount = () =>
    Math.min(BREAKOUT_LIMITS.maxRooms, Math.max(BREAKOUT_LIMITS.minRooms, Math.floor(Number(count.value) || 2)));
  const roomNames = () => [...names.querySelectorAll('input')].map((i) => i.value.trim());

  const drawNames = () => {
    const n = roomCount();
    const kept = roomNames();
    const defaults = defaultRoomNames(n);
    replaceChildren(
      names,
      ...defaults.map((fallback, i) =>
        h('input', {
          attrs: {
            type: 'text',
            value: kept[i] || fallback,
            maxlength: BREAKOUT_LIMITS.roomName,
            'aria-label': `Name of room ${i + 1}`,
            'data-testid': 'breakout-name',
          },
        }),
      ),
    );
    for (const [peerId, room] of draft) if (room >= n) draft.delete(peerId);
  };

  const drawManual = () => {
    manual.hidden = mode.value !== 'manual';
    if (manual.hidden) return;
    const rooms = roomNames().map((name, i) => ({ id: String(i), name: name || `Room ${i + 1}` }));
    const zones = [{ id: null as string | null, name: 'Main room' }, ...rooms].map((room) => {
      const inRoom = people.filter((p) => (draft.has(p.peerId) ? String(draft.get(p.peerId)) : null) === room.id);
      const zone = h(
        'div',
        { class: 'bo-zone', attrs: { 'data-zone': room.id ?? 'main' } },
        h('h3', null, room.name),
        ...inRoom.map((p) => personChip(p.peerId, p.name, true)),
      );
      dropZone(zone, (peerId) => {
        if (room.id === null) draft.delete(peerId);
        else draft.set(peerId, Number(room.id));
        drawManual();
      });
      return zone;
    });
    const selects = people.map((p) =>
      h(
        'label',
        { class: 'bo-assign' },
        `${displayText(p.name)} `,
        placeSelect(
          p.name,
          rooms,
          draft.has(p.peerId) ? String(draft.get(p.peerId)) : null,
          `breakout-assign-${p.peerId}`,
          (to) => {
            if (to === null) draft.delete(p.peerId);
            else draft.set(p.peerId, Number(to));
            drawManual();
          },
        ),
      ),
    );
    redrawKeepingFocus(manual, h('div', { class: 'bo-zones' }, ...zones), ...selects);
  };

  count.addEventListener('input', () => {
    drawNames();
    drawManual();
  });
  names.addEventListener('change', drawManual);
  mode.addEventListener('change', drawManual);
  el.addEventListener('submit', (e) => {
    e.preventDefault();
    const rooms = roomNames();
    if (rooms.some((n) => n.length === 0)) {
      error.textContent = 'Every room needs a name.';
      error.hidden = false;
      return;
    }
    error.hidden = true;
    const durationSeconds = TIMERS[Number(timer.value)]?.[1];
    const chosen = mode.value as BreakoutMode;
    session.openBreakouts({
      rooms,
      mode: chosen,
      ...(chosen === 'manual'
        ? {
            assignments: [...draft]
              .filter(([peerId]) => people.some((p) => p.peerId === peerId))
              .map(([peerId, room]) => ({ peerId, room })),
          }
        : {}),
      ...(durationSeconds ? { durationSeconds } : {}),
    });
  });
  drawNames();

  return {
    el,
    focusTarget: count,
    setPeople(next: Participant[]) {
      people = next;
      drawManual();
    },
  };
}
