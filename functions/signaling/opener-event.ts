import * as z from 'zod';

/**
 * What WsConnect hands PeerOpener (async Lambda invoke): API Gateway refuses posts to a connection until its
 * $connect has returned, so the OPEN / ID-TAKEN reply has to come from another invocation.
 * `replacedConnectionId` (optional, added to the contract backwards-compatibly) names the socket that held the
 * peer id before a same-identity rebind; the opener closes it so two tabs never speak for one id.
 */
export const openerEventSchema = z.object({
  connectionId: z.string().min(1),
  action: z.enum(['open', 'id-taken']),
  replacedConnectionId: z.string().min(1).optional(),
});
export type OpenerEvent = z.infer<typeof openerEventSchema>;
