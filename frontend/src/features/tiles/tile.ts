import type { Participant } from '../../../../functions/shared/protocol/room';
import { displayText, h } from '../../ui/dom';
import { createAvatar } from '../avatars/avatar';
import { accountBadgeLabel } from '../participants/account-badge';

export interface TileView {
  el: HTMLElement;
  video: HTMLVideoElement;
  setParticipant(p: Participant | null, fallbackName: string): void;
  setStream(stream: MediaStream | null): void;
  setSpeaking(on: boolean): void;
  setReconnecting(on: boolean): void;
}

export function createTile(peerId: string, isSelf: boolean): TileView {
  const video = h('video', { class: isSelf ? 'mirror' : '', attrs: { autoplay: true, playsinline: true } });
  // Our own audio must never play back to us; remote tiles play their audio through this element.
  video.muted = isSelf;
  // Shown while the camera is off: the person's picture, else their initials.
  const avatar = createAvatar('tile', 'tile-avatar');
  const name = h('span', { class: 'tile-name', attrs: { 'data-testid': 'tile-name' } });
  const micOff = h(
    'span',
    { class: 'badge mic-off', attrs: { 'data-testid': 'tile-mic-off', title: 'Muted', hidden: true } },
    'Muted',
  );
  const hand = h('span', { class: 'badge hand', attrs: { hidden: true } }, 'Hand raised');
  const role = h('span', { class: 'badge role', attrs: { hidden: true } });
  const account = h('span', { class: 'badge account', attrs: { 'data-testid': 'tile-account', hidden: true } });
  const status = h('span', { class: 'badge status', attrs: { hidden: true } }, 'Reconnecting…');
  const el = h(
    'div',
    { class: `tile${isSelf ? ' self' : ''}`, attrs: { 'data-peer-id': peerId, 'data-testid': 'tile' } },
    video,
    avatar.el,
    h('div', { class: 'nameplate' }, name, role, account, micOff, hand, status),
  );
  let hasStream = false;
  let camOn = true;
  const refresh = () => el.classList.toggle('video-off', !hasStream || !camOn);
  return {
    el,
    video,
    setParticipant(p, fallbackName) {
      const label = displayText(p?.name ?? fallbackName) + (isSelf ? ' (you)' : '');
      name.textContent = label;
      avatar.set(p?.name ?? fallbackName, p?.avatarUrl);
      el.setAttribute('aria-label', label);
      micOff.hidden = !p || p.mic;
      hand.hidden = !p?.handRaised;
      role.hidden = !p || p.role === 'member';
      role.textContent = p?.role === 'host' ? 'Host' : p?.role === 'cohost' ? 'Co-host' : '';
      account.hidden = !p;
      if (p) {
        const label = accountBadgeLabel(p.verified);
        account.textContent = label.text;
        account.title = label.title;
        account.classList.toggle('verified', p.verified);
      }
      camOn = p ? p.cam : true;
      el.dataset.mic = String(p?.mic ?? false);
      el.dataset.cam = String(camOn);
      refresh();
    },
    setStream(stream) {
      if (video.srcObject !== stream) video.srcObject = stream;
      hasStream = !!stream;
      if (stream) void video.play().catch(() => undefined);
      refresh();
    },
    setSpeaking(on) {
      el.classList.toggle('speaking', on);
    },
    setReconnecting(on) {
      status.hidden = !on;
    },
  };
}

/** Grid shape by tile count, as a class (no inline styles under the CSP). */
export function gridClass(count: number): string {
  if (count <= 1) return 'grid n1';
  if (count === 2) return 'grid n2';
  if (count <= 4) return 'grid n4';
  if (count <= 6) return 'grid n6';
  return 'grid n9';
}
