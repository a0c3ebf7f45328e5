/*
 * Grid / speaker view, pinning a tile and hiding the self-view: local choices (layout-state.ts) drawn as classes
 * and attributes on the stage's tiles, so the stage keeps owning the tiles and their media.
 */
import './layout.css';
import type { StageView } from '../tiles/stage';
import { h } from '../../ui/dom';
import { arrange, initialLayout, prunePin, togglePin, type LayoutChoice } from './layout-state';

export interface LayoutView {
  /** The view buttons (grid/speaker, self-view) for the meeting toolbar. */
  el: HTMLElement;
  dispose(): void;
}

export function createLayoutView(stage: StageView): LayoutView {
  let choice: LayoutChoice = initialLayout;

  const viewBtn = h('button', {
    class: 'small',
    attrs: { type: 'button', 'data-testid': 'toggle-view', 'aria-pressed': 'false' },
    on: { click: () => update({ ...choice, mode: choice.mode === 'grid' ? 'speaker' : 'grid' }) },
  });
  const selfBtn = h('button', {
    class: 'small',
    attrs: { type: 'button', 'data-testid': 'toggle-self-view', 'aria-pressed': 'false' },
    on: { click: () => update({ ...choice, selfHidden: !choice.selfHidden }) },
  });
  const el = h('div', { class: 'layout-buttons', attrs: { role: 'group', 'aria-label': 'Layout' } }, viewBtn, selfBtn);

  function update(next: LayoutChoice) {
    choice = next;
    apply();
  }

  /** Every tile gets a pin button once; its label follows the pin. */
  function pinButton(tile: HTMLElement, peerId: string): HTMLButtonElement {
    let btn = tile.querySelector<HTMLButtonElement>(':scope > .pin');
    if (!btn) {
      btn = h('button', {
        class: 'pin small',
        attrs: { type: 'button', 'data-testid': 'pin-tile', 'aria-pressed': 'false' },
        on: { click: () => update(togglePin(choice, peerId)) },
      });
      tile.append(btn);
    }
    return btn;
  }

  function apply() {
    const tiles = stage.tileIds();
    choice = prunePin(choice, tiles);
    const { featured, hidden } = arrange(choice, {
      tiles,
      selfId: stage.selfId(),
      activeSpeaker: stage.activeSpeaker(),
    });
    for (const peerId of tiles) {
      const tile = stage.tileOf(peerId);
      if (!tile) continue;
      const pinned = choice.pinned === peerId;
      tile.classList.toggle('featured', featured === peerId);
      tile.classList.toggle('pinned', pinned);
      tile.hidden = hidden.includes(peerId);
      const btn = pinButton(tile, peerId);
      const who = tile.getAttribute('aria-label') ?? 'this tile';
      btn.textContent = pinned ? 'Unpin' : 'Pin';
      btn.setAttribute('aria-pressed', String(pinned));
      btn.setAttribute('aria-label', `${pinned ? 'Unpin' : 'Pin'} ${who}`);
    }
    stage.el.classList.toggle('featuring', featured !== null);
    stage.el.dataset.view = choice.mode;
    viewBtn.textContent = choice.mode === 'grid' ? 'Speaker view' : 'Grid view';
    viewBtn.setAttribute('aria-pressed', String(choice.mode === 'speaker'));
    selfBtn.textContent = choice.selfHidden ? 'Show self-view' : 'Hide self-view';
    selfBtn.setAttribute('aria-pressed', String(choice.selfHidden));
    stage.relayout();
  }

  const off = stage.onChange(apply);
  apply();
  return { el, dispose: off };
}
