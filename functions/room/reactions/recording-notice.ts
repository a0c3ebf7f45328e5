/**
 * The recording notice (consent): while anyone records the meeting, the room holds who and since when (Redis), tells
 * everyone, and tells each late joiner in `welcome`. The recorder's page says when it starts and stops; its leaving,
 * removal, replacement or lost connection ends the notice too (departure.ts calls `recorderGone`).
 */
import { announce } from '../departure';
import type { LiveRecording } from '../live-state';
import { notAllowed } from '../errors';
import { requireParticipant, type Handler, type RoomDeps } from '../room-context';
import type { RecordingNotice } from '../../shared/protocol/room';

const publicNotice = ({ by, peerId, since }: LiveRecording): RecordingNotice => ({ by, peerId, since });

export const recordingStarted: Handler<'recording.started'> = async (deps, who) => {
  const p = await requireParticipant(deps, who);
  const current = await deps.live.getRecording(who.roomId);
  // A repeat from the same page (a reconnect resends it) keeps the original start time and tells nobody again.
  if (current?.peerId === p.peerId) return;
  const recording: LiveRecording = { by: p.name, peerId: p.peerId, since: deps.now(), sub: p.sub };
  await deps.live.setRecording(who.roomId, recording);
  await announce(deps, who.roomId, { type: 'recording.state', recording: publicNotice(recording) });
};

export const recordingStopped: Handler<'recording.stopped'> = async (deps, who) => {
  const p = await requireParticipant(deps, who);
  const current = await deps.live.getRecording(who.roomId);
  if (!current) return;
  // Only the recorder's page knows whether the recording has stopped; anyone else saying so would hide it.
  if (current.peerId !== p.peerId) throw notAllowed(`${current.by} is recording; only they can stop it`);
  await recorderGone(deps, who.roomId, p.peerId);
};

/** `peerId` stopped recording or left the room: clears the notice if they were the recorder, and tells the room. */
export async function recorderGone(deps: RoomDeps, roomId: string, peerId: string): Promise<void> {
  if (await deps.live.clearRecording(roomId, peerId)) {
    await announce(deps, roomId, { type: 'recording.state', recording: null });
  }
}

/** For `welcome`: the notice a late joiner must see. */
export async function recordingForWelcome(deps: RoomDeps, roomId: string): Promise<RecordingNotice | undefined> {
  const current = await deps.live.getRecording(roomId);
  return current ? publicNotice(current) : undefined;
}
