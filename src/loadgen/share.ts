/**
 * Picking an exact share of a stream of events. A credit accumulator rather than a coin flip: over
 * any run the picked count is floor(n × share), so a 30 % share over 20 requests is 6, not "about 6".
 */

/**
 * Returns a function to call once per event; it answers whether this event is picked.
 *
 * @example
 * const pick = shareSchedule(0.25);
 * [1, 2, 3, 4, 5, 6, 7, 8].map(() => pick()); // false, false, false, true, false, false, false, true
 */
export function shareSchedule(share: number): () => boolean {
  let credit = 0;
  return () => {
    credit += share;
    // The tolerance absorbs float error: ten steps of 0.1 must add up to a whole event.
    if (credit < 1 - 1e-9) return false;
    credit -= 1;
    return true;
  };
}
