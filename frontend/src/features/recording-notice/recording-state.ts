import type { RecordingNotice } from '../../../../functions/shared/protocol/room';
import type { Reducers, RoomState } from '../../meeting/room-state';

export interface RecordingSlice {
  /** Who records the meeting right now, as the server holds it; null while nobody does. */
  recording: RecordingNotice | null;
}

export const initialRecordingSlice: RecordingSlice = { recording: null };

export const recordingReducers: Reducers<RoomState> = {
  // Every welcome carries the room's notice; none means nobody records (it may have stopped while we were away).
  welcome: (s, m) => ({ ...s, recording: m.recording ?? null }),
  'recording.state': (s, m) => ({ ...s, recording: m.recording }),
};

/** The one-time notice's words (`mine`: this page is the recorder). */
export const recordingNoticeText = (r: RecordingNotice, mine = false): string =>
  `${mine ? 'You are' : `${r.by} is`} recording this meeting. Everyone in it sees a Recording indicator while it lasts.`;
