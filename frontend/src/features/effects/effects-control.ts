/*
 * The meeting's Effects button: a dialog with the background chooser and a live preview of the sent camera.
 * When the effect switches itself off (a slow machine), the meeting says so in a toast too.
 */
import type { LocalMedia } from '../../media/local-media';
import { h } from '../../ui/dom';
import { effectsFor } from './effects-controller';
import { createEffectsPicker } from './effects-picker';

export interface EffectsControl {
  button: HTMLButtonElement;
  dialog: HTMLDialogElement;
  dispose(): void;
}

export function createEffectsControl(local: LocalMedia, toast: (text: string) => void): EffectsControl {
  const controller = effectsFor(local);
  const picker = createEffectsPicker(controller);
  const preview = h('video', {
    class: 'effects-preview mirror',
    attrs: { autoplay: true, playsinline: true, 'data-testid': 'effects-preview' },
  });
  preview.muted = true;
  const dialog = h(
    'dialog',
    { class: 'effects-dialog', attrs: { 'data-testid': 'effects-dialog', 'aria-label': 'Background effects' } },
    h('h2', null, 'Background effects'),
    preview,
    picker.el,
    h('form', { attrs: { method: 'dialog' } }, h('button', { attrs: { type: 'submit' } }, 'Done')),
  );
  dialog.addEventListener('close', () => (preview.srcObject = null));
  const button = h(
    'button',
    {
      class: 'control',
      attrs: {
        type: 'button',
        'data-testid': 'toggle-effects',
        title: 'Background effects (e)',
        'aria-keyshortcuts': 'e',
      },
      on: {
        click: () => {
          preview.srcObject = local.stream;
          dialog.showModal();
        },
      },
    },
    'Effects',
  );
  const off = controller.on('notice', toast);
  return {
    button,
    dialog,
    dispose: () => {
      off();
      picker.dispose();
    },
  };
}
