/**
 * How the drift panel words a signal's state. Kept apart from the panel and without the DOM
 * helpers, so the wording is tested without a browser.
 */
import type { DriftSignalView } from './api-types.js';

/**
 * A signal's PSI as the panel prints it: three decimals, or "warming up" while the window holds
 * fewer than DRIFT_MIN_SAMPLES predictions (PSI of a handful of rows would look drifted, and "ok"
 * would claim a check not yet made).
 *
 * @example psiText({ psi: null, level: 'warming_up' }) // 'warming up'
 */
export function psiText(signal: Pick<DriftSignalView, 'psi' | 'level'>): string {
  return signal.level === 'warming_up' || signal.psi === null ? 'warming up' : signal.psi.toFixed(3);
}
