/*
 * The HTTP API as the page uses it. The access token lives in this object only (memory): never localStorage, so
 * an injected script cannot lift a long-lived credential, and a reload signs in again through the refresh cookie.
 */
import * as z from 'zod';
import { apiUrl, type RuntimeConfig } from '../config';
import { mailSentResponseSchema } from '../../../functions/shared/protocol/accounts';
import { AVATAR_API_PATH, avatarUploadResponseSchema } from '../../../functions/shared/protocol/avatars';
import {
  meetingWhiteboardApiPath,
  meetingWhiteboardSchema,
  type MeetingWhiteboard,
} from '../../../functions/shared/protocol/whiteboard';
import {
  myRoomSchema,
  myRoomsResponseSchema,
  type MyRoom,
  type UpdateMyRoom,
} from '../../../functions/shared/protocol/my-rooms';
import {
  refreshAnswerSchema,
  signedInSessionSchema,
  type SignedInSession,
} from '../../../functions/shared/protocol/sessions';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const errorBodySchema = z.union([
  z.object({ error: z.object({ code: z.string(), message: z.string() }) }).transform((b) => b.error),
  // API Gateway's own answers (throttling, integration failures) carry only a message.
  z.object({ message: z.string() }).transform((b) => ({ code: 'gateway', message: b.message })),
]);

const sessionSchema = signedInSessionSchema;
export type Session = SignedInSession;

const iceServerSchema = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
const iceSchema = z.object({ iceServers: z.array(iceServerSchema) });

const roomInfoSchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    needsPassword: z.boolean().default(false),
    lobby: z.boolean().default(false),
    locked: z.boolean().default(false),
    maxParticipants: z.number().optional(),
    ended: z.boolean().optional(),
  })
  .passthrough();
export type RoomInfo = z.infer<typeof roomInfoSchema>;

const createdRoomSchema = z.object({ roomId: z.string().min(1), url: z.string().optional() });
export type CreatedRoom = z.infer<typeof createdRoomSchema>;

const joinSchema = z.object({
  status: z.enum(['joined', 'lobby']),
  ticket: z.string().min(1),
  peerId: z.string().min(1),
  role: z.string(),
  iceServers: z.array(iceServerSchema).optional(),
});
export type JoinGrant = z.infer<typeof joinSchema>;

export interface CreateRoomInput {
  name?: string;
  password?: string;
  lobby?: boolean;
}

export class ApiClient {
  private accessToken: string | null = null;
  private user: Session['user'] | null = null;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  get signedIn(): boolean {
    return this.accessToken !== null;
  }

  /** The user socket's credential (sent as a subprotocol, never in a URL); short-lived, and only in memory. */
  currentAccessToken(): string | null {
    return this.accessToken;
  }

  get currentUser(): Session['user'] | null {
    return this.user;
  }

  async signInAsGuest(name: string): Promise<Session> {
    const session = await this.request('POST', '/api/sessions/guest', sessionSchema, { name }, false);
    this.accessToken = session.accessToken;
    this.user = session.user;
    return session;
  }

  /** Email sign-up: the server answers the same whether or not the address has an account, and mails it. */
  async signUp(input: { email: string; password: string; name: string }): Promise<void> {
    await this.request('POST', '/api/accounts', mailSentResponseSchema, input, false);
  }

  async verifyEmail(token: string): Promise<void> {
    await this.request('POST', '/api/accounts/verify', z.object({ status: z.literal('verified') }), { token }, false);
  }

  async signInWithPassword(email: string, password: string): Promise<Session> {
    const session = await this.request('POST', '/api/sessions/password', sessionSchema, { email, password }, false);
    this.accessToken = session.accessToken;
    this.user = session.user;
    return session;
  }

  async requestPasswordReset(email: string): Promise<void> {
    await this.request('POST', '/api/accounts/password-reset', mailSentResponseSchema, { email }, false);
  }

  /** Sets a new password from an emailed link; every session of the account ends, this tab's too. */
  async resetPassword(token: string, password: string): Promise<void> {
    const done = z.object({ status: z.literal('password-set') });
    await this.request('POST', '/api/accounts/password-reset/confirm', done, { token, password }, false);
    this.accessToken = null;
    this.user = null;
  }

  /** Other sessions end; this tab gets a fresh one. */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const session = await this.request('POST', '/api/accounts/password', sessionSchema, {
      currentPassword,
      newPassword,
    });
    this.accessToken = session.accessToken;
    this.user = session.user;
  }

  /** Mails a link to the new address; the account moves only once it is followed (same answer for any address). */
  async requestEmailChange(newEmail: string, password: string): Promise<void> {
    await this.request('POST', '/api/accounts/email', mailSentResponseSchema, { newEmail, password });
  }

  async confirmEmailChange(token: string): Promise<void> {
    const done = z.object({ status: z.literal('email-changed') });
    await this.request('POST', '/api/accounts/email/confirm', done, { token }, false);
  }

  /** Deletes the account and everything it owns; `confirm` is its password (or, without one, its email). */
  async deleteAccount(confirm: string): Promise<void> {
    await this.request('DELETE', '/api/accounts/me', z.null(), { confirm });
    this.accessToken = null;
    this.user = null;
  }

  /** The rooms this account hosts, with their links, settings and recordings (owner-scoped on the server). */
  async myRooms(): Promise<MyRoom[]> {
    return (await this.request('GET', '/api/my/rooms', myRoomsResponseSchema)).rooms;
  }

  /**
   * Every board a meeting kept, for someone who was in it (during or after the meeting), each whole: a board the
   * first answer could not hold (Lambda's 6 MB) is fetched on from its `nextItem`.
   */
  async meetingWhiteboard(roomId: string): Promise<MeetingWhiteboard> {
    const meeting = await this.request('GET', meetingWhiteboardApiPath(roomId), meetingWhiteboardSchema);
    for (const board of meeting.boards) {
      while (board.nextItem !== null) {
        const rest = { board: board.board, from: board.nextItem };
        const page = await this.request('GET', meetingWhiteboardApiPath(roomId, rest), meetingWhiteboardSchema);
        const more = page.boards.find((b) => b.board === board.board);
        if (!more || (more.items.length === 0 && more.nextItem !== null)) {
          throw new ApiError(200, 'bad-response', `The server sent no more of board ${board.board}`);
        }
        board.items = board.items.concat(more.items);
        board.nextItem = more.nextItem;
      }
    }
    return meeting;
  }

  updateMyRoom(roomId: string, change: UpdateMyRoom): Promise<MyRoom> {
    return this.request('PATCH', `/api/my/rooms/${encodeURIComponent(roomId)}`, myRoomSchema, change);
  }

  /** Uploads a picture as the raw request body; the server answers with the URL of its re-encoded copy. */
  async uploadAvatar(picture: Blob): Promise<string> {
    const { avatarUrl } = await this.request('PUT', AVATAR_API_PATH, avatarUploadResponseSchema, picture);
    if (this.user) this.user = { ...this.user, avatarUrl };
    return avatarUrl;
  }

  async removeAvatar(): Promise<void> {
    await this.request('DELETE', AVATAR_API_PATH, z.null());
    if (this.user) this.user = { ...this.user, avatarUrl: undefined };
  }

  async signOutEverywhere(): Promise<void> {
    await this.request('DELETE', '/api/sessions/all', z.null());
    this.accessToken = null;
    this.user = null;
  }

  /** Uses the HttpOnly refresh cookie (if any) to get a new access token; false when there is no session. */
  async refresh(): Promise<boolean> {
    try {
      const session = await this.request('POST', '/api/sessions/refresh', refreshAnswerSchema, {}, false);
      if (!session.signedIn) {
        this.accessToken = null;
        this.user = null;
        return false;
      }
      this.accessToken = session.accessToken;
      this.user = session.user;
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) return false;
      throw err;
    }
  }

  /**
   * Ends the session on the server (the refresh cookie is revoked and cleared) and forgets the access token here.
   * The token is dropped even when the server cannot be reached: this page stops acting as that person at once.
   */
  async signOut(): Promise<void> {
    try {
      const res = await this.fetchImpl(apiUrl(this.config, '/api/sessions'), {
        method: 'DELETE',
        credentials: 'include',
      });
      if (!res.ok && res.status !== 401) throw new ApiError(res.status, 'http-error', 'Sign-out did not complete');
    } finally {
      this.accessToken = null;
      this.user = null;
    }
  }

  createRoom(input: CreateRoomInput): Promise<CreatedRoom> {
    return this.request('POST', '/api/rooms', createdRoomSchema, input);
  }

  getRoom(roomId: string): Promise<RoomInfo> {
    return this.request('GET', `/api/rooms/${encodeURIComponent(roomId)}`, roomInfoSchema);
  }

  joinRoom(roomId: string, password?: string): Promise<JoinGrant> {
    return this.request(
      'POST',
      `/api/rooms/${encodeURIComponent(roomId)}/join`,
      joinSchema,
      password ? { password } : {},
    );
  }

  async iceServers(): Promise<RTCIceServer[]> {
    const ice = await this.request('GET', '/api/ice', iceSchema);
    return ice.iceServers;
  }

  /**
   * A file the API serves to the signed-in user (a poll export): the body and the name the server suggests. Goes
   * through fetch, not a link, because the access token travels in a header, never in a URL.
   */
  async download(path: string, retryOn401 = true): Promise<{ blob: Blob; filename: string }> {
    const headers: Record<string, string> = {};
    if (this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    const res = await this.fetchImpl(apiUrl(this.config, path), { headers, credentials: 'include' });
    if (res.status === 401 && retryOn401 && this.accessToken && (await this.refresh())) {
      return this.download(path, false);
    }
    if (!res.ok) {
      const parsed = errorBodySchema.safeParse(await res.json().catch(() => null));
      throw parsed.success
        ? new ApiError(res.status, parsed.data.code, parsed.data.message)
        : new ApiError(res.status, 'http-error', `The server answered HTTP ${res.status}`);
    }
    const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'download';
    return { blob: await res.blob(), filename };
  }

  /** Public so feature pages (recordings) reuse the session, refresh and error mapping instead of copying them. */
  async request<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown, retryOn401 = true): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    // A Blob (a picture) travels as itself, with its own type; anything else as JSON.
    const raw = body instanceof Blob;
    if (body !== undefined) headers['content-type'] = raw ? body.type : 'application/json';
    if (this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    const res = await this.fetchImpl(apiUrl(this.config, path), {
      method,
      headers,
      credentials: 'include',
      ...(body !== undefined ? { body: raw ? body : JSON.stringify(body) } : {}),
    });
    // The access token lives 15 minutes: refresh once through the cookie, then repeat the request.
    if (res.status === 401 && retryOn401 && this.accessToken && (await this.refresh())) {
      return this.request(method, path, schema, body, false);
    }
    const payload: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const parsed = errorBodySchema.safeParse(payload);
      throw parsed.success
        ? new ApiError(res.status, parsed.data.code, parsed.data.message)
        : new ApiError(res.status, 'http-error', `The server answered HTTP ${res.status}`);
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw new ApiError(res.status, 'bad-response', `Unexpected answer from ${path}`);
    return parsed.data;
  }
}
