import * as z from 'zod';
import { clientAddressBucket, loadEdgeSecret } from '../auth/client-ip';
import { issueRoomTicket, verifyAccessToken, type AccessClaims, type RoomTicketClaims } from '../auth/tickets';
import type { Route } from '../api/router';
import { iceServersForUser } from '../signaling/ice';
import type { IceServer } from '../signaling/ice-servers';
import { intEnv, requireEnv } from '../shared/env';
import { BadRequest, ConfigError, NotFound } from '../shared/errors';
import { bearerToken, json, readJson, type HttpEvent } from '../shared/http';
import { limits, rateLimit, takeAttempt, type Limit } from '../shared/rate-limit';
import { RedisMembership, type Membership } from '../shared/membership';
import { roomKeys } from '../shared/redis-keys';
import { roomIdSchema } from '../shared/protocol/room';
import { displayNameProblem, normaliseDisplayName, roomDisplayName } from './display-name';
import { newPeerId, newRoomId } from './ids';
import { decideJoin } from './join-policy';
import { RedisLiveRoomState, type LiveRoomState } from './live-state';
import { hashPassword, verifyPassword } from './password';
import { othersPresent } from './room-context';
import { SqlRoomStore, type RoomStore } from './room-store';

export const DEFAULT_MAX_PARTICIPANTS = 8;

/** ROOM_MAX_PARTICIPANTS bounds every room (mesh WebRTC stops being practical beyond ~8 video peers). */
export function maxParticipantsCap(): number {
  const cap = intEnv('ROOM_MAX_PARTICIPANTS', DEFAULT_MAX_PARTICIPANTS);
  if (cap < 2 || cap > 100) throw new ConfigError(`ROOM_MAX_PARTICIPANTS must be 2–100, got ${cap}`);
  return cap;
}

export const createRoomBodySchema = z.strictObject({
  // The meeting's name is shown to everyone who joins (and in the lobby), so it follows the display-name rules.
  name: z
    .string()
    .transform(normaliseDisplayName)
    .pipe(z.string().min(1).max(80))
    .superRefine((value, ctx) => {
      const problem = displayNameProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.replace('Names', 'Meeting names') });
    })
    .optional(),
  // Long enough for a passphrase, short enough that scrypt input stays bounded.
  password: z.string().min(4, 'password must be at least 4 characters').max(128).optional(),
  lobby: z.boolean().optional(),
  maxParticipants: z.number().int().min(2).optional(),
});
export type CreateRoomBody = z.infer<typeof createRoomBodySchema>;

export const joinRoomBodySchema = z.strictObject({ password: z.string().max(128).optional() });

export interface RoomRouteDeps {
  store: RoomStore;
  live: LiveRoomState;
  membership: Membership;
  verifyAccessToken(token: string): Promise<AccessClaims>;
  issueTicket(claims: RoomTicketClaims): Promise<string>;
  rateLimit(key: string, limit: Limit): Promise<void>;
  /** The per-room wrong-password budget (rate-limit.ts `takeAttempt`). */
  takeAttempt: typeof takeAttempt;
  limits: { roomCreate: Limit; roomJoin: Limit; roomPasswordFailures: Limit };
  publicUrl(): string;
  maxParticipants(): number;
  /** STUN/TURN for the joiner (time-limited TURN credentials name the user). */
  iceServers(sub: string): Promise<IceServer[]>;
  /**
   * CloudFront's origin secret, so the per-address join limit keys on the viewer, not the shared edge server.
   * @default - no secret: the limit keys on the request's source address
   */
  edgeSecret?(): Promise<string | undefined>;
}

async function signedInUser(deps: RoomRouteDeps, event: HttpEvent): Promise<AccessClaims> {
  return deps.verifyAccessToken(bearerToken(event));
}

/** Ids are checked before any database call: a malformed id is simply a room that does not exist. */
function roomIdParam(params: Record<string, string>): string {
  const parsed = roomIdSchema.safeParse(params.id);
  if (!parsed.success) throw new NotFound('No such room', 'room-not-found');
  return parsed.data;
}

export function createRoomRoutes(deps: () => RoomRouteDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/rooms',
      async handle({ event }) {
        const d = deps();
        const user = await signedInUser(d, event);
        await d.rateLimit(`room-create:${user.sub}`, d.limits.roomCreate);
        const body = readJson(event, createRoomBodySchema);
        const cap = d.maxParticipants();
        if (body.maxParticipants !== undefined && body.maxParticipants > cap) {
          throw new BadRequest(`maxParticipants must be at most ${cap}`, undefined, 'too-many-participants');
        }
        const roomId = newRoomId();
        const hostName = roomDisplayName(user.name);
        await d.store.createRoom(
          {
            id: roomId,
            name: body.name ?? `${hostName}'s meeting`.slice(0, 80),
            passwordHash: body.password ? await hashPassword(body.password) : null,
            lobby: body.lobby ?? false,
            maxParticipants: body.maxParticipants ?? cap,
          },
          { sub: user.sub, name: hostName },
        );
        return json(201, { roomId, url: `${d.publicUrl().replace(/\/+$/, '')}/r/${roomId}` });
      },
    },
    {
      method: 'GET',
      path: '/api/rooms/{id}',
      async handle({ params }) {
        const d = deps();
        const roomId = roomIdParam(params);
        const room = await d.store.getRoom(roomId);
        if (!room) throw new NotFound('No such room', 'room-not-found');
        const present = othersPresent(await d.live.roster(roomId), '');
        return json(200, {
          exists: true,
          id: room.id,
          name: room.name,
          needsPassword: room.passwordHash !== null,
          lobby: room.lobby,
          locked: room.locked,
          ended: room.ended,
          full: present >= room.maxParticipants,
          participants: present,
          maxParticipants: room.maxParticipants,
        });
      },
    },
    {
      method: 'POST',
      path: '/api/rooms/{id}/join',
      async handle({ event, params }) {
        const d = deps();
        const user = await signedInUser(d, event);
        // First, so a name that would spoof the roster is refused before any password is tried or any row written.
        const name = roomDisplayName(user.name);
        const roomId = roomIdParam(params);
        // Per identity and per address: guest identities are cheap to mint, addresses less so. Neither stops a
        // password guesser with many addresses; the per-room failure budget below does.
        await d.rateLimit(`room-join:${user.sub}`, d.limits.roomJoin);
        const address = clientAddressBucket(event, await d.edgeSecret?.());
        await d.rateLimit(`room-join-ip:${roomId}:${address}`, d.limits.roomJoin);
        const body = readJson(event, joinRoomBodySchema);
        const room = await d.store.getRoom(roomId);
        if (!room) throw new NotFound('No such room', 'room-not-found');
        const [memberRole, removed, roster] = await Promise.all([
          d.store.getRole(roomId, user.sub),
          d.store.isRemoved(roomId, user.sub),
          d.live.roster(roomId),
        ]);
        const needsCheck = memberRole === undefined && room.passwordHash !== null && body.password !== undefined;
        let passwordAccepted: boolean | undefined;
        if (needsCheck) {
          // Counted per room, whoever asks from wherever: a guesser rotating addresses and guest identities still
          // shares one budget per room. A right password gives its attempt back, so only failures use it up;
          // members let in before never reach this (the host is never locked out of their own room).
          const attempt = await d.takeAttempt(
            roomKeys(roomId).passwordFailures,
            d.limits.roomPasswordFailures,
            (s) => `Too many wrong passwords for this room: wait ${s} s and try again`,
          );
          passwordAccepted = await verifyPassword(body.password!, room.passwordHash!);
          if (passwordAccepted) await attempt.refund();
        }
        const decision = decideJoin({
          room,
          memberRole,
          removed,
          passwordGiven: body.password !== undefined,
          passwordAccepted,
          othersPresent: othersPresent(roster, user.sub),
        });
        if (decision.status === 'joined' && memberRole === undefined) {
          await d.store.addMember(roomId, { sub: user.sub, name }, 'member');
        }
        const peerId = newPeerId();
        // A member ticket and the membership it speaks for are made together; this join replaces any earlier one
        // of the same identity (its sockets are closed when this one joins the room socket).
        if (decision.status === 'joined') await d.membership.admit(roomId, user.sub, peerId);
        const ticket = await d.issueTicket({
          sub: user.sub,
          name,
          roomId,
          peerId,
          role: decision.role,
          account: user.kind,
        });
        // Someone in the lobby has no media yet; TURN credentials cost money, so they get them once admitted
        // (GET /api/ice).
        const iceServers = decision.status === 'joined' ? await d.iceServers(user.sub) : undefined;
        return json(200, {
          status: decision.status,
          ticket,
          peerId,
          role: decision.role,
          ...(iceServers ? { iceServers } : {}),
        });
      },
    },
  ];
}

let shared: RoomRouteDeps | undefined;

function defaultDeps(): RoomRouteDeps {
  return (shared ??= {
    store: new SqlRoomStore(),
    live: new RedisLiveRoomState(),
    membership: new RedisMembership(),
    verifyAccessToken,
    issueTicket: issueRoomTicket,
    rateLimit,
    takeAttempt,
    limits: {
      roomCreate: limits.roomCreate,
      roomJoin: limits.roomJoin,
      roomPasswordFailures: limits.roomPasswordFailures,
    },
    publicUrl: () => requireEnv('PUBLIC_URL'),
    maxParticipants: maxParticipantsCap,
    iceServers: iceServersForUser,
    edgeSecret: loadEdgeSecret,
  });
}

/** `POST /api/rooms`, `GET /api/rooms/{id}`, `POST /api/rooms/{id}/join`. */
export const roomRoutes: Route[] = createRoomRoutes(defaultDeps);
