/**
 * Binary search shared by the places that bin a number against sorted upper edges (the tree
 * learner's histogram bins, the drift baseline's intervals).
 */

/**
 * Index of the first edge at or above `value` (`edges.length` when every edge is below it, and for
 * NaN, which compares false with everything). `edges` must be sorted ascending.
 *
 * @example firstEdgeAtOrAbove([1, 5, 9], 5) // 1
 */
export function firstEdgeAtOrAbove(edges: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
