/**
 * `GET /api/rooms/{id}/polls/{pollId}/export?format=csv|json`: a poll's results from the archive, for the room's
 * host and cohosts (their role as PostgreSQL holds it now), during or after the meeting. Anonymous polls export
 * counts only: no names, no voter keys.
 */
import type { Route } from '../../api/router';
import { verifyAccessToken, type AccessClaims } from '../../auth/tickets';
import { BadRequest, Forbidden, NotFound } from '../../shared/errors';
import { bearerToken, type HttpResult } from '../../shared/http';
import { pollExportFormatSchema, pollIdSchema, type PollExportFormat } from '../../shared/protocol/polls';
import { roomIdSchema } from '../../shared/protocol/room';
import { HOSTS } from '../room-context';
import { SqlRoomStore, type RoomStore } from '../room-store';
import { SqlPollStore, type ArchivedPoll, type ArchivedVote, type PollStore } from './poll-store';

export interface PollExport {
  poll: {
    id: string;
    question: string;
    options: string[];
    multiple: boolean;
    anonymous: boolean;
    resultsVisibleToAll: boolean;
    createdBy: string;
    openedAt: string;
    closesAt: string | null;
    closedAt: string | null;
    closeReason: string | null;
  };
  voters: number;
  results: { option: string; votes: number; voters?: string[] }[];
  /** Named polls only. */
  ballots?: { name: string; options: string[]; votedAt: string }[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function pollExport(poll: ArchivedPoll, votes: ArchivedVote[]): PollExport {
  const named = !poll.anonymous;
  const results = poll.options.map((option, i) => {
    const chose = votes.filter((v) => v.optionIndexes.includes(i));
    return {
      option,
      votes: chose.length,
      ...(named ? { voters: chose.map((v) => v.voterName ?? '').sort((a, b) => a.localeCompare(b)) } : {}),
    };
  });
  return {
    poll: {
      id: poll.id,
      question: poll.question,
      options: poll.options,
      multiple: poll.multiple,
      anonymous: poll.anonymous,
      resultsVisibleToAll: poll.resultsVisibleToAll,
      createdBy: poll.createdBy,
      openedAt: iso(poll.openedAt)!,
      closesAt: iso(poll.closesAt),
      closedAt: iso(poll.closedAt),
      closeReason: poll.closeReason,
    },
    voters: votes.length,
    results,
    ...(named
      ? {
          ballots: votes.map((v) => ({
            name: v.voterName ?? '',
            options: v.optionIndexes.map((i) => poll.options[i] ?? `#${i + 1}`),
            votedAt: iso(v.votedAt)!,
          })),
        }
      : {}),
  };
}

/**
 * One CSV field (RFC 4180 quoting). A leading = + - @ or tab would make a spreadsheet run the text as a formula,
 * so such fields get a leading apostrophe: questions, options and names are typed by meeting participants.
 */
function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per option: its votes and, in named polls only, who chose it. */
export function pollCsv(data: PollExport): string {
  const named = !data.poll.anonymous;
  const header = ['question', 'option', 'votes', ...(named ? ['voters'] : [])];
  const rows = data.results.map((r) => [
    data.poll.question,
    r.option,
    r.votes,
    ...(named ? [(r.voters ?? []).join('; ')] : []),
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export interface PollExportDeps {
  verifyAccessToken(token: string): Promise<AccessClaims>;
  store: Pick<RoomStore, 'getRole'>;
  polls: Pick<PollStore, 'getPoll' | 'votes'>;
}

function download(format: PollExportFormat, data: PollExport): HttpResult {
  const name = `poll-${data.poll.id}.${format}`;
  return {
    statusCode: 200,
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'no-store',
    },
    body: format === 'csv' ? pollCsv(data) : JSON.stringify(data, null, 2),
  };
}

export function createPollExportRoutes(deps: () => PollExportDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/rooms/{id}/polls/{pollId}/export',
      async handle({ event, params }) {
        const d = deps();
        const user = await d.verifyAccessToken(bearerToken(event));
        const roomId = roomIdSchema.safeParse(params.id);
        const pollId = pollIdSchema.safeParse(params.pollId);
        if (!roomId.success || !pollId.success) throw new NotFound('No such poll', 'poll-not-found');
        const format = pollExportFormatSchema.safeParse(event.queryStringParameters?.format ?? 'csv');
        if (!format.success) throw new BadRequest('format must be csv or json', undefined, 'bad-format');
        const role = await d.store.getRole(roomId.data, user.sub);
        if (!role || !HOSTS.includes(role)) {
          throw new Forbidden('Only the host or a cohost can export poll results', 'not-allowed');
        }
        const poll = await d.polls.getPoll(roomId.data, pollId.data);
        if (!poll) throw new NotFound('No such poll', 'poll-not-found');
        return download(format.data, pollExport(poll, await d.polls.votes(poll.id)));
      },
    },
  ];
}

let shared: PollExportDeps | undefined;

export const pollExportRoutes: Route[] = createPollExportRoutes(
  () => (shared ??= { verifyAccessToken, store: new SqlRoomStore(), polls: new SqlPollStore() }),
);
