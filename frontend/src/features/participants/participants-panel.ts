import './participants.css';
import type { LobbyEntry, Participant } from '../../../../functions/shared/protocol/room';
import type { MeetingSession } from '../../meeting/session';
import { sameItems } from '../../meeting/store';
import { displayText, h, replaceChildren } from '../../ui/dom';
import { accountBadge } from './account-badge';
import { createAvatar } from '../avatars/avatar';
import { raisedHands } from '../reactions/reactions-state';

/** The People panel: host bar, lobby and roster, redrawn whenever one of those slices changes. */
export function createParticipantsPanel(session: MeetingSession): { el: HTMLElement; dispose(): void } {
  const lobbyList = h('ul', { class: 'people', attrs: { 'data-testid': 'lobby-list' } });
  const lobbySection = h(
    'div',
    { class: 'lobby-section', attrs: { hidden: true } },
    h('h3', null, 'Waiting in the lobby'),
    lobbyList,
  );
  // Raised hands, first raised first: the order in which people get to speak.
  const handsList = h('ol', { class: 'people hands', attrs: { 'data-testid': 'raised-hands' } });
  const handsHeading = h('h3', null, 'Raised hands');
  const handsSection = h('div', { class: 'hands-section', attrs: { hidden: true } }, handsHeading, handsList);
  const list = h('ul', { class: 'people', attrs: { 'data-testid': 'participant-list' } });
  const hostBar = h('div', { class: 'host-bar', attrs: { hidden: true } });
  const heading = h('h2', null, 'People');
  const el = h(
    'section',
    { class: 'panel participants', attrs: { 'aria-label': 'Participants', 'data-testid': 'participants-panel' } },
    heading,
    hostBar,
    lobbySection,
    handsSection,
    list,
  );

  const endDialog = h(
    'dialog',
    {
      class: 'confirm-dialog',
      attrs: { 'data-testid': 'end-all-dialog', 'aria-labelledby': 'end-all-title' },
      on: {
        close: () => {
          if (endDialog.returnValue === 'end') session.endForAll();
        },
      },
    },
    h('h2', { attrs: { id: 'end-all-title' } }, 'End the meeting for everyone?'),
    h('p', null, 'Everyone is disconnected at once and this meeting link stops working. This cannot be undone.'),
    h(
      'form',
      { class: 'row', attrs: { method: 'dialog' } },
      h(
        'button',
        { attrs: { type: 'submit', value: 'cancel', autofocus: true, 'data-testid': 'cancel-end-all' } },
        'Cancel',
      ),
      h(
        'button',
        { class: 'danger', attrs: { type: 'submit', value: 'end', 'data-testid': 'confirm-end-all' } },
        'End for all',
      ),
    ),
  );
  el.append(endDialog);

  const button = (label: string, testid: string, onClick: () => void, cls = '') =>
    h(
      'button',
      { class: `small ${cls}`, attrs: { type: 'button', 'data-testid': testid }, on: { click: onClick } },
      label,
    );

  const lobbyRow = (e: LobbyEntry) =>
    h(
      'li',
      { attrs: { 'data-peer-id': e.peerId, 'data-testid': 'lobby-entry' } },
      h('span', { class: 'person-name' }, displayText(e.name)),
      accountBadge(e.verified),
      h(
        'span',
        { class: 'actions' },
        button('Admit', 'admit', () => session.admit(e.peerId), 'primary'),
        button('Deny', 'deny', () => session.deny(e.peerId), 'danger'),
      ),
    );

  const handRow = (p: Participant) => {
    const isSelf = p.peerId === session.peerId;
    return h(
      'li',
      { attrs: { 'data-peer-id': p.peerId, 'data-testid': 'raised-hand' } },
      h('span', { class: 'person-name' }, displayText(p.name) + (isSelf ? ' (you)' : '')),
      isSelf || session.isHostish
        ? button(isSelf ? 'Lower my hand' : 'Lower hand', 'lower-hand', () =>
            isSelf ? session.setHandRaised(false) : session.lowerHand(p.peerId),
          )
        : null,
    );
  };

  const personAvatar = (p: Participant) => {
    const avatar = createAvatar('small', 'person-avatar');
    avatar.set(p.name, p.avatarUrl);
    return avatar.el;
  };

  const personRow = (p: Participant) => {
    const isSelf = p.peerId === session.peerId;
    const me = session.role;
    const canModerate = !isSelf && (me === 'host' || (me === 'cohost' && p.role === 'member'));
    return h(
      'li',
      { attrs: { 'data-peer-id': p.peerId, 'data-testid': 'participant' } },
      personAvatar(p),
      h('span', { class: 'person-name' }, displayText(p.name) + (isSelf ? ' (you)' : '')),
      accountBadge(p.verified),
      p.role !== 'member' ? h('span', { class: 'badge role' }, p.role === 'host' ? 'Host' : 'Co-host') : null,
      h(
        'span',
        { class: `badge ${p.mic ? 'on' : 'mic-off'}`, attrs: { 'data-testid': 'person-mic' } },
        p.mic ? 'Mic on' : 'Muted',
      ),
      h(
        'span',
        { class: `badge ${p.cam ? 'on' : 'cam-off'}`, attrs: { 'data-testid': 'person-cam' } },
        p.cam ? 'Camera on' : 'Camera off',
      ),
      p.handRaised ? h('span', { class: 'badge hand' }, 'Hand raised') : null,
      canModerate
        ? h(
            'span',
            { class: 'actions' },
            !p.mic ? button('Ask to unmute', 'ask-unmute', () => session.askUnmute(p.peerId)) : null,
            me === 'host'
              ? button(p.role === 'cohost' ? 'Remove co-host' : 'Make co-host', 'make-cohost', () =>
                  session.makeCohost(p.peerId, p.role !== 'cohost'),
                )
              : null,
            button(
              'Remove',
              'remove',
              () => {
                if (confirm(`Remove ${displayText(p.name)} from the meeting? They will not be able to rejoin.`))
                  session.remove(p.peerId);
              },
              'danger',
            ),
          )
        : null,
    );
  };

  const render = () => {
    heading.textContent = `People (${session.roster.length})`;
    const hostish = session.isHostish;
    hostBar.hidden = !hostish;
    if (hostish) {
      const locked = session.room?.locked ?? false;
      replaceChildren(
        hostBar,
        h(
          'div',
          { class: 'host-tools' },
          button('Mute all', 'mute-all', () => session.muteAll()),
          button(locked ? 'Unlock meeting' : 'Lock meeting', 'lock', () => session.lock(!locked)),
        ),
        // Apart from the everyday tools and behind a confirmation: one slip here ends everyone's call.
        session.role === 'host'
          ? h(
              'div',
              { class: 'end-zone' },
              button(
                'End for all…',
                'end-all',
                () => {
                  endDialog.returnValue = '';
                  endDialog.showModal();
                },
                'danger',
              ),
            )
          : null,
      );
    }
    lobbySection.hidden = !hostish || session.lobby.length === 0;
    replaceChildren(lobbyList, ...session.lobby.map(lobbyRow));
    const hands = raisedHands(session.roster);
    handsSection.hidden = hands.length === 0;
    handsHeading.textContent = `Raised hands (${hands.length})`;
    replaceChildren(handsList, ...hands.map(handRow));
    const sorted = [...session.roster].sort((a, b) => a.joinedAt - b.joinedAt);
    replaceChildren(list, ...sorted.map((p) => personRow(p)));
  };
  const dispose = session.store.select((s) => [s.roster, s.lobby, s.room, s.self] as const, render, sameItems);
  return { el, dispose };
}
