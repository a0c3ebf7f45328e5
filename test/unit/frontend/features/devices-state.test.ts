import {
  canChooseSpeaker,
  chosenDevice,
  groupDevices,
  micLevel,
} from '../../../../frontend/src/features/devices/devices-state';

describe('device pickers', () => {
  it('groups devices by kind, names unnamed ones and drops duplicates and blank ids', () => {
    const lists = groupDevices([
      { kind: 'audioinput', deviceId: 'default', label: 'Default mic' },
      { kind: 'audioinput', deviceId: 'm2', label: '' },
      { kind: 'videoinput', deviceId: 'c1', label: 'Front' },
      { kind: 'videoinput', deviceId: 'c1', label: 'Front' },
      { kind: 'videoinput', deviceId: '', label: '' },
      { kind: 'audiooutput', deviceId: 's1', label: '' },
    ]);
    expect(lists).toEqual({
      microphones: [
        { deviceId: 'default', label: 'Default mic' },
        { deviceId: 'm2', label: 'Microphone 2' },
      ],
      cameras: [{ deviceId: 'c1', label: 'Front' }],
      speakers: [{ deviceId: 's1', label: 'Speaker 1' }],
    });
  });

  it('keeps the current device chosen while it is plugged in, else falls back to the first', () => {
    const options = [
      { deviceId: 'a', label: 'A' },
      { deviceId: 'b', label: 'B' },
    ];
    expect(chosenDevice(options, 'b')).toBe('b');
    expect(chosenDevice(options, 'gone')).toBe('a');
    expect(chosenDevice([], 'b')).toBeUndefined();
  });

  it('offers a speaker choice only where media elements have setSinkId', () => {
    expect(canChooseSpeaker({ setSinkId: () => undefined })).toBe(true);
    expect(canChooseSpeaker({})).toBe(false);
    expect(canChooseSpeaker(undefined)).toBe(false);
  });

  it('maps silence to an empty meter and speech-level RMS to most of it, capped at full', () => {
    expect(micLevel(new Float32Array(256))).toBe(0);
    expect(micLevel([])).toBe(0);
    expect(micLevel(new Float32Array(256).fill(0.1))).toBeCloseTo(0.5, 5);
    expect(micLevel(new Float32Array(256).fill(0.9))).toBe(1);
  });
});
