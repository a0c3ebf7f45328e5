/**
 * The reaction set of the room socket (`reaction.send` / `reaction` in room.ts). Like room.ts, zod only (the browser
 * bundle imports it too). Reactions are never stored: the server relays them to the room and forgets them.
 */
import * as z from 'zod';

/** The fixed set of reactions: the buttons in the controls and the only values the server relays. */
export const REACTION_EMOJI = ['👍', '👏', '😂', '😮', '❤️', '🎉'] as const;
export const reactionEmojiSchema = z.enum(REACTION_EMOJI);
export type ReactionEmoji = z.infer<typeof reactionEmojiSchema>;

/** Words for screen readers and button labels, one per reaction. */
export const REACTION_NAMES: Record<ReactionEmoji, string> = {
  '👍': 'thumbs up',
  '👏': 'applause',
  '😂': 'laughter',
  '😮': 'surprise',
  '❤️': 'love',
  '🎉': 'celebration',
};
