/*
 * A microphone level meter for the pre-join page: a WebAudio AnalyserNode on the current mic track, drawn into a
 * labelled <meter>. It follows a device switch, and stops by itself once its page is gone.
 */
import './devices.css';
import type { LocalMedia } from '../../media/local-media';
import { h } from '../../ui/dom';
import { micLevel } from './devices-state';

export function createMicMeter(local: LocalMedia): HTMLElement {
  const meter = h('meter', {
    attrs: { min: 0, max: 1, low: 0.05, high: 0.8, optimum: 0.3, value: 0, 'data-testid': 'mic-level' },
  });
  const el = h('label', { class: 'mic-meter' }, h('span', { class: 'field-label' }, 'Microphone level'), meter);

  let ctx: AudioContext | null = null;
  let analyser: AnalyserNode | null = null;
  let source: MediaStreamAudioSourceNode | null = null;
  let trackId: string | null = null;
  const buffer = new Float32Array(512);

  const attach = () => {
    const track = local.hasMic ? local.audioTrack : undefined;
    if ((track?.id ?? null) === trackId) return;
    source?.disconnect();
    source = null;
    trackId = track?.id ?? null;
    if (!track) return;
    ctx ??= new AudioContext();
    analyser ??= Object.assign(ctx.createAnalyser(), { fftSize: buffer.length });
    source = ctx.createMediaStreamSource(new MediaStream([track]));
    source.connect(analyser);
  };
  // Browsers start an AudioContext suspended until the person interacts with the page.
  const resume = () => void ctx?.resume().catch(() => undefined);
  document.addEventListener('pointerdown', resume);
  document.addEventListener('keydown', resume);

  let seen = false;
  const timer = setInterval(() => {
    if (el.isConnected) seen = true;
    else if (seen) return stop();
    attach();
    if (ctx?.state === 'suspended') resume();
    if (!analyser || !source || !local.mic) {
      meter.value = 0;
      return;
    }
    analyser.getFloatTimeDomainData(buffer);
    meter.value = micLevel(buffer);
  }, 100);

  function stop() {
    clearInterval(timer);
    document.removeEventListener('pointerdown', resume);
    document.removeEventListener('keydown', resume);
    source?.disconnect();
    // Only the analysis graph closes: the track itself goes on into the meeting.
    void ctx?.close().catch(() => undefined);
  }
  return el;
}
