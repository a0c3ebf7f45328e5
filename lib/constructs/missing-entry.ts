/** Stands in for a handler module that does not exist yet; only infra tests ever point a function here. */
export async function handler(): Promise<never> {
  throw new Error('placeholder handler: the real module was missing when this stack was synthesized');
}
