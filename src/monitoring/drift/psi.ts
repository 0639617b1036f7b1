/**
 * Population Stability Index between a training baseline's bin shares and live bin counts.
 *
 * The epsilon rule: every share, actual and expected, is floored at {@link PSI_EPSILON} before the
 * formula, with no renormalisation afterwards. An empty bin would otherwise make ln(a / e) infinite
 * (a category never seen in training, or a training bin the live traffic no longer reaches). The rule
 * is kept exactly this simple on purpose: it must be expressible in PromQL with `clamp_min`, so that
 * a recording rule over the bin counters and this in-process value agree to the last digit:
 *
 *   a = clamp_min(count / sum(count), 1e-4);  e = clamp_min(share, 1e-4);  sum((a - e) * ln(a / e))
 *
 * Changing the rule here means changing the alert rules too.
 */

/** The floor applied to every share before the PSI formula (see the file comment). */
export const PSI_EPSILON = 1e-4;

/** One bin's part of the PSI: the shares after the epsilon rule and the bin's term of the sum. */
export interface BinShift {
  readonly bin: number;
  /** Expected (baseline) share, floored at {@link PSI_EPSILON}. */
  readonly expected: number;
  /** Actual (live) share, floored at {@link PSI_EPSILON}. */
  readonly actual: number;
  /** (actual − expected) · ln(actual / expected); never negative. */
  readonly contribution: number;
}

function checkLengths(expectedShares: ArrayLike<number>, actualCounts: ArrayLike<number>): void {
  if (expectedShares.length !== actualCounts.length) {
    throw new RangeError(`PSI needs as many expected shares as actual counts, got ${expectedShares.length} and ${actualCounts.length}`);
  }
}

function total(counts: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += counts[i];
  return sum;
}

/** One term of the sum, with the epsilon rule applied to both shares. */
function term(expectedShare: number, actualShare: number): number {
  const e = Math.max(expectedShare, PSI_EPSILON);
  const a = Math.max(actualShare, PSI_EPSILON);
  return (a - e) * Math.log(a / e);
}

/**
 * PSI of the live distribution (`actualCounts`, turned into shares by dividing by their sum) against
 * the baseline's `expectedShares`, with the epsilon rule of the file comment. NaN when the counts sum
 * to 0 (nothing to compare yet); throws a RangeError when the lengths differ.
 *
 * @example
 * computePsi([0.5, 0.3, 0.2], [40, 40, 20]); // ≈ 0.0511
 */
export function computePsi(expectedShares: ArrayLike<number>, actualCounts: ArrayLike<number>): number {
  checkLengths(expectedShares, actualCounts);
  const n = total(actualCounts);
  if (n === 0) return Number.NaN;
  let psi = 0;
  for (let i = 0; i < actualCounts.length; i++) psi += term(expectedShares[i], actualCounts[i] / n);
  return psi;
}

/**
 * Every bin's term of {@link computePsi}, in bin order (their contributions sum to the PSI). When the
 * counts sum to 0 every actual share is taken as 0, so the terms show how far "nothing" is from the
 * baseline; callers that want to say "no data" should check the total first.
 *
 * @example
 * psiContributions([0.5, 0.5], [1, 3])[1].contribution; // (0.75 − 0.5) · ln(1.5) ≈ 0.101
 */
export function psiContributions(expectedShares: ArrayLike<number>, actualCounts: ArrayLike<number>): BinShift[] {
  checkLengths(expectedShares, actualCounts);
  const n = total(actualCounts);
  const shifts: BinShift[] = [];
  for (let bin = 0; bin < actualCounts.length; bin++) {
    const share = n === 0 ? 0 : actualCounts[bin] / n;
    shifts.push({
      bin,
      expected: Math.max(expectedShares[bin], PSI_EPSILON),
      actual: Math.max(share, PSI_EPSILON),
      contribution: term(expectedShares[bin], share),
    });
  }
  return shifts;
}

/**
 * The `k` bins that add most to the PSI, largest contribution first (ties keep bin order): what an
 * operator wants to see next to a drift alert.
 *
 * @example
 * topMovedBins([0.5, 0.3, 0.2], [40, 40, 20], 1)[0].bin; // 1
 */
export function topMovedBins(expectedShares: ArrayLike<number>, actualCounts: ArrayLike<number>, k: number): BinShift[] {
  return psiContributions(expectedShares, actualCounts)
    .sort((x, y) => y.contribution - x.contribution || x.bin - y.bin)
    .slice(0, Math.max(0, k));
}
