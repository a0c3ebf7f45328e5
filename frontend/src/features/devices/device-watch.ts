/*
 * Keeps device lists current while a page shows them: once now, and again on every `devicechange` (a headset or
 * camera plugged in or pulled out). No DOM: the page passes `navigator.mediaDevices`, tests a fake.
 */
import { groupDevices, type DeviceLists } from './devices-state';

export interface MediaDevicesLike {
  enumerateDevices(): Promise<readonly { kind: string; deviceId: string; label: string }[]>;
  addEventListener(type: 'devicechange', listener: () => void): void;
  removeEventListener(type: 'devicechange', listener: () => void): void;
}

/**
 * Calls `onLists` with the grouped lists now and after each hot-plug; returns the function that stops watching.
 * Two quick changes can finish enumerating out of order: only the newest answer is shown, and none after stop.
 */
export function watchDevices(media: MediaDevicesLike | undefined, onLists: (lists: DeviceLists) => void): () => void {
  if (!media) return () => undefined;
  let latest = 0;
  let stopped = false;
  const refresh = () => {
    const ask = ++latest;
    media.enumerateDevices().then(
      (devices) => {
        if (!stopped && ask === latest) onLists(groupDevices(devices));
      },
      // A browser that refuses to list (no permission yet) keeps what is shown.
      () => undefined,
    );
  };
  media.addEventListener('devicechange', refresh);
  refresh();
  return () => {
    stopped = true;
    media.removeEventListener('devicechange', refresh);
  };
}
