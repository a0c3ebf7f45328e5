/*
 * Sign out, for account holders (never guests): ends the server session (DELETE /api/sessions revokes the refresh
 * cookie) after `beforeSignOut` (in a meeting: leave it first, so the room hears it at once).
 */
import type { ApiClient } from '../../api/client';
import { h } from '../../ui/dom';
import { canSignOut } from './account-state';

export interface SignOutDeps {
  api: Pick<ApiClient, 'currentUser' | 'signOut'>;
  beforeSignOut?(): void;
  afterSignOut(): void;
  /** Shown when the server could not be told (the page has forgotten the session anyway). */
  onError(text: string): void;
}

export function createSignOutButton({ api, beforeSignOut, afterSignOut, onError }: SignOutDeps): HTMLButtonElement {
  const button = h(
    'button',
    {
      class: 'small',
      attrs: { type: 'button', 'data-testid': 'sign-out', hidden: !canSignOut(api.currentUser) },
      on: {
        click: () => {
          button.disabled = true;
          beforeSignOut?.();
          void api
            .signOut()
            .catch((err: unknown) => onError(`Signed out on this page only: ${(err as Error).message}`))
            .finally(afterSignOut);
        },
      },
    },
    'Sign out',
  );
  return button;
}

/** Shows the button once a restored session turns out to be an account (the home page learns it late). */
export function refreshSignOut(button: HTMLButtonElement, api: Pick<ApiClient, 'currentUser'>): void {
  button.hidden = !canSignOut(api.currentUser);
}
