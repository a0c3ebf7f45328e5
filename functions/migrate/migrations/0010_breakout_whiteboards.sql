-- One whiteboard per place: the main room's ('main') and each breakout room's of each opening ('<opening>/bN'), so
-- what a breakout room drew reaches only that room, is kept apart from the others, and stays after the meeting.
ALTER TABLE room_whiteboards ADD COLUMN IF NOT EXISTS board text NOT NULL DEFAULT 'main'
  CHECK (board = 'main' OR board ~ '^[0-9a-z-]{8,64}/b([1-9]|1[0-9]|20)$');

ALTER TABLE room_whiteboards DROP CONSTRAINT IF EXISTS room_whiteboards_pkey;

ALTER TABLE room_whiteboards ADD PRIMARY KEY (room_id, board);
