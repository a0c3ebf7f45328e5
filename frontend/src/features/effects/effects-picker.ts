/*
 * The background chooser shown on the pre-join page and in the meeting's Effects dialog: none, light or strong
 * blur, the built-in backgrounds, or the person's own image (picked from a file, kept in this browser). The live
 * preview next to it is the sent stream itself, so it shows exactly what others will see.
 */
import './effects.css';
import { h, replaceChildren } from '../../ui/dom';
import { choiceKey, type EffectChoice } from './effect-choice';
import type { EffectsController } from './effects-controller';

export interface EffectsPicker {
  el: HTMLElement;
  dispose(): void;
}

interface Option {
  choice: EffectChoice;
  label: string;
  thumbnail?: string;
}

export function createEffectsPicker(controller: EffectsController): EffectsPicker {
  const name = `effect-${Math.random().toString(36).slice(2)}`;
  const status = h('p', { class: 'effects-status', attrs: { role: 'status', 'data-testid': 'effects-status' } });
  const options = h('div', { class: 'effects-options' });
  const upload = h('input', {
    class: 'sr-only',
    attrs: { type: 'file', accept: 'image/png,image/jpeg,image/webp', 'data-testid': 'effect-upload' },
  });
  upload.addEventListener('change', () => {
    const file = upload.files?.[0];
    upload.value = '';
    if (file) void controller.useCustomImage(file);
  });
  const uploadLabel = h('label', { class: 'effects-upload' }, upload, 'Use my own image…');

  const optionList = (): Option[] => [
    { choice: { kind: 'none' }, label: 'None' },
    { choice: { kind: 'blur', strength: 'light' }, label: 'Light blur' },
    { choice: { kind: 'blur', strength: 'strong' }, label: 'Strong blur' },
    ...(controller.manifest?.backgrounds ?? []).map((b) => ({
      choice: { kind: 'image', id: b.id } as EffectChoice,
      label: b.label,
      thumbnail: b.url,
    })),
    ...(controller.hasCustomImage
      ? [{ choice: { kind: 'image', id: 'custom' } as EffectChoice, label: 'My image' }]
      : []),
  ];

  const render = () => {
    const selected = choiceKey(controller.choice);
    replaceChildren(
      options,
      ...optionList().map((option) => {
        const key = choiceKey(option.choice);
        const radio = h('input', {
          attrs: { type: 'radio', name, value: key, 'data-testid': `effect-${key}` },
        });
        radio.checked = key === selected;
        radio.addEventListener('change', () => radio.checked && void controller.choose(option.choice));
        return h(
          'label',
          { class: 'effects-option' },
          radio,
          option.thumbnail ? h('img', { attrs: { src: option.thumbnail, alt: '', width: 64, height: 36 } }) : null,
          h('span', null, option.label),
        );
      }),
    );
  };

  const fieldset = h(
    'fieldset',
    { class: 'effects-picker', attrs: { 'data-testid': 'effects-picker' } },
    h('legend', null, 'Background'),
    options,
    uploadLabel,
    status,
  );
  if (!controller.available) {
    fieldset.disabled = true;
    status.textContent = 'Background effects are not available in this browser.';
  }
  render();
  const offs = [controller.on('changed', render), controller.on('notice', (text) => (status.textContent = text))];
  return { el: fieldset, dispose: () => offs.forEach((off) => off()) };
}
