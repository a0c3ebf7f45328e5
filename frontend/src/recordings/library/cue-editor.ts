import type { SubtitleCue } from '../../../../functions/shared/protocol/recordings';
import { h, replaceChildren } from '../../ui/dom';
import { applyCueEdit, formatTimestamp, type Cue, type CueLimits, DEFAULT_CUE_LIMITS } from './cue-editing';

export interface CueEditorDeps {
  readonly cues: readonly Cue[];
  readonly limits?: Partial<CueLimits>;
  /** Saves the whole list as a new version; resolves with the version number. */
  readonly save: (cues: SubtitleCue[]) => Promise<number>;
  readonly describeError: (err: unknown) => string;
}

/**
 * A table of cues with editable start, end and text. Each row is checked as it is edited with the same rules the
 * server applies; the list is saved as a new version, never in place, so earlier versions stay downloadable.
 */
export function createCueEditor(deps: CueEditorDeps): HTMLElement {
  const limits: CueLimits = { ...DEFAULT_CUE_LIMITS, ...deps.limits };
  let cues: readonly Cue[] = deps.cues;
  let dirty = false;
  const rows = h('tbody');
  const status = h('p', { class: 'rec-note', attrs: { 'aria-live': 'polite', 'data-testid': 'cue-status' } });
  const error = h('p', { class: 'error', attrs: { role: 'alert', hidden: true, 'data-testid': 'cue-error' } });
  const save = h(
    'button',
    { class: 'primary', attrs: { type: 'button', disabled: true, 'data-testid': 'cue-save' } },
    'Save as new version',
  );

  const showError = (text: string | null) => {
    error.textContent = text ?? '';
    error.hidden = !text;
  };

  const renderRows = () => replaceChildren(rows, ...cues.map((cue, index) => cueRow(cue, index)));

  function cueRow(cue: Cue, index: number): HTMLElement {
    const start = h('input', {
      attrs: {
        value: formatTimestamp(cue.start),
        'aria-label': `Cue ${index + 1} start`,
        size: 12,
        'data-testid': 'cue-start',
      },
    });
    const end = h('input', {
      attrs: {
        value: formatTimestamp(cue.end),
        'aria-label': `Cue ${index + 1} end`,
        size: 12,
        'data-testid': 'cue-end',
      },
    });
    const text = h('textarea', {
      attrs: {
        rows: 2,
        maxlength: limits.maxTextLength,
        'aria-label': `Cue ${index + 1} text`,
        'data-testid': 'cue-text',
      },
    });
    text.value = cue.text;
    const problem = h('small', { class: 'error', attrs: { hidden: true, 'data-testid': 'cue-problem' } });
    const commit = () => {
      const result = applyCueEdit(cues, index, { start: start.value, end: end.value, text: text.value }, limits);
      for (const input of [start, end, text]) input.removeAttribute('aria-invalid');
      if (!result.ok) {
        problem.textContent = result.issues.map((i) => i.message).join(' ');
        problem.hidden = false;
        for (const issue of result.issues) {
          if (issue.index === index) ({ start, end, text })[issue.field].setAttribute('aria-invalid', 'true');
        }
        save.disabled = true;
        return;
      }
      problem.hidden = true;
      if (result.cues !== cues) {
        cues = result.cues;
        dirty = true;
        save.disabled = false;
        status.textContent = 'Unsaved changes.';
      }
    };
    for (const input of [start, end, text]) input.addEventListener('change', commit);
    return h(
      'tr',
      { attrs: { 'data-cue-index': index } },
      h('td', null, start),
      h('td', null, end),
      h('td', { class: 'cue-text-cell' }, text, problem),
    );
  }

  save.addEventListener('click', () => {
    if (!dirty) return;
    save.disabled = true;
    showError(null);
    status.textContent = 'Saving…';
    void deps.save(cues.map((c) => ({ start: c.start, end: c.end, text: c.text }))).then(
      (version) => {
        dirty = false;
        status.textContent = `Saved as version ${version}.`;
      },
      (err: unknown) => {
        save.disabled = false;
        status.textContent = '';
        showError(deps.describeError(err));
      },
    );
  });

  renderRows();
  return h(
    'section',
    { class: 'rec-editor', attrs: { 'data-testid': 'cue-editor' } },
    h('h3', null, 'Edit subtitles'),
    h(
      'table',
      { class: 'cue-table' },
      h('thead', null, h('tr', null, h('th', null, 'Start'), h('th', null, 'End'), h('th', null, 'Text'))),
      rows,
    ),
    error,
    h('div', { class: 'rec-actions' }, save, status),
  );
}
