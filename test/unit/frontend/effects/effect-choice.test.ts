import {
  CHOICE_KEY,
  CUSTOM_IMAGE_KEY,
  choiceKey,
  loadChoice,
  loadCustomImage,
  saveChoice,
  saveCustomImage,
  type KeyValueStore,
} from '../../../../frontend/src/features/effects/effect-choice';

function memoryStore(limit = Infinity): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => {
      if (v.length > limit) throw new DOMException('full', 'QuotaExceededError');
      data.set(k, v);
    },
    removeItem: (k) => void data.delete(k),
  };
}

const BUILT_INS = ['studio', 'shelves', 'dusk'];
const IMAGE = 'data:image/jpeg;base64,/9j/AAAA';

describe('effect choice on this device', () => {
  it('starts with no effect and remembers each choice', () => {
    const store = memoryStore();
    expect(loadChoice(store, BUILT_INS)).toEqual({ kind: 'none' });
    for (const choice of [
      { kind: 'blur', strength: 'light' },
      { kind: 'blur', strength: 'strong' },
      { kind: 'image', id: 'dusk' },
      { kind: 'none' },
    ] as const) {
      saveChoice(store, choice);
      expect(loadChoice(store, BUILT_INS)).toEqual(choice);
    }
  });

  it('keeps the custom image in the browser and falls back to none when it is gone', () => {
    const store = memoryStore();
    saveChoice(store, { kind: 'image', id: 'custom' });
    expect(loadChoice(store, BUILT_INS)).toEqual({ kind: 'none' });
    expect(saveCustomImage(store, IMAGE)).toBe(true);
    expect(loadCustomImage(store)).toBe(IMAGE);
    expect(loadChoice(store, BUILT_INS)).toEqual({ kind: 'image', id: 'custom' });
  });

  it('ignores unreadable, unknown or foreign values', () => {
    const store = memoryStore();
    for (const bad of ['{', '"blur"', '{"kind":"blur","strength":"huge"}', '{"kind":"image","id":"gone"}']) {
      store.setItem(CHOICE_KEY, bad);
      expect(loadChoice(store, BUILT_INS)).toEqual({ kind: 'none' });
    }
    store.setItem(CUSTOM_IMAGE_KEY, 'javascript:alert(1)');
    expect(loadCustomImage(store)).toBeNull();
  });

  it('says so when the browser has no room for the image, and never throws on a full store', () => {
    const store = memoryStore(10);
    expect(saveCustomImage(store, IMAGE)).toBe(false);
    expect(() => saveChoice(store, { kind: 'blur', strength: 'strong' })).not.toThrow();
  });

  it('gives every choice a distinct key', () => {
    expect(choiceKey({ kind: 'blur', strength: 'light' })).toBe('blur-light');
    expect(choiceKey({ kind: 'image', id: 'custom' })).toBe('image-custom');
  });
});
