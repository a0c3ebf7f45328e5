import '../styles/pages/prejoin.css';
import { ApiError, type RoomInfo } from '../api/client';
import type { AppContext } from '../app-context';
import { createMicMeter } from '../features/devices/mic-meter';
import { createEffectsPicker } from '../features/effects/effects-picker';
import { effectsFor } from '../features/effects/effects-controller';
import { LocalMedia } from '../media/local-media';
import { chosenDevice, type DeviceOption } from '../features/devices/devices-state';
import { watchDevices } from '../features/devices/device-watch';
import { MeetingSession } from '../meeting/session';
import { displayText, h, replaceChildren } from '../ui/dom';
import { describeError, ensureSignedIn, errorBox, field, page } from './common';
import { renderEnded } from './ended';
import { renderNoSuchMeeting } from './missing-meeting';
import { renderMeeting } from '../meeting/meeting-page';

/**
 * Looks the meeting up before anything else: an unknown code gets "No such meeting" without the camera ever turning
 * on, and a known one is named in the heading for everyone, guests included (the room lookup needs no sign-in).
 */
export function renderPrejoin(ctx: AppContext, roomId: string): HTMLElement {
  const holder = page(
    'Join',
    h('p', { attrs: { role: 'status', 'data-testid': 'prejoin-loading' } }, 'Opening the meeting…'),
  );
  // The person may have navigated on while the lookup ran: then nothing is shown and the camera stays off.
  const show = (next: () => HTMLElement) => {
    if (holder.isConnected) holder.replaceWith(next());
  };
  void ctx.api.getRoom(roomId).then(
    (info) => show(() => renderPrejoinForm(ctx, roomId, info)),
    (err: unknown) =>
      show(() =>
        err instanceof ApiError && err.status === 404
          ? renderNoSuchMeeting(ctx, roomId)
          : // The lookup failing for another reason (network) must not lock anyone out: Join reports the real error.
            renderPrejoinForm(ctx, roomId, null),
      ),
  );
  return holder;
}

/** The meeting's own words for the heading; a room without a name still reads as an invitation. */
export function prejoinTitle(info: Pick<RoomInfo, 'name'> | null): string {
  const name = info?.name ? displayText(info.name, 80) : '';
  return name ? `Join “${name}”` : 'Join the meeting';
}

function renderPrejoinForm(ctx: AppContext, roomId: string, info: RoomInfo | null): HTMLElement {
  const local = new LocalMedia();
  const effects = createEffectsPicker(effectsFor(local));
  const preview = h('video', {
    class: 'preview-video mirror',
    attrs: { autoplay: true, playsinline: true, 'data-testid': 'preview' },
  });
  preview.muted = true;
  const previewNote = h('p', { class: 'muted-note', attrs: { hidden: true } });
  const name = h('input', {
    attrs: { name: 'name', required: true, maxlength: 40, autocomplete: 'name', 'data-testid': 'prejoin-name' },
  });
  name.value = ctx.displayName;
  const micOn = h('input', { attrs: { type: 'checkbox', 'data-testid': 'prejoin-mic' } });
  const camOn = h('input', { attrs: { type: 'checkbox', 'data-testid': 'prejoin-cam' } });
  micOn.checked = true;
  camOn.checked = true;
  const audioSelect = h('select', { attrs: { 'aria-label': 'Microphone', 'data-testid': 'mic-select' } });
  const videoSelect = h('select', { attrs: { 'aria-label': 'Camera', 'data-testid': 'cam-select' } });
  const password = h('input', {
    attrs: {
      type: 'password',
      name: 'password',
      maxlength: 128,
      autocomplete: 'current-password',
      'data-testid': 'prejoin-password',
    },
  });
  const passwordField = field('Meeting password', password);
  passwordField.hidden = !info?.needsPassword;
  const title = h('h1', { attrs: { 'data-testid': 'prejoin-title' } }, prejoinTitle(info));
  const shareLink = `${location.origin}/r/${roomId}`;
  const copy = h(
    'button',
    {
      class: 'link-button',
      attrs: { type: 'button', 'data-testid': 'copy-link' },
      on: { click: () => void navigator.clipboard?.writeText(shareLink).then(() => (copy.textContent = 'Copied')) },
    },
    'Copy link',
  );
  const error = errorBox();
  const joinButton = h('button', { class: 'primary', attrs: { type: 'submit', 'data-testid': 'join' } }, 'Join now');

  const refreshPreview = () => {
    preview.srcObject = local.cam ? local.stream : null;
    previewNote.hidden = local.cam && !local.lastError;
    previewNote.textContent = local.lastError ?? (local.cam ? '' : 'Camera is off');
  };
  micOn.addEventListener('change', () => local.setMic(micOn.checked));
  camOn.addEventListener('change', () => {
    local.setCam(camOn.checked);
    refreshPreview();
  });
  const switchFailed = (err: unknown) => error.show(`Could not switch the device: ${describeError(err)}`);
  audioSelect.addEventListener(
    'change',
    () => void local.useDevice('audio', audioSelect.value).then(refreshPreview, switchFailed),
  );
  videoSelect.addEventListener(
    'change',
    () => void local.useDevice('video', videoSelect.value).then(refreshPreview, switchFailed),
  );

  // A reload keeps the same identity through the refresh cookie; Join waits for that so it never mints a new guest.
  const restored: Promise<boolean> = ctx.api.signedIn ? Promise.resolve(true) : ctx.api.refresh().catch(() => false);

  void (async () => {
    await local.start();
    refreshPreview();
    const fill = (select: HTMLSelectElement, list: DeviceOption[], current?: string) => {
      const chosen = chosenDevice(list, current);
      replaceChildren(
        select,
        ...list.map((d) => {
          const opt = h('option', { attrs: { value: d.deviceId } }, d.label);
          opt.selected = d.deviceId === chosen;
          return opt;
        }),
      );
    };
    // A headset or camera plugged in (or pulled out) while the person looks at this page shows up at once.
    const stopWatching = watchDevices(navigator.mediaDevices, (lists) => {
      if (!form.isConnected) return stopWatching();
      fill(audioSelect, lists.microphones, local.deviceInUse('audio'));
      fill(videoSelect, lists.cameras, local.deviceInUse('video'));
    });
    if (await restored) {
      // Only into an empty field nobody is typing in: filling it under the caret would append to what is typed.
      if (!name.value && document.activeElement !== name && ctx.api.currentUser) name.value = ctx.api.currentUser.name;
    }
  })();

  let joining = false;
  const form = h(
    'form',
    {
      class: 'card prejoin-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          if (joining) return;
          joining = true;
          joinButton.disabled = true;
          error.show(null);
          void (async () => {
            try {
              const displayName = name.value.trim();
              ctx.displayName = displayName;
              await restored;
              await ensureSignedIn(ctx.api, displayName);
              const session = new MeetingSession(ctx.api, ctx.config, roomId, local);
              wireEnd(ctx, session, roomId);
              session.on('phase', (phase) => {
                if (phase === 'lobby') replaceChildren(ctx.root, renderLobbyWait(ctx, session));
                if (phase === 'in-room' && !ctx.root.querySelector('[data-testid="meeting"]')) {
                  replaceChildren(ctx.root, renderMeeting(ctx, session));
                }
              });
              await session.join(password.value || undefined);
            } catch (err) {
              if (err instanceof ApiError && /password/i.test(`${err.code} ${err.message}`))
                passwordField.hidden = false;
              error.show(describeError(err));
              joining = false;
              joinButton.disabled = false;
            }
          })();
        },
      },
    },
    title,
    h('p', { class: 'share' }, h('span', { attrs: { 'data-testid': 'share-link' } }, shareLink), ' ', copy),
    field('Your name', name),
    h(
      'div',
      { class: 'toggles' },
      h('label', { class: 'check' }, micOn, ' Microphone on'),
      h('label', { class: 'check' }, camOn, ' Camera on'),
    ),
    field('Microphone', audioSelect),
    createMicMeter(local),
    field('Camera', videoSelect),
    effects.el,
    passwordField,
    error,
    joinButton,
  );
  return page(
    info?.name ? displayText(info.name, 80) : 'Join',
    h('div', { class: 'prejoin' }, h('div', { class: 'preview' }, preview, previewNote), form),
  );
}

function renderLobbyWait(ctx: AppContext, session: MeetingSession): HTMLElement {
  return page(
    'Waiting',
    h(
      'section',
      { class: 'card center', attrs: { 'data-testid': 'lobby-wait', role: 'status' } },
      h('div', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
      h('h1', null, 'Waiting for the host to let you in'),
      h('p', null, 'You will join as soon as someone admits you.'),
      h(
        'button',
        {
          attrs: { type: 'button' },
          on: {
            click: () => {
              session.leave();
              ctx.navigate('/');
            },
          },
        },
        'Cancel',
      ),
    ),
  );
}

function wireEnd(ctx: AppContext, session: MeetingSession, roomId: string): void {
  session.on('ended', (reason, detail) => replaceChildren(ctx.root, renderEnded(ctx, reason, detail, roomId)));
}
