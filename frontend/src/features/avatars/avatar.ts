import './avatar.css';
import { avatarUrlSchema } from '../../../../functions/shared/protocol/avatars';
import { h, initials } from '../../ui/dom';

/*
 * A person's picture (issue #15): their uploaded avatar where they have one, their initials otherwise. Used on
 * tiles with the camera off, in the participants list and beside chat messages. The URL comes from the room
 * socket and is checked again here: only pictures this deployment serves (/avatars/…) are ever loaded.
 */

export interface AvatarView {
  el: HTMLElement;
  set(name: string, avatarUrl: string | undefined): void;
  /** Shows a local picture (a blob: URL of a file not yet uploaded) until the next `set`. */
  preview(src: string, testid: string): void;
}

/** `size` picks the CSS class: a large circle on a tile, a small one in lists. */
export function createAvatar(size: 'tile' | 'small', testid = 'avatar'): AvatarView {
  const el = h('span', { class: `avatar avatar-${size}`, attrs: { 'aria-hidden': 'true', 'data-testid': testid } });
  let shown: string | undefined;
  let failed: string | undefined;
  const view: AvatarView = {
    el,
    set(name, avatarUrl) {
      const url =
        avatarUrl && avatarUrlSchema.safeParse(avatarUrl).success && avatarUrl !== failed ? avatarUrl : undefined;
      if (url && url === shown) return;
      shown = url;
      if (!url) {
        el.replaceChildren(initials(name));
        delete el.dataset.avatar;
        return;
      }
      const img = h('img', { attrs: { src: url, alt: '', 'data-testid': `${testid}-image`, decoding: 'async' } });
      // A picture removed since the roster was sent answers 404: fall back to the initials.
      img.addEventListener('error', () => {
        failed = url;
        shown = undefined;
        view.set(name, undefined);
      });
      el.replaceChildren(img);
      el.dataset.avatar = url;
    },
    preview(src, previewTestid) {
      shown = undefined;
      delete el.dataset.avatar;
      el.replaceChildren(h('img', { attrs: { src, alt: '', 'data-testid': previewTestid } }));
    },
  };
  return view;
}
