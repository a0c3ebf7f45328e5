import { watchDevices, type MediaDevicesLike } from '../../../../frontend/src/features/devices/device-watch';
import type { DeviceLists } from '../../../../frontend/src/features/devices/devices-state';

type Device = { kind: string; deviceId: string; label: string };

/** navigator.mediaDevices as the pre-join page uses it: a device list that changes, and `devicechange`. */
class FakeMediaDevices extends EventTarget implements MediaDevicesLike {
  devices: Device[] = [];
  /** Pending enumerate answers, released by the test in any order. */
  pending: { resolve: () => void }[] = [];
  held = false;

  enumerateDevices(): Promise<Device[]> {
    const snapshot = [...this.devices];
    if (!this.held) return Promise.resolve(snapshot);
    return new Promise((resolve) => this.pending.push({ resolve: () => resolve(snapshot) }));
  }

  plug(...devices: Device[]): void {
    this.devices.push(...devices);
    this.dispatchEvent(new Event('devicechange'));
  }

  unplug(deviceId: string): void {
    this.devices = this.devices.filter((d) => d.deviceId !== deviceId);
    this.dispatchEvent(new Event('devicechange'));
  }

  /** EventTarget does not list its listeners: the fake counts adds and removes. */
  added = 0;
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.added++;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    this.added--;
    super.removeEventListener(...args);
  }
}

const mic = (id: string, label = `Mic ${id}`): Device => ({ kind: 'audioinput', deviceId: id, label });
const cam = (id: string, label = `Cam ${id}`): Device => ({ kind: 'videoinput', deviceId: id, label });
const flush = () => new Promise((resolve) => setImmediate(resolve));
const names = (lists: DeviceLists | undefined) => ({
  microphones: lists?.microphones.map((d) => d.label),
  cameras: lists?.cameras.map((d) => d.label),
});

describe('pre-join device lists follow hot-plug', () => {
  it('lists the devices at once, then again when a headset is plugged in and when a camera is pulled out', async () => {
    const media = new FakeMediaDevices();
    media.devices = [mic('built-in', 'Built-in microphone'), cam('usb', 'USB camera')];
    const seen: DeviceLists[] = [];
    watchDevices(media, (lists) => seen.push(lists));
    await flush();
    expect(names(seen.at(-1))).toEqual({ microphones: ['Built-in microphone'], cameras: ['USB camera'] });

    media.plug(mic('headset', 'Headset microphone'));
    await flush();
    expect(names(seen.at(-1))).toEqual({
      microphones: ['Built-in microphone', 'Headset microphone'],
      cameras: ['USB camera'],
    });

    media.unplug('usb');
    await flush();
    expect(names(seen.at(-1))).toEqual({ microphones: ['Built-in microphone', 'Headset microphone'], cameras: [] });
    expect(seen).toHaveLength(3);
  });

  it('shows only the newest list when two changes finish enumerating out of order', async () => {
    const media = new FakeMediaDevices();
    media.held = true;
    const seen: DeviceLists[] = [];
    watchDevices(media, (lists) => seen.push(lists));
    media.plug(mic('a'));
    media.plug(mic('b'));
    const [first, second, third] = media.pending;
    third!.resolve();
    await flush();
    first!.resolve();
    second!.resolve();
    await flush();
    expect(seen.map((l) => l.microphones.map((d) => d.deviceId))).toEqual([['a', 'b']]);
  });

  it('stops listening when the page goes, and reports nothing after that', async () => {
    const media = new FakeMediaDevices();
    media.held = true;
    const seen: DeviceLists[] = [];
    const stop = watchDevices(media, (lists) => seen.push(lists));
    expect(media.added).toBe(1);
    stop();
    expect(media.added).toBe(0);
    media.pending[0]!.resolve();
    media.plug(mic('late'));
    await flush();
    expect(seen).toEqual([]);
  });

  it('keeps what is shown when the browser refuses to list, and does nothing without mediaDevices', async () => {
    const media = new FakeMediaDevices();
    media.enumerateDevices = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
    const seen: DeviceLists[] = [];
    watchDevices(media, (lists) => seen.push(lists));
    await flush();
    expect(seen).toEqual([]);
    expect(watchDevices(undefined, (lists) => seen.push(lists))).toEqual(expect.any(Function));
  });
});
