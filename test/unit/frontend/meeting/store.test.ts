import { Store, sameItems } from '../../../../frontend/src/meeting/store';

describe('Store', () => {
  it('calls a slice listener at once and then only when its slice changes', () => {
    const store = new Store({ a: [1], b: 'x' });
    const seen: number[][] = [];
    store.select(
      (s) => s.a,
      (a) => seen.push(a),
    );
    store.set({ ...store.get(), b: 'y' });
    const a2 = [1, 2];
    store.set({ ...store.get(), a: a2 });
    expect(seen).toEqual([[1], [1, 2]]);
  });

  it('stops calling a listener after unsubscribe', () => {
    const store = new Store({ n: 0 });
    const seen: number[] = [];
    const off = store.select(
      (s) => s.n,
      (n) => seen.push(n),
    );
    off();
    store.set({ n: 1 });
    expect(seen).toEqual([0]);
  });

  it('compares tuple slices item by item with sameItems', () => {
    const store = new Store({ a: [1], b: [2], c: 0 });
    let calls = 0;
    store.select(
      (s) => [s.a, s.b] as const,
      () => calls++,
      sameItems,
    );
    store.set({ ...store.get(), c: 1 });
    expect(calls).toBe(1);
    store.set({ ...store.get(), b: [3] });
    expect(calls).toBe(2);
  });
});
