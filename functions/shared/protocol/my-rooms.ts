import * as z from 'zod';

/*
 * "My rooms" (issue #15): the rooms a person hosts, each with its fixed link, its settings and the recordings they
 * made in it. Shared by the owner-scoped routes (functions/room/my-rooms.ts) and the page (frontend/src/pages).
 */

export const MY_ROOMS_PAGE_PATH = '/account/rooms';

export const myRoomRecordingSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.string(),
  durationSeconds: z.number().nullable(),
  createdAt: z.string(),
});

export const myRoomSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The room's fixed link: the same every time it is used, until the room is deleted with the account. */
  url: z.string(),
  lobby: z.boolean(),
  hasPassword: z.boolean(),
  locked: z.boolean(),
  /** Someone ended it for everyone; the host can open it again (`reopen`). */
  ended: z.boolean(),
  createdAt: z.string(),
  recordings: z.array(myRoomRecordingSchema),
});
export type MyRoom = z.infer<typeof myRoomSchema>;

export const myRoomsResponseSchema = z.object({ rooms: z.array(myRoomSchema) });

/** A settings change; absent fields stay as they are, `password: null` removes the password. */
export const updateMyRoomSchema = z.strictObject({
  lobby: z.boolean().optional(),
  password: z.string().min(4, 'password must be at least 4 characters').max(128).nullable().optional(),
  reopen: z.literal(true).optional(),
});
export type UpdateMyRoom = z.infer<typeof updateMyRoomSchema>;
