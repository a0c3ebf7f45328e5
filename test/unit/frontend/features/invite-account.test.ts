import { canSignOut } from '../../../../frontend/src/features/account/account-state';
import { copyToClipboard, inviteUrl } from '../../../../frontend/src/features/invite/invite-link';

describe('invite link', () => {
  it('is the room path on the page origin', () => {
    expect(inviteUrl('https://meet.example', 'abcd-efgh-jkmn-pqrs')).toBe('https://meet.example/r/abcd-efgh-jkmn-pqrs');
    expect(inviteUrl('http://localhost:8080/', 'abcd-efgh-jkmn-pqrs')).toBe(
      'http://localhost:8080/r/abcd-efgh-jkmn-pqrs',
    );
  });

  it('is copied through the clipboard API when it answers', async () => {
    const written: string[] = [];
    const clipboard = { writeText: (t: string) => Promise.resolve(void written.push(t)) };
    await expect(copyToClipboard('https://x/r/1', clipboard)).resolves.toBe('copied');
    expect(written).toEqual(['https://x/r/1']);
  });

  it('falls back to a hand copy when the clipboard is missing or refuses', async () => {
    await expect(copyToClipboard('l', undefined)).resolves.toBe('manual');
    const refusing = { writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) };
    await expect(copyToClipboard('l', refusing)).resolves.toBe('manual');
  });
});

describe('sign-out button', () => {
  it('is offered to account holders, never to guests or nobody', () => {
    expect(canSignOut({ kind: 'google' })).toBe(true);
    expect(canSignOut({ kind: 'guest' })).toBe(false);
    expect(canSignOut({})).toBe(false);
    expect(canSignOut(null)).toBe(false);
  });
});
