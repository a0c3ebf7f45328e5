import {
  findPendingUpload,
  forgetPendingUpload,
  rememberPendingUpload,
} from '../../../../frontend/src/recordings/upload/pending-uploads';

/** localStorage as the browser has it (jest runs in node, which has none). */
class MemoryStorage {
  private readonly data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, String(v));
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

const file = { name: 'standup.mp4', size: 40_000_000, lastModified: 1_700_000_000_000 };
const upload = { recordingId: '7c9e6679-7425-40de-944b-e07fc1f90ae7', partSize: 16 * 1024 * 1024, partCount: 3 };

describe('pending uploads', () => {
  beforeEach(() => {
    (globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage();
  });
  afterEach(() => {
    delete (globalThis as { localStorage?: unknown }).localStorage;
  });

  it('finds an unfinished upload of the same file (name, size, modification time) after a reload', () => {
    rememberPendingUpload(file, upload, 1000);
    expect(findPendingUpload({ ...file }, 2000)).toEqual(upload);
    expect(findPendingUpload({ ...file, size: file.size + 1 }, 2000)).toBeNull();
    expect(findPendingUpload({ ...file, lastModified: 5 }, 2000)).toBeNull();
  });

  it('forgets a finished upload and one older than a week', () => {
    rememberPendingUpload(file, upload, 1000);
    forgetPendingUpload(file, 2000);
    expect(findPendingUpload(file, 3000)).toBeNull();
    rememberPendingUpload(file, upload, 1000);
    expect(findPendingUpload(file, 1000 + 8 * 24 * 3600 * 1000)).toBeNull();
  });

  it('ignores tampered or malformed entries', () => {
    globalThis.localStorage.setItem('cn.pendingUploads', '{"not":"a list"}');
    expect(findPendingUpload(file, 1)).toBeNull();
    globalThis.localStorage.setItem('cn.pendingUploads', '[{"fingerprint":"standup.mp4|40000000|1700000000000"}]');
    expect(findPendingUpload(file, 1)).toBeNull();
    globalThis.localStorage.setItem('cn.pendingUploads', 'not json');
    expect(findPendingUpload(file, 1)).toBeNull();
  });

  it('works (without resuming) when storage is unavailable', () => {
    delete (globalThis as { localStorage?: unknown }).localStorage;
    expect(() => rememberPendingUpload(file, upload)).not.toThrow();
    expect(findPendingUpload(file)).toBeNull();
  });
});
