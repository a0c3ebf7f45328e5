import {
  CHANGE_EMAIL_PAGE_PATH,
  RESET_PAGE_PATH,
  SIGN_UP_PAGE_PATH,
  VERIFY_PAGE_PATH,
} from '../shared/protocol/accounts';
import type { Mail } from './mailer';

/*
 * The texts of the account mails. Every request that can mail an address sends exactly one mail whether or not
 * the address has an account (functions/auth/account-routes.ts), so the answer and its timing are the same; what
 * differs is only what the mailbox owner reads.
 */

// The token goes in the fragment: browsers never send it to a server, so no access log or CDN keeps it.
const link = (publicUrl: string, path: string, token: string) =>
  `${publicUrl.replace(/\/+$/, '')}${path}#token=${token}`;

export function verifyMail(publicUrl: string, to: string, token: string): Mail {
  return {
    to,
    subject: 'Confirm your email for Connect Now',
    text: [
      'Someone (we hope you) signed up for Connect Now with this address.',
      '',
      'Confirm the address to finish signing up (the link works once, for 24 hours):',
      link(publicUrl, VERIFY_PAGE_PATH, token),
      '',
      'If it was not you, ignore this mail: no account is made.',
    ].join('\n'),
  };
}

export function alreadyRegisteredMail(publicUrl: string, to: string, resetToken: string): Mail {
  return {
    to,
    subject: 'You already have a Connect Now account',
    text: [
      'Someone (we hope you) tried to sign up for Connect Now with this address, which already has an account.',
      '',
      'Sign in as usual. If you forgot your password, or have only signed in with Google so far, set one here',
      '(the link works once, for 30 minutes):',
      link(publicUrl, RESET_PAGE_PATH, resetToken),
      '',
      'If it was not you, ignore this mail: nothing changes.',
    ].join('\n'),
  };
}

export function resetMail(publicUrl: string, to: string, token: string): Mail {
  return {
    to,
    subject: 'Reset your Connect Now password',
    text: [
      'Someone (we hope you) asked to reset the password of the Connect Now account with this address.',
      '',
      'Choose a new password here (the link works once, for 30 minutes). Every device signed in to the account',
      'will be signed out:',
      link(publicUrl, RESET_PAGE_PATH, token),
      '',
      'If it was not you, ignore this mail: your password stays as it is.',
    ].join('\n'),
  };
}

export function noAccountMail(publicUrl: string, to: string): Mail {
  return {
    to,
    subject: 'Connect Now password reset',
    text: [
      'Someone (we hope you) asked to reset a Connect Now password for this address, but it has no account.',
      '',
      `To make one, sign up at ${publicUrl.replace(/\/+$/, '')}${SIGN_UP_PAGE_PATH}`,
      '',
      'If it was not you, ignore this mail.',
    ].join('\n'),
  };
}

export function emailChangeMail(publicUrl: string, to: string, token: string): Mail {
  return {
    to,
    subject: 'Confirm your new email for Connect Now',
    text: [
      'Someone (we hope you) asked to move a Connect Now account to this address.',
      '',
      'Confirm the address to finish the change (the link works once, for 1 hour):',
      link(publicUrl, CHANGE_EMAIL_PAGE_PATH, token),
      '',
      'If it was not you, ignore this mail: nothing changes.',
    ].join('\n'),
  };
}

/** To a new address that another account already verified: no link, and nothing about either account. */
export function emailTakenMail(publicUrl: string, to: string): Mail {
  return {
    to,
    subject: 'Connect Now email change',
    text: [
      'Someone asked to move a Connect Now account to this address, but this address already has an account,',
      'so nothing changes. One address belongs to one account.',
      '',
      `If you want to use this address, sign in at ${publicUrl.replace(/\/+$/, '')}/account/sign-in`,
      '',
      'If it was not you, ignore this mail.',
    ].join('\n'),
  };
}

/** Keeps the first letter and the domain: enough for the owner to recognise it, little for anyone else. */
export function maskedAddress(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
}

/** To the address an account just left, so a change the owner did not make does not go unnoticed. */
export function emailChangedNotice(to: string, newEmail: string): Mail {
  return {
    to,
    subject: 'Your Connect Now email was changed',
    text: [
      `The Connect Now account that used this address now uses ${maskedAddress(newEmail)}.`,
      'You will not get mail about it here any more, and you sign in with the new address.',
      '',
      'If you did not make this change, contact whoever runs this Connect Now server at once.',
    ].join('\n'),
  };
}
