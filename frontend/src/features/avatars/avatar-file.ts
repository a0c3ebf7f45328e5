import { ACCEPTED_AVATAR_TYPES, AVATAR_MAX_BYTES } from '../../../../functions/shared/protocol/avatars';

/** The upload limit in the words the profile page uses. */
export const AVATAR_MAX_MB = AVATAR_MAX_BYTES / 1024 / 1024;

/**
 * Why a chosen file cannot be a profile picture, in words a person can act on; null when it may be sent. Only
 * spares a round trip: the Avatar function checks the bytes themselves.
 */
export function avatarFileProblem(file: { type: string; size: number }): string | null {
  if (!(ACCEPTED_AVATAR_TYPES as readonly string[]).includes(file.type)) {
    return 'Choose a JPEG, PNG or WebP picture.';
  }
  if (file.size > AVATAR_MAX_BYTES) return `This picture is larger than ${AVATAR_MAX_MB} MB: choose a smaller one.`;
  if (file.size === 0) return 'This file is empty.';
  return null;
}
