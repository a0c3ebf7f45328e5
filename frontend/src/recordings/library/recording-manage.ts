import {
  MAX_TITLE_LENGTH,
  RenameRecordingRequest,
  type RecordingSummary,
} from '../../../../functions/shared/protocol/recordings';
import { h } from '../../ui/dom';

export interface ManageDeps {
  rename(id: string, title: string): Promise<RecordingSummary>;
  remove(id: string): Promise<void>;
  readonly describeError: (err: unknown) => string;
  readonly onRenamed: (recording: RecordingSummary) => void;
  readonly onDeleted: (id: string, title: string) => void;
}

/**
 * Rename and delete for one recording. The title is checked with the server's own schema before it is sent, so
 * the person sees the same words the API would answer with. Delete asks once more in place (no modal dialog): a
 * recording cannot be brought back.
 */
export function createRecordingManage(r: { id: string; title: string }, deps: ManageDeps): HTMLElement {
  let current = r.title;
  const message = h('p', { class: 'error', attrs: { role: 'alert', hidden: true, 'data-testid': 'manage-error' } });
  const showError = (text: string) => {
    message.textContent = text;
    message.hidden = false;
  };

  const input = h('input', {
    attrs: {
      name: 'title',
      value: current,
      maxlength: MAX_TITLE_LENGTH,
      required: true,
      autocomplete: 'off',
      'data-testid': 'rename-input',
    },
  });
  const save = h('button', { attrs: { type: 'submit', 'data-testid': 'rename-save' } }, 'Rename');
  const rename = h(
    'form',
    {
      class: 'rec-actions rec-rename',
      on: {
        submit: (event) => {
          event.preventDefault();
          message.hidden = true;
          const parsed = RenameRecordingRequest.safeParse({ title: input.value });
          if (!parsed.success) {
            input.setAttribute('aria-invalid', 'true');
            return showError(parsed.error.issues[0]?.message ?? 'The title is not valid');
          }
          input.removeAttribute('aria-invalid');
          save.disabled = true;
          deps.rename(r.id, parsed.data.title).then(
            (renamed) => {
              save.disabled = false;
              current = renamed.title;
              input.value = renamed.title;
              deps.onRenamed(renamed);
            },
            (err: unknown) => {
              save.disabled = false;
              showError(`Could not rename: ${deps.describeError(err)}`);
            },
          );
        },
      },
    },
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Title'), input),
    save,
  );

  const confirm = h(
    'button',
    { class: 'danger', attrs: { type: 'button', hidden: true, 'data-testid': 'delete-confirm' } },
    'Delete for good',
  );
  const cancel = h('button', { attrs: { type: 'button', hidden: true, 'data-testid': 'delete-cancel' } }, 'Keep it');
  const ask = h('button', { attrs: { type: 'button', 'data-testid': 'delete-start' } }, 'Delete recording…');
  const question = h(
    'span',
    { class: 'rec-note', attrs: { hidden: true, 'data-testid': 'delete-question' } },
    'Delete this recording, its subtitles and exports? This cannot be undone.',
  );
  const asking = (on: boolean) => {
    ask.hidden = on;
    question.hidden = !on;
    confirm.hidden = !on;
    cancel.hidden = !on;
    (on ? cancel : ask).focus();
  };
  ask.addEventListener('click', () => asking(true));
  cancel.addEventListener('click', () => asking(false));
  confirm.addEventListener('click', () => {
    confirm.disabled = true;
    message.hidden = true;
    deps.remove(r.id).then(
      () => deps.onDeleted(r.id, current),
      (err: unknown) => {
        confirm.disabled = false;
        showError(`Could not delete: ${deps.describeError(err)}`);
      },
    );
  });

  return h(
    'section',
    { class: 'rec-manage', attrs: { 'aria-label': 'Rename or delete' } },
    rename,
    h('div', { class: 'rec-actions rec-delete' }, ask, question, confirm, cancel),
    message,
  );
}
