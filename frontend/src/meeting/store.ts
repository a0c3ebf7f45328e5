/**
 * A minimal observable store: one immutable state value, replaced whole by pure reducers, and subscribers that
 * listen to the slice they draw. A slice listener runs only when its selector's result changes (by `Object.is`),
 * so reducers must return the same object for an untouched slice and a new one for a changed slice.
 */
export class Store<S> {
  private readonly listeners = new Set<(state: S) => void>();

  constructor(private state: S) {}

  get(): S {
    return this.state;
  }

  set(next: S): void {
    if (Object.is(next, this.state)) return;
    this.state = next;
    for (const listener of [...this.listeners]) listener(next);
  }

  /**
   * Calls `listener(slice)` now and whenever the selected slice changes. Returns the unsubscribe function.
   * Calling now is what views want: they draw the current state first, then follow it.
   */
  select<T>(
    selector: (state: S) => T,
    listener: (slice: T, state: S) => void,
    equals: (a: T, b: T) => boolean = Object.is,
  ): () => void {
    let last = selector(this.state);
    listener(last, this.state);
    const onChange = (state: S) => {
      const next = selector(state);
      if (equals(next, last)) return;
      last = next;
      listener(next, state);
    };
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }
}

/** For selectors that pick several slices as a tuple: equal when every item is the same object. */
export function sameItems<T extends readonly unknown[]>(a: T, b: T): boolean {
  return a.length === b.length && a.every((item, i) => Object.is(item, b[i]));
}
