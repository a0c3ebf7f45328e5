/** Single-key shortcuts that never fire while the user types in a field. */
export type ShortcutMap = Record<string, { label: string; run: () => void }>;

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

export function bindShortcuts(map: ShortcutMap): () => void {
  const handler = (event: KeyboardEvent) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    const entry = map[event.key] ?? map[event.key.toLowerCase()];
    if (!entry) return;
    event.preventDefault();
    entry.run();
  };
  document.addEventListener('keydown', handler);
  return () => document.removeEventListener('keydown', handler);
}
