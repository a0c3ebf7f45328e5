import * as z from 'zod';

/*
 * Requests of the email-account routes (functions/auth/account-routes.ts), shared with the pages that send them
 * (frontend/src/pages/account). Strength is judged on the server only (functions/auth/passwords.ts): the estimator's
 * dictionaries are too large for the page bundle.
 */

/** RFC 5321 caps a path at 256 octets, so an address at 254; lower-cased whole, as one mailbox per address is what we keep. */
export const emailSchema = z
  .string()
  .trim()
  .max(254, 'Use at most 254 characters')
  .toLowerCase()
  .pipe(z.email('Enter an email address'));

/** NIST SP 800-63B: at least 8 characters, at least 64 accepted; we ask 10 and take passphrases up to 128. */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;

/** The shape of a new password; whether it is hard enough to guess is the server's call. */
export const newPasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `Use at most ${MAX_PASSWORD_LENGTH} characters`);

/** A password being checked, not chosen: any length a person could have set, never an unbounded string to hash. */
export const presentedPasswordSchema = z.string().min(1, 'Enter your password').max(MAX_PASSWORD_LENGTH);

/** An emailed link's token: 256 random bits, base64url. */
export const emailLinkTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This link is not complete');

export const signUpRequestSchema = z.object({
  email: emailSchema,
  password: newPasswordSchema,
  // Checked again as a display name by the server (functions/auth/names.ts).
  name: z.string().max(200),
});

export const verifyEmailRequestSchema = z.object({ token: emailLinkTokenSchema });

export const passwordSignInRequestSchema = z.object({ email: emailSchema, password: presentedPasswordSchema });

export const passwordResetRequestSchema = z.object({ email: emailSchema });

export const passwordResetConfirmSchema = z.object({ token: emailLinkTokenSchema, password: newPasswordSchema });

export const changePasswordRequestSchema = z.object({
  currentPassword: presentedPasswordSchema,
  newPassword: newPasswordSchema,
});

/** Moving the account to a new address, proven by the current password. */
export const changeEmailRequestSchema = z.object({ newEmail: emailSchema, password: presentedPasswordSchema });

export const changeEmailConfirmSchema = z.object({ token: emailLinkTokenSchema });

/** Deleting the account: the password when it has one, else its email address, typed as a confirmation. */
export const deleteAccountRequestSchema = z.object({
  confirm: z
    .string()
    .trim()
    .min(1)
    .max(MAX_PASSWORD_LENGTH * 2),
});

/** What sign-up and reset requests answer, whether or not the address has an account. */
export const mailSentResponseSchema = z.object({ status: z.literal('mail-sent') });

/** Page paths the emailed links open; the token rides in the fragment so it never reaches a server log. */
export const VERIFY_PAGE_PATH = '/account/verify';
export const RESET_PAGE_PATH = '/account/reset';
/** The other account pages (frontend/src/pages/account). */
export const SIGN_UP_PAGE_PATH = '/account/sign-up';
export const SIGN_IN_PAGE_PATH = '/account/sign-in';
export const FORGOT_PAGE_PATH = '/account/forgot';
export const CHANGE_PASSWORD_PAGE_PATH = '/account/password';
/** The page a change-email link opens. */
export const CHANGE_EMAIL_PAGE_PATH = '/account/email';
