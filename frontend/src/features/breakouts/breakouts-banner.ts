import { BREAKOUT_LIMITS } from '../../../../functions/shared/protocol/breakouts';
import type { MeetingSession } from '../../meeting/session';
import { sameItems } from '../../meeting/store';
import { displayText, h } from '../../ui/dom';
import { formatSeconds, roomOf, timerPhase } from './breakouts-state';

export interface BreakoutsBanner {
  el: HTMLElement;
  dispose(): void;
}

/**
 * The strip above the stage while breakout rooms are open: where this person is, the time left (a warning in the
 * last minute, then the countdown back to the main room), and the hosts' latest broadcast until dismissed.
 */
export function createBreakoutsBanner(session: MeetingSession): BreakoutsBanner {
  const place = h('span', { class: 'bo-place-name', attrs: { 'data-testid': 'breakout-place' } });
  const timer = h('span', {
    class: 'bo-timer',
    attrs: { 'data-testid': 'breakout-timer', role: 'timer', hidden: true },
  });
  const message = h('span', { class: 'bo-message', attrs: { 'data-testid': 'breakout-broadcast-message' } });
  const dismiss = h('button', { class: 'bo-dismiss', attrs: { type: 'button', 'aria-label': 'Dismiss message' } }, '×');
  const broadcast = h('p', { class: 'bo-broadcast-banner', attrs: { role: 'status', hidden: true } }, message, dismiss);
  const status = h('p', { class: 'bo-status', attrs: { hidden: true } }, place, timer);
  const el = h('div', { class: 'breakout-banner', attrs: { 'data-testid': 'breakout-banner' } }, status, broadcast);

  let dismissed = 0;
  dismiss.addEventListener('click', () => {
    dismissed = session.store.get().broadcast?.seq ?? 0;
    broadcast.hidden = true;
  });

  const tick = () => {
    const phase = timerPhase(session.store.get().breakouts, Date.now());
    timer.hidden = phase.phase === 'none';
    timer.classList.toggle('warning', phase.phase === 'running' && phase.warning);
    timer.classList.toggle('returning', phase.phase === 'returning' || phase.phase === 'due');
    if (phase.phase === 'running') timer.textContent = ` · ${formatSeconds(phase.secondsLeft)} left`;
    if (phase.phase === 'returning') timer.textContent = ` · back to the main room in ${phase.secondsLeft} s`;
    if (phase.phase === 'due') timer.textContent = ' · returning to the main room…';
  };
  const clock = setInterval(tick, 1000);

  const unsubscribe = session.store.select(
    (s) => [s.breakouts, s.selfId, s.broadcast] as const,
    ([view, selfId, latest]) => {
      status.hidden = view === null;
      if (view)
        place.textContent = `Breakout rooms are open · you are in ${roomOf(view, selfId)?.name ?? 'the main room'}`;
      tick();
      const show = latest !== null && latest.seq > dismissed;
      broadcast.hidden = !show;
      if (latest)
        message.textContent = `${displayText(latest.by)}: ${displayText(latest.text, BREAKOUT_LIMITS.broadcastText)}`;
    },
    sameItems,
  );

  return {
    el,
    dispose() {
      clearInterval(clock);
      unsubscribe();
    },
  };
}
