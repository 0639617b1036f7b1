/** The drift core: PSI, per-feature binners over a training baseline, and the sliding count window. */
export { PSI_EPSILON, computePsi, psiContributions, topMovedBins, type BinShift } from './psi.js';
export { categoricalBinner, createFeatureBinners, numericBinner, type FeatureBinner, type SignalBins } from './binner.js';
export { DriftWindow, MAX_BINS_PER_SIGNAL } from './drift-window.js';
