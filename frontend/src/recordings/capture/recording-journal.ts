/*
 * The in-meeting recorder's crash journal: every MediaRecorder chunk is written to IndexedDB as it arrives and
 * deleted only once S3 has acknowledged the part that holds it, so a crashed or closed tab loses at most the last
 * chunk (one second) instead of the part still being filled (up to 16 MiB, about two minutes). The Recordings page
 * reads the journal on the next visit and uploads the rest (crash-recovery.ts).
 */

/** One interrupted-or-running recording, as the journal knows it. */
export interface JournalEntry {
  readonly recordingId: string;
  /** The user who made it (`sub`), so another user of the same browser does not pick it up; null if unknown. */
  readonly ownerId: string | null;
  readonly mimeType: string;
  /** Size of every part but the last (the API signs part URLs for exactly this). */
  readonly partBytes: number;
  readonly title: string | null;
  readonly roomId: string | null;
  /** Epoch ms the recording started. */
  readonly startedAt: number;
  /** Epoch ms of the last chunk: a fallback liveness signal where the Web Locks API is missing. */
  readonly updatedAt: number;
  /** Parts S3 has acknowledged, in order, and the bytes they hold together. */
  readonly ackedParts: number;
  readonly ackedBytes: number;
}

/** One MediaRecorder chunk and where it sits in the recording (byte offset from the start). */
export interface JournalChunk {
  readonly recordingId: string;
  readonly seq: number;
  readonly start: number;
  readonly blob: Blob;
}

export interface RecordingJournal {
  begin(entry: Omit<JournalEntry, 'updatedAt' | 'ackedParts' | 'ackedBytes'>): Promise<void>;
  /** Stores a chunk; chunks must be appended in order, `start` being the bytes recorded before it. */
  append(recordingId: string, seq: number, start: number, blob: Blob, now?: number): Promise<void>;
  /** S3 holds parts 1..`partNumber`, `bytes` in all: chunks wholly inside them are no longer needed. */
  acknowledge(recordingId: string, partNumber: number, bytes: number): Promise<void>;
  list(): Promise<JournalEntry[]>;
  get(recordingId: string): Promise<JournalEntry | null>;
  /** The chunks kept for a recording, in recording order. */
  chunks(recordingId: string): Promise<JournalChunk[]>;
  remove(recordingId: string): Promise<void>;
}

const DB_NAME = 'cn-recording-journal';
const DB_VERSION = 1;
const ENTRIES = 'entries';
const CHUNKS = 'chunks';

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    // A chunk that did not commit must not count as kept: the caller stops journalling rather than leave a gap.
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** All chunks of one recording: the chunk store's key is [recordingId, seq]. */
const chunkRange = (recordingId: string) => IDBKeyRange.bound([recordingId, 0], [recordingId, Infinity]);

/** Opens (and on first use creates) the journal database. Rejects where IndexedDB is unavailable. */
export async function openRecordingJournal(factory: IDBFactory = globalThis.indexedDB): Promise<RecordingJournal> {
  if (!factory) throw new Error('IndexedDB is not available in this browser');
  const open = factory.open(DB_NAME, DB_VERSION);
  open.onupgradeneeded = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains(ENTRIES)) db.createObjectStore(ENTRIES, { keyPath: 'recordingId' });
    if (!db.objectStoreNames.contains(CHUNKS)) db.createObjectStore(CHUNKS, { keyPath: ['recordingId', 'seq'] });
  };
  const db = await promised(open);
  // Another tab upgrading the schema must not be blocked by this one.
  db.onversionchange = () => db.close();

  // Plain request callbacks, not promises, inside a transaction: it stays active only while its requests' events
  // are being handled.
  const updateEntry = (tx: IDBTransaction, recordingId: string, change: (entry: JournalEntry) => JournalEntry) => {
    const store = tx.objectStore(ENTRIES);
    const read = store.get(recordingId) as IDBRequest<JournalEntry | undefined>;
    read.onsuccess = () => {
      if (read.result) store.put(change(read.result));
    };
  };

  return {
    async begin(entry) {
      const tx = db.transaction([ENTRIES], 'readwrite');
      const full: JournalEntry = { ...entry, updatedAt: entry.startedAt, ackedParts: 0, ackedBytes: 0 };
      tx.objectStore(ENTRIES).put(full);
      await committed(tx);
    },

    async append(recordingId, seq, start, blob, now = Date.now()) {
      const tx = db.transaction([ENTRIES, CHUNKS], 'readwrite');
      const done = committed(tx);
      tx.objectStore(CHUNKS).put({ recordingId, seq, start, blob } satisfies JournalChunk);
      updateEntry(tx, recordingId, (e) => ({ ...e, updatedAt: now }));
      await done;
    },

    async acknowledge(recordingId, partNumber, bytes) {
      const tx = db.transaction([ENTRIES, CHUNKS], 'readwrite');
      const done = committed(tx);
      updateEntry(tx, recordingId, (e) =>
        partNumber > e.ackedParts ? { ...e, ackedParts: partNumber, ackedBytes: bytes } : e,
      );
      const cursorRequest = tx.objectStore(CHUNKS).openCursor(chunkRange(recordingId));
      cursorRequest.onsuccess = () => {
        const cursor = cursorRequest.result;
        if (!cursor) return;
        const chunk = cursor.value as JournalChunk;
        // Chunks are in recording order: the first one that reaches past the acknowledged bytes ends the sweep.
        if (chunk.start + chunk.blob.size > bytes) return;
        cursor.delete();
        cursor.continue();
      };
      await done;
    },

    async list() {
      const tx = db.transaction([ENTRIES], 'readonly');
      return promised(tx.objectStore(ENTRIES).getAll() as IDBRequest<JournalEntry[]>);
    },

    async get(recordingId) {
      const tx = db.transaction([ENTRIES], 'readonly');
      return (await promised(tx.objectStore(ENTRIES).get(recordingId) as IDBRequest<JournalEntry | undefined>)) ?? null;
    },

    async chunks(recordingId) {
      const tx = db.transaction([CHUNKS], 'readonly');
      return promised(tx.objectStore(CHUNKS).getAll(chunkRange(recordingId)) as IDBRequest<JournalChunk[]>);
    },

    async remove(recordingId) {
      const tx = db.transaction([ENTRIES, CHUNKS], 'readwrite');
      const done = committed(tx);
      tx.objectStore(CHUNKS).delete(chunkRange(recordingId));
      tx.objectStore(ENTRIES).delete(recordingId);
      await done;
    },
  };
}
