-- A board's snapshot in parts (#13, #10): the RDS Data API returns rows of at most 64 KB and 1 MiB per call, and
-- takes requests of at most 4 MB, so a snapshot in one bytea column could not be read back once the board passed
-- ~48 KB (its base64 text). Each compaction writes a new generation of parts of at most 32 KiB, and the board's row
-- names the generation that is whole (board-store.ts writes the parts, the row and the removal of the older
-- generation in one transaction, and reads the parts in pages).
CREATE TABLE IF NOT EXISTS room_whiteboard_parts (
  room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  board text NOT NULL,
  generation bigint NOT NULL,
  part integer NOT NULL CHECK (part >= 0),
  bytes bytea NOT NULL CHECK (length(bytes) BETWEEN 1 AND 32768),
  PRIMARY KEY (room_id, board, generation, part)
);

ALTER TABLE room_whiteboards ADD COLUMN IF NOT EXISTS generation bigint NOT NULL DEFAULT 0;

ALTER TABLE room_whiteboards ADD COLUMN IF NOT EXISTS parts integer NOT NULL DEFAULT 0 CHECK (parts >= 0);

-- The snapshots written before this migration move into generation 0, 32 KiB a part.
INSERT INTO room_whiteboard_parts (room_id, board, generation, part, bytes)
SELECT w.room_id, w.board, 0, n, substring(w.snapshot FROM n * 32768 + 1 FOR 32768)
FROM room_whiteboards w, generate_series(0, (length(w.snapshot) - 1) / 32768) AS n
WHERE w.snapshot IS NOT NULL AND length(w.snapshot) > 0
ON CONFLICT DO NOTHING;

UPDATE room_whiteboards SET parts = (length(snapshot) + 32767) / 32768, generation = 0
WHERE snapshot IS NOT NULL;

ALTER TABLE room_whiteboards ALTER COLUMN snapshot DROP NOT NULL;

UPDATE room_whiteboards SET snapshot = NULL WHERE snapshot IS NOT NULL;
