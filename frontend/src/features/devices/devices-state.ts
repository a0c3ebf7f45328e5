/*
 * The device lists the pickers show, from enumerateDevices(): grouped by kind, named (a browser without permission
 * gives blank labels), and the current choice kept when it is still plugged in. Pure functions.
 */

export type DeviceKind = 'audioinput' | 'videoinput' | 'audiooutput';

export interface DeviceOption {
  deviceId: string;
  label: string;
}

export interface DeviceLists {
  microphones: DeviceOption[];
  cameras: DeviceOption[];
  speakers: DeviceOption[];
}

const FALLBACK: Record<DeviceKind, string> = {
  audioinput: 'Microphone',
  videoinput: 'Camera',
  audiooutput: 'Speaker',
};

export function groupDevices(devices: readonly { kind: string; deviceId: string; label: string }[]): DeviceLists {
  const pick = (kind: DeviceKind): DeviceOption[] => {
    const seen = new Set<string>();
    const out: DeviceOption[] = [];
    for (const d of devices) {
      // Without permission every entry has an empty id: nothing there can be chosen.
      if (d.kind !== kind || !d.deviceId || seen.has(d.deviceId)) continue;
      seen.add(d.deviceId);
      out.push({ deviceId: d.deviceId, label: d.label || `${FALLBACK[kind]} ${out.length + 1}` });
    }
    return out;
  };
  return { microphones: pick('audioinput'), cameras: pick('videoinput'), speakers: pick('audiooutput') };
}

/** The option to show as chosen: the current device if still listed, else the first (what the browser uses). */
export function chosenDevice(options: readonly DeviceOption[], current: string | undefined): string | undefined {
  if (current && options.some((o) => o.deviceId === current)) return current;
  return options[0]?.deviceId;
}

/** Whether output can be routed from the page (Chromium's setSinkId; Safari and older Firefox lack it). */
export function canChooseSpeaker(proto: object | undefined): boolean {
  return !!proto && 'setSinkId' in proto;
}

/** RMS of a block of time-domain samples, scaled so normal speech (RMS ≈ 0.05–0.2) fills most of the meter. */
export function micLevel(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  const rms = Math.sqrt(sum / samples.length);
  return Math.min(1, rms * 5);
}
