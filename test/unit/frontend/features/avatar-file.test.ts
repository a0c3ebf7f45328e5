import { avatarFileProblem } from '../../../../frontend/src/features/avatars/avatar-file';
import { AVATAR_MAX_BYTES } from '../../../../functions/shared/protocol/avatars';

/* The profile page's checks before an upload (the Avatar function checks the bytes; these spare a round trip). */
describe('avatarFileProblem', () => {
  it.each(['image/jpeg', 'image/png', 'image/webp'])('lets a %s picture within the limit through', (type) => {
    expect(avatarFileProblem({ type, size: 1024 })).toBeNull();
    expect(avatarFileProblem({ type, size: AVATAR_MAX_BYTES })).toBeNull();
  });

  it('names the accepted types for anything else, SVG and GIF included', () => {
    for (const type of ['image/svg+xml', 'image/gif', 'text/html', '']) {
      expect(avatarFileProblem({ type, size: 10 })).toBe('Choose a JPEG, PNG or WebP picture.');
    }
  });

  it('names the size limit for an oversize picture, and refuses an empty file', () => {
    expect(avatarFileProblem({ type: 'image/png', size: AVATAR_MAX_BYTES + 1 })).toBe(
      'This picture is larger than 4 MB: choose a smaller one.',
    );
    expect(avatarFileProblem({ type: 'image/png', size: 0 })).toBe('This file is empty.');
  });
});
