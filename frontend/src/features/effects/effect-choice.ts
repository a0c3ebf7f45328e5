/*
 * What the person chose for their camera background, and how that choice is kept on this device. The custom
 * image itself stays in this browser (localStorage, as a small JPEG data URL): it is never sent anywhere, only the
 * frames made from it are.
 */

export type BlurStrength = 'light' | 'strong';

export type EffectChoice =
  | { kind: 'none' }
  | { kind: 'blur'; strength: BlurStrength }
  /** `id` names a built-in background, or 'custom' for the person's own image. */
  | { kind: 'image'; id: string };

export const NO_EFFECT: EffectChoice = Object.freeze({ kind: 'none' });

export const CHOICE_KEY = 'cn.effects.choice';
export const CUSTOM_IMAGE_KEY = 'cn.effects.customImage';

/** The smallest Storage surface we use, so tests can hand in a Map-backed one. */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function sameChoice(a: EffectChoice, b: EffectChoice): boolean {
  return choiceKey(a) === choiceKey(b);
}

/** A stable string for a choice: used as the picker's option value and test id. */
export function choiceKey(choice: EffectChoice): string {
  switch (choice.kind) {
    case 'none':
      return 'none';
    case 'blur':
      return `blur-${choice.strength}`;
    case 'image':
      return `image-${choice.id}`;
  }
}

/**
 * Reads a saved choice. Anything unreadable (older format, hand-edited, a built-in that no longer exists, a custom
 * image that was cleared) falls back to no effect rather than to a surprise.
 */
export function loadChoice(store: KeyValueStore, builtIns: readonly string[]): EffectChoice {
  let raw: unknown;
  try {
    raw = JSON.parse(store.getItem(CHOICE_KEY) ?? 'null');
  } catch {
    return NO_EFFECT;
  }
  if (!raw || typeof raw !== 'object') return NO_EFFECT;
  const value = raw as Record<string, unknown>;
  if (value.kind === 'blur' && (value.strength === 'light' || value.strength === 'strong')) {
    return { kind: 'blur', strength: value.strength };
  }
  if (value.kind === 'image' && typeof value.id === 'string') {
    if (value.id === 'custom' && store.getItem(CUSTOM_IMAGE_KEY)) return { kind: 'image', id: 'custom' };
    if (builtIns.includes(value.id)) return { kind: 'image', id: value.id };
  }
  return NO_EFFECT;
}

export function saveChoice(store: KeyValueStore, choice: EffectChoice): void {
  try {
    store.setItem(CHOICE_KEY, JSON.stringify(choice));
  } catch {
    // Storage full or disabled (private mode): the choice still applies now, it just is not remembered.
  }
}

/** Keeps the custom image (a data: URL); false when the browser refuses (quota), so the caller can say so. */
export function saveCustomImage(store: KeyValueStore, dataUrl: string): boolean {
  try {
    store.setItem(CUSTOM_IMAGE_KEY, dataUrl);
    return true;
  } catch {
    return false;
  }
}

export function loadCustomImage(store: KeyValueStore): string | null {
  const value = store.getItem(CUSTOM_IMAGE_KEY);
  return value && /^data:image\/(jpeg|png|webp);base64,/.test(value) ? value : null;
}
