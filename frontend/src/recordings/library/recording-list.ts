import type { RecordingSummary } from '../../../../functions/shared/protocol/recordings';
import { displayText, h, replaceChildren } from '../../ui/dom';
import { describeStatus } from './recording-status';
import { formatBytes, formatClock } from '../upload/upload-progress';

export interface RecordingList {
  readonly element: HTMLElement;
  render(rows: readonly RecordingSummary[], selectedId: string | null): void;
}

/** "My recordings": one row each with its live status; a row opens the player and editor. */
export function createRecordingList(onOpen: (id: string) => void): RecordingList {
  const body = h('ul', { class: 'rec-list', attrs: { 'data-testid': 'recordings-list' } });
  const empty = h('p', { class: 'rec-note', attrs: { 'data-testid': 'recordings-empty' } }, 'No recordings yet.');
  const element = h('section', { class: 'card rec-list-card' }, h('h2', null, 'My recordings'), empty, body);
  return {
    element,
    render(rows, selectedId) {
      empty.hidden = rows.length > 0;
      replaceChildren(body, ...rows.map((r) => row(r, r.id === selectedId, onOpen)));
    },
  };
}

function row(r: RecordingSummary, selected: boolean, onOpen: (id: string) => void): HTMLElement {
  const status = describeStatus(r);
  const facts = [formatBytes(r.sizeBytes), r.durationSeconds === null ? null : formatClock(r.durationSeconds)]
    .filter(Boolean)
    .join(' · ');
  const open = h(
    'button',
    {
      class: 'link-button rec-title',
      attrs: { type: 'button', 'aria-current': selected ? 'true' : undefined, 'data-testid': 'recording-open' },
      on: { click: () => onOpen(r.id) },
    },
    displayText(r.title, 120) || r.fileName,
  );
  return h(
    'li',
    { class: `rec-row${selected ? ' selected' : ''}`, attrs: { 'data-recording-id': r.id, 'data-status': r.status } },
    h('div', { class: 'rec-main' }, open, h('small', { class: 'rec-note' }, facts)),
    h(
      'div',
      { class: `rec-status tone-${status.tone}` },
      h('span', { class: 'rec-status-label', attrs: { 'data-testid': 'recording-status' } }, status.label),
      status.percent === null ? null : h('progress', { attrs: { max: 100, value: status.percent } }),
      status.detail ? h('small', { attrs: { 'data-testid': 'recording-status-detail' } }, status.detail) : null,
    ),
  );
}
