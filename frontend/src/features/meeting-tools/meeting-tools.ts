/*
 * The meeting's tool row in the header: layout (grid/speaker, self-view), device pickers, the invite link and
 * sign-out; plus the connection-quality indicators it puts on the stage's tiles. One entry point, so the meeting
 * page composes it in one line.
 */
import './meeting-tools.css';
import type { AppContext } from '../../app-context';
import type { MeetingSession } from '../../meeting/session';
import { h } from '../../ui/dom';
import { createSignOutButton } from '../account/sign-out-button';
import { createDevicePicker } from '../devices/device-picker';
import { createInviteButton } from '../invite/invite-button';
import { createLayoutView } from '../layout/layout-view';
import { createQualityIndicators } from '../quality/quality-view';
import type { StageView } from '../tiles/stage';

export function createMeetingTools(
  ctx: AppContext,
  session: MeetingSession,
  stage: StageView,
  toast: (text: string) => void,
): { el: HTMLElement; dispose(): void } {
  const layout = createLayoutView(stage);
  const devices = createDevicePicker({
    local: session.local,
    playback: stage.el,
    onPlaybackChange: (listener) => stage.onChange(listener),
    toast,
  });
  const quality = createQualityIndicators(session, stage);
  const signOut = createSignOutButton({
    api: ctx.api,
    beforeSignOut: () => session.leave(),
    afterSignOut: () => ctx.navigate('/'),
    onError: toast,
  });
  const el = h(
    'div',
    { class: 'meeting-tools', attrs: { role: 'toolbar', 'aria-label': 'Meeting tools' } },
    layout.el,
    devices.el,
    createInviteButton(session.roomId, toast),
    signOut,
  );
  return {
    el,
    dispose() {
      layout.dispose();
      devices.dispose();
      quality.dispose();
    },
  };
}
