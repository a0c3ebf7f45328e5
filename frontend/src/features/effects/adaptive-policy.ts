/*
 * How the effect keeps the call smooth on a slow machine. The worker measures, per one-second window, how many
 * frames it turned out and how long it was busy; this policy turns that into a quality level. Falling behind first
 * costs resolution and segmentation rate (the mask is reused between segmentations); only when the lowest level
 * still cannot keep up is the effect switched off, and the person is told.
 */

export interface QualityLevel {
  /** Frames wider than this are scaled down before compositing (the sent picture gets smaller). */
  readonly maxWidth: number;
  /** Segment one frame in this many; the frames between reuse the last mask. */
  readonly segmentEvery: number;
}

export const QUALITY_LEVELS: readonly QualityLevel[] = Object.freeze([
  { maxWidth: 1280, segmentEvery: 1 },
  { maxWidth: 960, segmentEvery: 2 },
  { maxWidth: 640, segmentEvery: 3 },
]);

export interface WindowStats {
  /** Frames the worker wrote out during the window. */
  frames: number;
  /** Milliseconds the worker spent processing those frames. */
  busyMs: number;
  /** Length of the window in milliseconds. */
  elapsedMs: number;
  /** Frame rate the camera delivers (what "keeping up" means). */
  cameraFps: number;
}

export interface PolicyState {
  level: number;
  /** Consecutive windows that were behind / comfortably ahead. */
  behind: number;
  ahead: number;
}

export type PolicyDecision = { action: 'keep' | 'lower' | 'raise'; state: PolicyState } | { action: 'off' };

export const INITIAL_POLICY: PolicyState = Object.freeze({ level: 0, behind: 0, ahead: 0 });

/** Share of the frame interval the worker may be busy before it counts as falling behind. */
const BUSY_LIMIT = 0.85;
/** Below this share of the camera's rate, frames are being dropped. */
const FPS_FLOOR = 0.75;
/** Busy under this share for AHEAD_WINDOWS windows in a row earns a level back. */
const RELAXED = 0.35;
const BEHIND_WINDOWS = 2;
const AHEAD_WINDOWS = 5;

/** The camera rate the effect aims for: cameras that report nothing or more than 30 fps are held to 30. */
export function targetFps(cameraFps: number): number {
  return Number.isFinite(cameraFps) && cameraFps > 0 ? Math.min(cameraFps, 30) : 30;
}

export function isBehind(stats: WindowStats): boolean {
  if (stats.frames === 0) return stats.elapsedMs > 0;
  const target = targetFps(stats.cameraFps);
  const busyShare = stats.busyMs / stats.frames / (1000 / target);
  const fps = (stats.frames * 1000) / stats.elapsedMs;
  return busyShare > BUSY_LIMIT || fps < target * FPS_FLOOR;
}

function isRelaxed(stats: WindowStats): boolean {
  if (stats.frames === 0) return false;
  return stats.busyMs / stats.frames / (1000 / targetFps(stats.cameraFps)) < RELAXED;
}

export function nextPolicy(state: PolicyState, stats: WindowStats): PolicyDecision {
  if (isBehind(stats)) {
    const behind = state.behind + 1;
    if (behind < BEHIND_WINDOWS) return { action: 'keep', state: { ...state, behind, ahead: 0 } };
    if (state.level + 1 >= QUALITY_LEVELS.length) return { action: 'off' };
    return { action: 'lower', state: { level: state.level + 1, behind: 0, ahead: 0 } };
  }
  if (isRelaxed(stats) && state.level > 0) {
    const ahead = state.ahead + 1;
    if (ahead >= AHEAD_WINDOWS) return { action: 'raise', state: { level: state.level - 1, behind: 0, ahead: 0 } };
    return { action: 'keep', state: { ...state, behind: 0, ahead } };
  }
  return { action: 'keep', state: { ...state, behind: 0, ahead: 0 } };
}

export function levelAt(index: number): QualityLevel {
  return QUALITY_LEVELS[Math.max(0, Math.min(index, QUALITY_LEVELS.length - 1))]!;
}
