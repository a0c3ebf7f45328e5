/*
 * How the stage arranges its tiles, as local choices only (nothing crosses the wire): grid or speaker view, a
 * pinned tile, and whether our own tile shows. Pure functions, so the rules are unit-tested without a DOM.
 */

export type ViewMode = 'grid' | 'speaker';

export interface LayoutChoice {
  mode: ViewMode;
  /** The tile this person pinned (it stays featured whoever speaks); null: none. */
  pinned: string | null;
  selfHidden: boolean;
}

export const initialLayout: LayoutChoice = { mode: 'grid', pinned: null, selfHidden: false };

export interface StageFacts {
  /** Peer ids of the tiles on the stage, self included. */
  tiles: readonly string[];
  selfId: string;
  /** The latest speaker (speaker-detector.ts); null before anyone spoke. */
  activeSpeaker: string | null;
}

export interface Arrangement {
  /** The big tile (pinned, or in speaker view the active speaker); null: a plain grid. */
  featured: string | null;
  /** Tiles not drawn (our own, when the self-view is hidden and it is not pinned). */
  hidden: string[];
}

/** Pinning the pinned tile again unpins it; pinning another moves the pin. */
export function togglePin(choice: LayoutChoice, peerId: string): LayoutChoice {
  return { ...choice, pinned: choice.pinned === peerId ? null : peerId };
}

export function arrange(choice: LayoutChoice, facts: StageFacts): Arrangement {
  const present = new Set(facts.tiles);
  // Hiding the self-view hides our tile unless it is the only one there is (an empty stage helps nobody).
  const hideSelf = choice.selfHidden && facts.tiles.some((id) => id !== facts.selfId);
  const hidden = hideSelf && present.has(facts.selfId) ? [facts.selfId] : [];
  const visible = facts.tiles.filter((id) => !hidden.includes(id));
  if (choice.pinned && present.has(choice.pinned) && !hidden.includes(choice.pinned)) {
    return { featured: choice.pinned, hidden };
  }
  if (choice.mode === 'grid' || visible.length === 0) return { featured: null, hidden };
  // Speaker view: the person talking, never ourselves while anyone else is there (we know what we look like).
  const others = visible.filter((id) => id !== facts.selfId);
  const speaker = facts.activeSpeaker;
  if (speaker && speaker !== facts.selfId && others.includes(speaker)) return { featured: speaker, hidden };
  return { featured: others[0] ?? visible[0] ?? null, hidden };
}

/** A pin on a tile that left the stage is dropped, so a returning person is not featured by surprise. */
export function prunePin(choice: LayoutChoice, tiles: readonly string[]): LayoutChoice {
  return choice.pinned && !tiles.includes(choice.pinned) ? { ...choice, pinned: null } : choice;
}
