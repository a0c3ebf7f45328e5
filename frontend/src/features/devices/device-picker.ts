/*
 * Camera, microphone and speaker pickers for the meeting. A new camera or mic is opened with getUserMedia and
 * swapped into every call with RTCRtpSender.replaceTrack (local-media.ts → mesh.ts): the call never renegotiates.
 * The speaker is HTMLMediaElement.setSinkId on every media element of the stage, offered only where it exists.
 */
import './devices.css';
import type { LocalMedia } from '../../media/local-media';
import { h, replaceChildren } from '../../ui/dom';
import { canChooseSpeaker, chosenDevice, groupDevices, type DeviceOption } from './devices-state';

type SinkElement = HTMLMediaElement & { setSinkId(id: string): Promise<void> };

export interface DevicePickerDeps {
  local: LocalMedia;
  /** Where remote audio plays (the stage): every media element in it follows the speaker choice. */
  playback: HTMLElement;
  /** Called when a new stream or tile may have added media elements (the speaker choice is applied to them). */
  onPlaybackChange(listener: () => void): () => void;
  toast(text: string): void;
}

export interface DevicePicker {
  el: HTMLElement;
  dispose(): void;
}

export function createDevicePicker({ local, playback, onPlaybackChange, toast }: DevicePickerDeps): DevicePicker {
  const select = (testid: string) => h('select', { attrs: { 'data-testid': testid } });
  const camera = select('pick-camera');
  const mic = select('pick-mic');
  const speaker = select('pick-speaker');
  const speakerSupported = canChooseSpeaker(globalThis.HTMLMediaElement?.prototype);
  const row = (label: string, control: HTMLSelectElement, hidden = false) =>
    h('label', { class: 'device-row', attrs: { hidden } }, h('span', null, label), control);
  const el = h(
    'details',
    { class: 'devices', attrs: { 'data-testid': 'devices' } },
    h('summary', { attrs: { 'data-testid': 'devices-toggle' } }, 'Devices'),
    h(
      'div',
      { class: 'devices-body' },
      row('Camera', camera),
      row('Microphone', mic),
      // Where setSinkId is missing the browser plays through the system default, and we say nothing we cannot do.
      row('Speaker', speaker, !speakerSupported),
    ),
  );

  let speakerId: string | null = null;
  const fill = (control: HTMLSelectElement, options: DeviceOption[], current: string | undefined) => {
    const chosen = chosenDevice(options, current);
    replaceChildren(
      control,
      ...options.map((o) => {
        const opt = h('option', { attrs: { value: o.deviceId } }, o.label);
        opt.selected = o.deviceId === chosen;
        return opt;
      }),
    );
    control.disabled = options.length < 2;
  };

  let busy = false;
  async function switchInput(kind: 'audio' | 'video', deviceId: string) {
    if (busy) return;
    busy = true;
    try {
      await local.useDevice(kind, deviceId);
    } catch (err) {
      toast(`Could not switch the ${kind === 'audio' ? 'microphone' : 'camera'}: ${(err as Error).message}`);
    } finally {
      busy = false;
      void refresh();
    }
  }

  const applySpeaker = () => {
    if (!speakerSupported || speakerId === null) return;
    for (const media of playback.querySelectorAll<SinkElement>('video, audio')) {
      if ((media as { sinkId?: string }).sinkId === speakerId) continue;
      media.setSinkId(speakerId).catch((err: unknown) => console.warn('setSinkId failed', err));
    }
  };

  async function refresh() {
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const lists = groupDevices(devices);
    // The camera's own id: the sent track may be a background effect's output, which names no device.
    const currentCam = local.deviceInUse('video');
    const currentMic = local.deviceInUse('audio');
    fill(camera, lists.cameras, currentCam);
    fill(mic, lists.microphones, currentMic);
    fill(speaker, lists.speakers, speakerId ?? undefined);
    // The device in use was unplugged: move to what is left rather than sending a frozen picture or silence.
    if (currentCam && lists.cameras.length && !lists.cameras.some((d) => d.deviceId === currentCam))
      await switchInput('video', lists.cameras[0]!.deviceId);
    else if (currentMic && lists.microphones.length && !lists.microphones.some((d) => d.deviceId === currentMic))
      await switchInput('audio', lists.microphones[0]!.deviceId);
  }

  camera.addEventListener('change', () => void switchInput('video', camera.value));
  mic.addEventListener('change', () => void switchInput('audio', mic.value));
  speaker.addEventListener('change', () => {
    speakerId = speaker.value;
    applySpeaker();
  });
  const onDeviceChange = () => void refresh();
  navigator.mediaDevices?.addEventListener('devicechange', onDeviceChange);
  // The lists fill when opened too: labels appear only once the page holds a device permission.
  el.addEventListener('toggle', () => el.open && void refresh());
  const offPlayback = onPlaybackChange(applySpeaker);
  void refresh();

  return {
    el,
    dispose() {
      navigator.mediaDevices?.removeEventListener('devicechange', onDeviceChange);
      offPlayback();
    },
  };
}
