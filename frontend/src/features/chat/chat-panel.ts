import './chat.css';
import { LIMITS, type ChatMessage } from '../../../../functions/shared/protocol/room';
import type { MeetingSession } from '../../meeting/session';
import { displayText, h, replaceChildren, type Child } from '../../ui/dom';
import { splitLinks } from './chat-links';
import { createAvatar } from '../avatars/avatar';

export interface ChatPanel {
  el: HTMLElement;
  focus(): void;
  dispose(): void;
}

/** Links as anchors built through h() (text children stay Text nodes, href passes the URL allowlist). */
function chatText(value: string): Child[] {
  return splitLinks(value).map((part) =>
    part.kind === 'text'
      ? part.text
      : h(
          'a',
          { class: 'chat-link', attrs: { href: part.href, target: '_blank', rel: 'noopener noreferrer' } },
          part.text,
        ),
  );
}

/** The chat side panel: follows the store's chat slice, appending only what it has not drawn yet. */
export function createChatPanel(session: MeetingSession): ChatPanel {
  const list = h('ol', { class: 'chat-list', attrs: { 'data-testid': 'chat-list', 'aria-live': 'polite' } });
  const input = h('textarea', {
    attrs: {
      rows: 2,
      maxlength: LIMITS.chatText,
      placeholder: 'Message everyone',
      'aria-label': 'Chat message',
      'data-testid': 'chat-input',
    },
  });
  const send = () => {
    const text = input.value;
    if (!text.trim()) return;
    if (session.sendChat(text)) input.value = '';
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  });
  const form = h(
    'form',
    {
      class: 'chat-form',
      on: {
        submit: (e) => {
          e.preventDefault();
          send();
        },
      },
    },
    input,
    h('button', { class: 'primary', attrs: { type: 'submit', 'data-testid': 'chat-send' } }, 'Send'),
  );
  const el = h(
    'section',
    { class: 'panel chat', attrs: { 'aria-label': 'Chat', 'data-testid': 'chat-panel' } },
    h('h2', null, 'Chat'),
    list,
    form,
  );
  const chatAvatar = (m: ChatMessage) => {
    const avatar = createAvatar('small', 'chat-avatar');
    avatar.set(m.name, m.avatarUrl);
    return avatar.el;
  };
  const add = (m: ChatMessage) => {
    const time = new Date(m.sentAt);
    const item = h(
      'li',
      {
        class: `chat-item${m.system ? ' system' : m.peerId === session.peerId ? ' mine' : ''}`,
        attrs: { 'data-testid': 'chat-item' },
      },
      h(
        'div',
        { class: 'chat-meta' },
        m.system ? null : chatAvatar(m),
        h('strong', { attrs: { 'data-testid': 'chat-author' } }, displayText(m.name)),
        ' ',
        h(
          'time',
          { attrs: { datetime: m.sentAt } },
          Number.isNaN(time.getTime()) ? '' : time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
        ),
      ),
      h('p', { class: 'chat-text', attrs: { 'data-testid': 'chat-text' } }, ...chatText(m.text)),
    );
    list.append(item);
    list.scrollTop = list.scrollHeight;
  };
  let shown: readonly ChatMessage[] = [];
  const dispose = session.store.select(
    (s) => s.chat,
    (chat) => {
      // New messages are appended; a chat replaced whole (a move between breakout rooms) is drawn again.
      const grows = shown.length <= chat.length && shown.every((m, i) => chat[i] === m);
      if (!grows) replaceChildren(list);
      for (const m of chat.slice(grows ? shown.length : 0)) add(m);
      shown = chat;
    },
  );
  return { el, focus: () => input.focus(), dispose };
}
