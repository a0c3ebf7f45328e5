import './header.css';
import { isOverVideoLimit, MESH_VIDEO_LIMIT } from '../../media/quality-policy';
import type { MeetingSession } from '../../meeting/session';
import { ConnectionState } from '../../net/connection-state';
import { displayText, h } from '../../ui/dom';

/** Meeting name, lock badge, and the banners for a reconnect and for reduced video. */
export function createMeetingHeader(session: MeetingSession): { el: HTMLElement; dispose(): void } {
  const roomName = h('span', { class: 'room-name', attrs: { 'data-testid': 'room-name' } });
  const lockBadge = h('span', { class: 'badge', attrs: { hidden: true, 'data-testid': 'locked' } }, 'Locked');
  const banner = h('div', {
    class: 'banner',
    attrs: { role: 'status', hidden: true, 'data-testid': 'connection-banner' },
  });
  const sizeBanner = h('div', {
    class: 'banner info',
    attrs: { role: 'status', hidden: true, 'data-testid': 'size-banner' },
  });
  // Persistent while the server says someone records (consent): never a client-side flag, so late joiners see it too.
  const recordingBadge = h('span', {
    class: 'badge recording',
    attrs: { hidden: true, role: 'status', 'data-testid': 'recording-indicator' },
  });
  const el = h('header', { class: 'meeting-header' }, roomName, lockBadge, recordingBadge, banner, sizeBanner);

  const syncSizeBanner = () => {
    const n = session.roster.length;
    sizeBanner.hidden = !isOverVideoLimit(n) && !session.audioOnly;
    sizeBanner.textContent = isOverVideoLimit(n)
      ? `${n} people are here: cameras are off above ${MESH_VIDEO_LIMIT} so everyone keeps clear audio.`
      : 'Audio-only mode: your camera is not sent and video from others is paused.';
  };

  const offs = [
    session.store.select(
      (s) => s.room,
      (room) => {
        roomName.textContent = displayText(room?.name || 'Meeting', 80);
        lockBadge.hidden = !room?.locked;
      },
    ),
    session.store.select(
      (s) => s.recording,
      (recording) => {
        recordingBadge.hidden = !recording;
        recordingBadge.textContent = recording ? 'Recording' : '';
        recordingBadge.title = recording
          ? `${displayText(recording.by)} is recording this meeting (since ${new Date(recording.since).toLocaleTimeString()})`
          : '';
      },
    ),
    session.store.select((s) => s.roster, syncSizeBanner),
    session.on('localChanged', syncSizeBanner),
    session.on('connection', (sig, room) => {
      const reconnecting = [sig, room].includes(ConnectionState.Reconnecting);
      banner.hidden = !reconnecting;
      banner.dataset.state = reconnecting ? 'reconnecting' : 'connected';
      banner.textContent = reconnecting ? 'Connection interrupted. Reconnecting… (your call continues)' : '';
    }),
  ];
  return { el, dispose: () => offs.forEach((off) => off()) };
}
