/**
 * What `POST /api/sessions/guest` and `POST /api/sessions/refresh` answer. Zod only: the browser bundle imports it.
 * A page with no refresh cookie is the normal case for a first visit, so refresh answers "no session" with 200 and
 * `signedIn: false` rather than an error the browser logs in red on every page.
 */
import * as z from 'zod';
import { avatarUrlSchema } from './avatars';

export const sessionUserSchema = z
  .object({
    sub: z.string().optional(),
    name: z.string(),
    kind: z.string().optional(),
    /** The account's own profile picture (functions/avatars/), when it has one. */
    avatarUrl: avatarUrlSchema.optional(),
  })
  .passthrough();

export const signedInSessionSchema = z.object({
  signedIn: z.literal(true),
  accessToken: z.string().min(1),
  user: sessionUserSchema,
});
export type SignedInSession = z.infer<typeof signedInSessionSchema>;

export const signedOutSessionSchema = z.object({ signedIn: z.literal(false) });
export type SignedOutSession = z.infer<typeof signedOutSessionSchema>;

export const refreshAnswerSchema = z.discriminatedUnion('signedIn', [signedInSessionSchema, signedOutSessionSchema]);
export type RefreshAnswer = z.infer<typeof refreshAnswerSchema>;

export const SIGNED_OUT: SignedOutSession = { signedIn: false };
