import { ACCEPTED_AVATAR_TYPES, avatarUrlSchema } from '../../../functions/shared/protocol/avatars';
import type { AppContext } from '../app-context';
import { createAvatar } from '../features/avatars/avatar';
import { AVATAR_MAX_MB, avatarFileProblem } from '../features/avatars/avatar-file';
import { h } from '../ui/dom';
import { describeError, errorBox, field } from './common';

/*
 * The profile picture card of the account page (issue #15): choose a JPEG, PNG or WebP, see it before sending,
 * upload it, or remove the current one. The checks here only spare a round trip; the Avatar function decides.
 */

export function profilePictureCard(ctx: AppContext, name: string, current: string | undefined): HTMLElement {
  const avatar = createAvatar('tile', 'profile-avatar');
  avatar.el.classList.add('profile-avatar');
  avatar.set(name, current);
  const error = errorBox();
  const status = h('p', { attrs: { role: 'status', 'data-testid': 'avatar-status' } });
  const input = h('input', {
    attrs: {
      type: 'file',
      name: 'avatar',
      accept: ACCEPTED_AVATAR_TYPES.join(','),
      'data-testid': 'avatar-file',
    },
  });
  const upload = h(
    'button',
    { class: 'primary', attrs: { type: 'submit', disabled: true, 'data-testid': 'avatar-upload' } },
    'Upload picture',
  );
  const remove = h('button', { attrs: { type: 'button', 'data-testid': 'avatar-remove', hidden: !current } }, 'Remove');
  let preview: string | undefined;
  const dropPreview = () => {
    if (preview) URL.revokeObjectURL(preview);
    preview = undefined;
  };
  const showPreview = (file: File) => {
    dropPreview();
    preview = URL.createObjectURL(file);
    avatar.preview(preview, 'avatar-preview');
  };

  input.addEventListener('change', () => {
    error.show(null);
    status.textContent = '';
    const file = input.files?.[0];
    const problem = file ? avatarFileProblem(file) : null;
    upload.disabled = !file || problem !== null;
    if (!file || problem) {
      // Back to the saved picture: a refused file is never shown as if it were the profile's.
      dropPreview();
      avatar.set(name, current);
      if (problem) error.show(problem);
    } else {
      showPreview(file);
      status.textContent = 'This is how your picture will look. Upload it to use it.';
    }
  });
  const busy = (on: boolean) => {
    upload.disabled = on || !input.files?.[0];
    remove.disabled = on;
  };
  const form = h(
    'form',
    {
      class: 'card profile-picture',
      attrs: { 'data-testid': 'avatar-form' },
      on: {
        submit: (event) => {
          event.preventDefault();
          const file = input.files?.[0];
          if (!file) return;
          error.show(null);
          busy(true);
          status.textContent = 'Uploading…';
          void ctx.api
            .uploadAvatar(file)
            .then((url) => {
              dropPreview();
              current = avatarUrlSchema.parse(url);
              avatar.set(name, current);
              input.value = '';
              remove.hidden = false;
              status.textContent = 'Your picture is saved. Others see it in meetings you join from now on.';
            })
            .catch((err: unknown) => {
              dropPreview();
              avatar.set(name, current);
              status.textContent = '';
              error.show(describeError(err));
            })
            .finally(() => busy(false));
        },
      },
    },
    h('h2', null, 'Profile picture'),
    h('div', { class: 'row' }, avatar.el, status),
    field(
      'Picture',
      input,
      `JPEG, PNG or WebP, up to ${AVATAR_MAX_MB} MB. It is cropped to a square and stripped of metadata.`,
    ),
    error,
    h('div', { class: 'row' }, upload, remove),
  );
  remove.addEventListener('click', () => {
    error.show(null);
    busy(true);
    void ctx.api
      .removeAvatar()
      .then(() => {
        current = undefined;
        avatar.set(name, undefined);
        remove.hidden = true;
        status.textContent = 'Your picture is removed.';
      })
      .catch((err: unknown) => error.show(describeError(err)))
      .finally(() => busy(false));
  });
  return form;
}
