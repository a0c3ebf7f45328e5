import { h } from '../../ui/dom';

/**
 * Anyone can type any name, so a name alone does not say who someone is. Every roster entry, tile and lobby entry
 * carries this badge next to the name: "Signed in" for an account holder, "Guest" for someone who only typed a name,
 * so a guest calling themselves after the host still reads as a guest.
 */
export function accountBadgeLabel(verified: boolean): { text: string; title: string } {
  return verified
    ? { text: 'Signed in', title: 'Signed in with an account' }
    : { text: 'Guest', title: 'Joined as a guest: the name was typed, not checked' };
}

export function accountBadge(verified: boolean): HTMLElement {
  const { text, title } = accountBadgeLabel(verified);
  return h(
    'span',
    { class: `badge account${verified ? ' verified' : ''}`, attrs: { 'data-testid': 'account-badge', title } },
    text,
  );
}
