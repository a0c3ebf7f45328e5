/*
 * URLs of what the effects load at run time, all same-origin and content-hashed: the worker bundle, the
 * segmentation runtime and model (copied from @twilio/video-processors by frontend/build.ts) and the built-in
 * backgrounds. frontend/build.ts writes the manifest in through esbuild's `define`.
 */
import type { SegmenterAssets } from './worker-protocol';

export interface BuiltInBackground {
  id: string;
  label: string;
  url: string;
}

export interface EffectsManifest {
  worker: string;
  segmenter: SegmenterAssets;
  backgrounds: BuiltInBackground[];
}

declare const __EFFECTS_MANIFEST__: EffectsManifest | undefined;

/** Null outside a bundle built by frontend/build.ts (unit tests): effects are then unavailable. */
export const EFFECTS_MANIFEST: EffectsManifest | null =
  typeof __EFFECTS_MANIFEST__ === 'undefined' ? null : __EFFECTS_MANIFEST__;
