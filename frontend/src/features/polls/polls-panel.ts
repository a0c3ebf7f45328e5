import './polls.css';
import { POLL_LIMITS, type PollExportFormat, type PollView } from '../../../../functions/shared/protocol/polls';
import type { MeetingSession } from '../../meeting/session';
import { isHostish } from '../../meeting/room-state';
import { sameItems } from '../../meeting/store';
import { displayText, h, replaceChildren } from '../../ui/dom';

export interface PollsPanel {
  el: HTMLElement;
  focus(): void;
  dispose(): void;
}

const DURATIONS: [string, number | undefined][] = [
  ['No time limit', undefined],
  ['1 minute', 60],
  ['2 minutes', 120],
  ['5 minutes', 300],
  ['10 minutes', 600],
];

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The Polls side panel: the current poll (vote, live bars, who chose what in named polls, close and export for
 * hosts) and, for hosts when no poll is open, the form that opens one. Bars are <progress> elements: no inline
 * styles under the strict CSP.
 */
export function createPollsPanel(session: MeetingSession, toast: (text: string) => void): PollsPanel {
  const card = h('div', { class: 'poll-card', attrs: { 'data-testid': 'poll-card', hidden: true } });
  const form = createPollForm(session);
  const empty = h('p', { class: 'muted', attrs: { 'data-testid': 'poll-empty' } }, 'No poll yet.');
  const el = h(
    'section',
    { class: 'panel polls', attrs: { 'aria-label': 'Polls', 'data-testid': 'polls-panel' } },
    h('h2', null, 'Polls'),
    card,
    empty,
    form.el,
  );

  const download = (pollId: string, format: PollExportFormat) => {
    session
      .exportPoll(pollId, format)
      .then(({ blob, filename }) => {
        const url = URL.createObjectURL(blob);
        const a = h('a', { attrs: { href: url, download: filename, hidden: true } });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      })
      .catch((err: unknown) => toast(`Could not export the poll: ${(err as Error).message}`));
  };

  // What the person has ticked but not sent yet; kept across redraws of the same poll (results arrive often).
  let draftFor: string | null = null;
  let draft = new Set<number>();

  const drawCard = (view: PollView, hostish: boolean) => {
    const { poll, results, myVote } = view;
    const open = poll.closedAt === null;
    card.dataset.pollId = poll.id;
    if (draftFor !== poll.id) {
      draftFor = poll.id;
      draft = new Set(myVote);
    }
    const counts = results.counts;
    const status = open
      ? poll.closesAt !== null
        ? `Open · closes at ${new Date(poll.closesAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`
        : 'Open'
      : 'Closed · final results';
    const kind = `${poll.anonymous ? 'Anonymous' : 'Named'} · ${poll.multiple ? 'choose any' : 'choose one'}`;
    const ballotsFor = (i: number) =>
      (results.ballots ?? []).filter((b) => b.optionIndexes.includes(i)).map((b) => displayText(b.name));

    const options = poll.options.map((text, i) => {
      const input = h('input', {
        class: 'poll-choice',
        attrs: {
          type: poll.multiple ? 'checkbox' : 'radio',
          name: `poll-${poll.id}`,
          value: i,
          checked: draft.has(i),
          disabled: !open,
          'data-testid': 'poll-choice',
        },
        on: {
          change: () => {
            if (!poll.multiple) draft.clear();
            if (input.checked) draft.add(i);
            else draft.delete(i);
          },
        },
      });
      const n = counts?.[i];
      const names = ballotsFor(i);
      return h(
        'li',
        {
          class: `poll-option${myVote.includes(i) ? ' mine' : ''}`,
          attrs: { 'data-testid': 'poll-option', 'data-index': i },
        },
        h('label', { class: 'poll-label' }, input, h('span', { attrs: { 'data-testid': 'poll-option-text' } }, text)),
        n !== undefined
          ? h(
              'div',
              { class: 'poll-result' },
              h('progress', {
                class: 'poll-bar',
                attrs: { max: Math.max(results.voters, 1), value: n, 'aria-label': `${text}: ${n}` },
              }),
              h(
                'span',
                { class: 'poll-count', attrs: { 'data-testid': 'poll-count' } },
                `${n} (${results.voters ? Math.round((n / results.voters) * 100) : 0}%)`,
              ),
            )
          : null,
        names.length
          ? h('p', { class: 'poll-voters', attrs: { 'data-testid': 'poll-voters' } }, names.join(', '))
          : null,
      );
    });

    const voteBtn = open
      ? h(
          'button',
          {
            class: 'small primary',
            attrs: { type: 'submit', 'data-testid': 'poll-vote' },
          },
          myVote.length ? 'Change vote' : 'Vote',
        )
      : null;
    const hostActions = hostish
      ? h(
          'div',
          { class: 'poll-host-actions' },
          open
            ? h(
                'button',
                {
                  class: 'small danger',
                  attrs: { type: 'button', 'data-testid': 'poll-close' },
                  on: { click: () => session.closePoll(poll.id) },
                },
                'Close poll',
              )
            : null,
          h(
            'button',
            {
              class: 'small',
              attrs: { type: 'button', 'data-testid': 'poll-export-csv' },
              on: { click: () => download(poll.id, 'csv') },
            },
            'Download CSV',
          ),
          h(
            'button',
            {
              class: 'small',
              attrs: { type: 'button', 'data-testid': 'poll-export-json' },
              on: { click: () => download(poll.id, 'json') },
            },
            'Download JSON',
          ),
        )
      : null;

    replaceChildren(
      card,
      h('h3', { class: 'poll-question', attrs: { 'data-testid': 'poll-question' } }, poll.question),
      h('p', { class: 'poll-meta', attrs: { 'data-testid': 'poll-status', 'data-open': String(open) } }, status),
      h('p', { class: 'poll-meta' }, `${kind} · by ${displayText(poll.createdBy)}`),
      h(
        'form',
        {
          class: 'poll-form',
          on: {
            submit: (e) => {
              e.preventDefault();
              if (draft.size === 0) return toast('Choose an option first.');
              session.votePoll(
                poll.id,
                [...draft].sort((a, b) => a - b),
              );
            },
          },
        },
        h('ul', { class: 'poll-options' }, ...options),
        voteBtn,
      ),
      h(
        'p',
        { class: 'poll-meta', attrs: { 'data-testid': 'poll-voter-count' } },
        plural(results.voters, 'person voted', 'people voted'),
        counts === undefined ? ' · results are shown to hosts until the poll closes' : '',
        myVote.length ? ` · your vote: ${myVote.map((i) => poll.options[i]).join(', ')}` : '',
      ),
      hostActions,
    );
  };

  const dispose = session.store.select(
    (s) => [s.poll, s.self] as const,
    (_slice, state) => {
      const view = state.poll;
      const hostish = isHostish(state);
      card.hidden = view === null;
      if (view) drawCard(view, hostish);
      else replaceChildren(card);
      empty.hidden = view !== null || hostish;
      form.el.hidden = !hostish || (view !== null && view.poll.closedAt === null);
    },
    sameItems,
  );
  return {
    el,
    focus: () => {
      if (!form.el.hidden) form.question.focus();
    },
    dispose,
  };
}

/** The host's form: question, 2–10 options, the poll's kind and an optional time limit. */
function createPollForm(session: MeetingSession) {
  const question = h('input', {
    attrs: {
      type: 'text',
      maxlength: POLL_LIMITS.question,
      placeholder: 'Ask a question',
      'aria-label': 'Poll question',
      required: true,
      'data-testid': 'poll-question-input',
    },
  });
  const optionList = h('ol', { class: 'poll-option-inputs' });
  const addOption = (value = '') => {
    const input = h('input', {
      attrs: {
        type: 'text',
        maxlength: POLL_LIMITS.option,
        value,
        'aria-label': `Option ${optionList.children.length + 1}`,
        'data-testid': 'poll-option-input',
      },
    });
    optionList.append(h('li', null, input));
    addBtn.disabled = optionList.children.length >= POLL_LIMITS.maxOptions;
    return input;
  };
  const addBtn = h(
    'button',
    {
      class: 'small',
      attrs: { type: 'button', 'data-testid': 'poll-add-option' },
      on: { click: () => addOption().focus() },
    },
    'Add option',
  );
  const checkbox = (label: string, testid: string, checked: boolean) => {
    const input = h('input', { attrs: { type: 'checkbox', checked, 'data-testid': testid } });
    return { input, el: h('label', { class: 'poll-check' }, input, ` ${label}`) };
  };
  const multiple = checkbox('Several choices allowed', 'poll-multiple', false);
  const anonymous = checkbox('Anonymous (nobody sees who voted what)', 'poll-anonymous', false);
  const visible = checkbox('Show results to everyone while open', 'poll-visible', true);
  const duration = h(
    'select',
    { attrs: { 'aria-label': 'Time limit', 'data-testid': 'poll-duration' } },
    ...DURATIONS.map(([label, seconds]) => h('option', { attrs: { value: seconds ?? '' } }, label)),
  );
  const error = h('p', { class: 'poll-error', attrs: { role: 'alert', 'data-testid': 'poll-form-error' } });

  const reset = () => {
    question.value = '';
    optionList.replaceChildren();
    addOption();
    addOption();
    error.textContent = '';
  };
  const submit = (e: Event) => {
    e.preventDefault();
    const options = [...optionList.querySelectorAll('input')].map((i) => i.value.trim()).filter(Boolean);
    if (!question.value.trim()) return void (error.textContent = 'Write a question.');
    if (options.length < POLL_LIMITS.minOptions) return void (error.textContent = 'Give at least two options.');
    const seconds = duration.value ? Number(duration.value) : undefined;
    const sent = session.createPoll({
      question: question.value.trim(),
      options,
      multiple: multiple.input.checked,
      anonymous: anonymous.input.checked,
      resultsVisibleToAll: visible.input.checked,
      ...(seconds ? { durationSeconds: seconds } : {}),
    });
    if (sent) reset();
    else error.textContent = 'Could not send the poll: check the question and options.';
  };
  const el = h(
    'form',
    { class: 'poll-create', attrs: { 'data-testid': 'poll-create', hidden: true }, on: { submit } },
    h('h3', null, 'New poll'),
    question,
    optionList,
    addBtn,
    multiple.el,
    anonymous.el,
    visible.el,
    duration,
    error,
    h('button', { class: 'primary', attrs: { type: 'submit', 'data-testid': 'poll-start' } }, 'Start poll'),
  );
  reset();
  return { el, question };
}
