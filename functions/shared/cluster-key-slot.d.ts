// cluster-key-slot (ioredis's own dependency, the CRC16 slot function Redis Cluster uses) ships no types.
declare module 'cluster-key-slot' {
  /** The cluster slot (0–16383) of a key, honouring its `{hash tag}`. */
  function calculateSlot(key: string | Buffer): number;
  namespace calculateSlot {
    /** The common slot of all keys, or -1 when they span more than one. */
    function generateMulti(keys: (string | Buffer)[]): number;
  }
  export = calculateSlot;
}
