import * as z from 'zod';

/**
 * `/config.json`: written by CDK in AWS and by the local gateway on a laptop; never baked into the bundle.
 *
 * `wsUrl` is either a full ws(s):// URL (AWS: the distribution's own name) or a path such as `/peerjs`, meaning
 * "this page's own origin". The local gateway answers on localhost, 127.0.0.1 and any other loopback name, and the
 * page's CSP allows sockets to `'self'` only: a URL naming one of them breaks the page opened under another. A path
 * always agrees with the address bar. The PeerJS host, port and scheme default to those of the resolved `wsUrl`.
 */
export const runtimeConfigSchema = z.object({
  apiBase: z.string().min(1),
  wsUrl: z.string().regex(/^(?:wss?:\/\/|\/(?!\/))/, 'wsUrl must be a ws:// or wss:// URL or a path on this origin'),
  peer: z.object({
    host: z.string().min(1).optional(),
    port: z.number().int().positive().optional(),
    path: z.string().default('/'),
    secure: z.boolean().optional(),
    key: z.string().min(1),
    pingInterval: z.number().int().positive().optional(),
  }),
  googleClientId: z.string().optional(),
  maxParticipants: z.number().int().positive().default(8),
});
export type RuntimeConfigFile = z.infer<typeof runtimeConfigSchema>;
/** What a writer (CDK, the local gateway) may put in the file: defaults may be left out. */
export type RuntimeConfigInput = z.input<typeof runtimeConfigSchema>;

/**
 * Every writer of config.json goes through this: a shape the page would refuse fails at `cdk synth` or at
 * `npm start`, not in a user's browser after a deploy.
 */
export function runtimeConfigFile(input: RuntimeConfigInput): RuntimeConfigFile {
  const parsed = runtimeConfigSchema.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(
      `config.json would be refused by the page: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}
