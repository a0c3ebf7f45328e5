import {
  arrange,
  initialLayout,
  prunePin,
  togglePin,
  type LayoutChoice,
} from '../../../../frontend/src/features/layout/layout-state';

const facts = (activeSpeaker: string | null = null, tiles = ['me', 'ann', 'bob']) => ({
  tiles,
  selfId: 'me',
  activeSpeaker,
});

describe('stage layout choices', () => {
  it('a plain grid features nobody and hides nothing', () => {
    expect(arrange(initialLayout, facts('ann'))).toEqual({ featured: null, hidden: [] });
  });

  it('pinning a tile features it in either view, whoever speaks', () => {
    const pinned = togglePin(initialLayout, 'bob');
    expect(arrange(pinned, facts('ann')).featured).toBe('bob');
    expect(arrange({ ...pinned, mode: 'speaker' }, facts('ann')).featured).toBe('bob');
  });

  it('pinning the pinned tile unpins it; pinning another moves the pin', () => {
    const once = togglePin(initialLayout, 'bob');
    expect(togglePin(once, 'bob').pinned).toBeNull();
    expect(togglePin(once, 'ann').pinned).toBe('ann');
  });

  it('speaker view features the active speaker', () => {
    const speaker: LayoutChoice = { ...initialLayout, mode: 'speaker' };
    expect(arrange(speaker, facts('bob')).featured).toBe('bob');
    expect(arrange(speaker, facts('ann')).featured).toBe('ann');
  });

  it('speaker view never features ourselves while someone else is there', () => {
    const speaker: LayoutChoice = { ...initialLayout, mode: 'speaker' };
    expect(arrange(speaker, facts('me')).featured).toBe('ann');
    expect(arrange(speaker, facts(null)).featured).toBe('ann');
    expect(arrange(speaker, facts('me', ['me'])).featured).toBe('me');
  });

  it('speaker view ignores a speaker whose tile is gone', () => {
    const speaker: LayoutChoice = { ...initialLayout, mode: 'speaker' };
    expect(arrange(speaker, facts('zed')).featured).toBe('ann');
  });

  it('a hidden self-view hides our tile, but not when we are alone', () => {
    const hidden: LayoutChoice = { ...initialLayout, selfHidden: true };
    expect(arrange(hidden, facts()).hidden).toEqual(['me']);
    expect(arrange(hidden, facts(null, ['me'])).hidden).toEqual([]);
  });

  it('a pin on our own hidden tile does not feature an invisible tile', () => {
    const choice: LayoutChoice = { mode: 'grid', pinned: 'me', selfHidden: true };
    expect(arrange(choice, facts())).toEqual({ featured: null, hidden: ['me'] });
  });

  it('a pin on someone who left is dropped', () => {
    const pinned = togglePin(initialLayout, 'bob');
    expect(prunePin(pinned, ['me', 'ann']).pinned).toBeNull();
    expect(prunePin(pinned, ['me', 'bob'])).toBe(pinned);
  });
});
