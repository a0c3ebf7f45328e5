/** Sign-out is offered to account holders only: a guest has nothing to sign out of (its name lives in the tab). */
export function canSignOut(user: { kind?: string } | null | undefined): boolean {
  return !!user && user.kind !== undefined && user.kind !== 'guest';
}
