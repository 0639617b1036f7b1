/**
 * GENERATED FILE - do not edit by hand.
 *
 * Written by scripts/calibrate-synthetic.ts from bank-full.csv (45211 rows, sha256 b44507c26634736d4a0619ec2d7c4b6ff56a2c63cbeb5176d3134e7b25e416f0).
 * Regenerate with:
 *
 *   npx tsx scripts/calibrate-synthetic.ts /work/shared/data/bank-full.csv
 *
 * (or any copy of UCI's bank-full.csv, in either CSV layout). It holds aggregate figures only (class
 * rates, category shares, quantiles), never rows of the real data, which may not be committed.
 */
import type { SyntheticProfile } from './synthetic.js';

export const SYNTHETIC_PROFILE: SyntheticProfile = {
  source: {
    file: "bank-full.csv",
    sha256: "b44507c26634736d4a0619ec2d7c4b6ff56a2c63cbeb5176d3134e7b25e416f0",
    rows: 45211,
  },
  quantileProbs: [0, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1],
  base: {
    rows: 45211,
    classRate: 0.116985,
    classes: [
      {
        categorical: {
          job: {
            "admin.": 0.113722,
            "blue-collar": 0.226041,
            entrepreneur: 0.034167,
            housemaid: 0.02833,
            management: 0.204323,
            retired: 0.043785,
            "self-employed": 0.034868,
            services: 0.09481,
            student: 0.016758,
            technician: 0.169255,
            unemployed: 0.027579,
            unknown: 0.006362,
          },
          marital: { divorced: 0.114849, married: 0.61267, single: 0.272481 },
          education: { primary: 0.156806, secondary: 0.519814, tertiary: 0.283177, unknown: 0.040203 },
          default: { no: 0.980888, yes: 0.019112 },
          housing: { no: 0.418992, yes: 0.581008 },
          loan: { no: 0.83067, yes: 0.16933 },
          contact: { cellular: 0.624117, telephone: 0.063023, unknown: 0.31286 },
          month: {
            jan: 0.031587,
            feb: 0.055308,
            mar: 0.005736,
            apr: 0.05899,
            may: 0.321652,
            jun: 0.120109,
            jul: 0.157006,
            aug: 0.139247,
            sep: 0.007765,
            oct: 0.010395,
            nov: 0.089349,
            dec: 0.002856,
          },
          poutcome: { failure: 0.107284, other: 0.0384, success: 0.013351, unknown: 0.840965 },
        },
        numeric: {
          age: {
            points: [],
            quantiles: [18, 20, 22, 24, 25, 27, 29, 31, 32, 33, 34, 35, 36, 38, 39, 41, 42, 44, 46, 48, 50, 53, 56, 58, 60, 66, 73, 82, 95],
            whole: true,
          },
          balance: {
            points: [{ value: 0, share: 0.080707 }],
            quantiles: [-8019, -1621, -914.04, -681.01, -413, -219, 1, 28, 75, 126, 187, 253, 323, 406, 505, 620.45, 760, 945, 1185, 1491, 1930, 2592, 3680.1, 5916.1, 8564, 13654.04, 18892.615, 33333.882, 102127],
            whole: true,
          },
          day: {
            points: [{ value: 18, share: 0.052102 }, { value: 20, share: 0.064125 }],
            quantiles: [1, 1, 1, 2, 2, 3, 5, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 19, 21, 23, 26, 27, 28, 30, 30, 31, 31, 31, 31],
            whole: true,
          },
          duration: {
            points: [],
            quantiles: [0, 5, 8, 10, 17, 30, 54, 70, 83, 95, 108, 121, 135, 149, 164, 181, 200, 222, 248, 279, 319, 370, 447, 596, 757.975, 1016.58, 1220.395, 1869.474, 4918],
            whole: true,
          },
          campaign: {
            points: [
              { value: 1, share: 0.375307 },
              { value: 2, share: 0.278142 },
              { value: 3, share: 0.122814 },
              { value: 4, share: 0.080282 },
            ],
            quantiles: [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 8, 9, 11, 12, 15, 19, 24, 30.74, 34, 47.096, 63],
            whole: true,
          },
          pdays: {
            points: [{ value: -1, share: 0.84089 }],
            quantiles: [1, 1, 2, 6, 29.775, 80.55, 94, 106, 128, 153, 171, 179, 185, 196, 232, 258, 271, 294, 320.7, 335, 345, 352, 362, 369, 374, 492.49, 620.165, 791.649, 871],
            whole: true,
          },
          previous: {
            points: [{ value: 0, share: 0.84089 }, { value: 1, share: 0.054832 }],
            quantiles: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3.2, 4, 4, 5, 5, 6, 8, 11, 15, 22, 27, 38, 275],
            whole: true,
          },
        },
      },
      {
        categorical: {
          job: {
            "admin.": 0.119304,
            "blue-collar": 0.133863,
            entrepreneur: 0.023256,
            housemaid: 0.020609,
            management: 0.245982,
            retired: 0.097561,
            "self-employed": 0.035356,
            services: 0.069767,
            student: 0.05086,
            technician: 0.15882,
            unemployed: 0.038192,
            unknown: 0.006428,
          },
          marital: { divorced: 0.117603, married: 0.520892, single: 0.361505 },
          education: { primary: 0.111741, secondary: 0.463226, tertiary: 0.377387, unknown: 0.047646 },
          default: { no: 0.990168, yes: 0.009832 },
          housing: { no: 0.634146, yes: 0.365854 },
          loan: { no: 0.908489, yes: 0.091511 },
          contact: { cellular: 0.826054, telephone: 0.073738, unknown: 0.100208 },
          month: {
            jan: 0.026848,
            feb: 0.083381,
            mar: 0.04689,
            apr: 0.109094,
            may: 0.174891,
            jun: 0.103233,
            jul: 0.118548,
            aug: 0.130081,
            sep: 0.05086,
            oct: 0.06107,
            nov: 0.076196,
            dec: 0.018907,
          },
          poutcome: { failure: 0.116846, other: 0.058045, success: 0.184912, unknown: 0.640197 },
        },
        numeric: {
          age: {
            points: [],
            quantiles: [18, 18, 20, 21, 23, 25, 27, 29, 30, 31, 33, 34, 35, 36, 38, 40, 42, 45, 47, 50, 54, 57, 60, 68, 74, 80, 83, 90, 95],
            whole: true,
          },
          balance: {
            points: [{ value: 0, share: 0.055209 }],
            quantiles: [-3058, -970.288, -563.3, -438.2, -184.4, 3, 67, 131, 202, 273, 350.6, 445.6, 549, 676, 839, 1000, 1234, 1533.4, 1840.2, 2325, 2814.4, 3508.6, 4657, 7050, 10254.9, 14147.04, 20831.6, 36287.984, 81204],
            whole: true,
          },
          day: {
            points: [{ value: 30, share: 0.051238 }],
            quantiles: [1, 1, 1, 1, 2, 2, 4, 5, 6, 8, 9, 11, 12, 13, 14, 15, 16, 18, 19, 21, 22, 24, 26, 28, 29, 29, 31, 31, 31],
            whole: true,
          },
          duration: {
            points: [],
            quantiles: [8, 35.44, 75.44, 84.88, 104.2, 130.4, 161, 189, 217, 244, 270, 302.8, 341, 383, 426, 479, 532.8, 594, 658, 725, 815.4, 920, 1061.2, 1291.8, 1513.6, 1807.32, 2022.72, 2989.312, 3881],
            whole: true,
          },
          campaign: {
            points: [
              { value: 1, share: 0.484213 },
              { value: 2, share: 0.264889 },
              { value: 3, share: 0.116846 },
              { value: 4, share: 0.059936 },
            ],
            quantiles: [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 9, 10, 11, 14, 17, 20.09, 24.225, 30.827, 32],
            whole: true,
          },
          pdays: {
            points: [{ value: -1, share: 0.639818 }],
            quantiles: [1, 1, 7.56, 13.04, 49.6, 75, 88, 91, 92, 94, 98, 105, 138, 173, 181, 182, 183, 187, 195, 246, 286, 334, 364.6, 425.8, 479.8, 594.68, 764.84, 829.344, 854],
            whole: true,
          },
          previous: {
            points: [
              { value: 0, share: 0.639818 },
              { value: 1, share: 0.110229 },
              { value: 2, share: 0.086217 },
              { value: 3, share: 0.055587 },
            ],
            quantiles: [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 7, 7.25, 8, 9, 10, 12.45, 14.725, 22.29, 29.145, 56.287, 58],
            whole: true,
          },
        },
      },
    ],
  },
  driftFeatures: ["job", "housing", "age", "campaign"],
  late: {
    fromRow: 40689,
    rows: 4522,
    classRate: 0.471031,
    classes: [
      {
        categorical: {
          job: {
            "admin.": 0.142559,
            "blue-collar": 0.064381,
            entrepreneur: 0.015468,
            housemaid: 0.035117,
            management: 0.229515,
            retired: 0.173495,
            "self-employed": 0.030936,
            services: 0.035117,
            student: 0.084866,
            technician: 0.142977,
            unemployed: 0.033445,
            unknown: 0.012124,
          },
          housing: { no: 0.778846, yes: 0.221154 },
        },
        numeric: {
          age: {
            points: [],
            quantiles: [18, 18, 19, 20, 22, 25, 27, 29, 30, 31, 33, 34, 35, 37, 39, 42, 46, 50, 53, 57, 61, 64, 70, 75, 79, 83, 84.045, 89, 95],
            whole: true,
          },
          campaign: {
            points: [{ value: 1, share: 0.551839 }, { value: 2, share: 0.251254 }, { value: 3, share: 0.096572 }],
            quantiles: [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 7, 7, 8.05, 10, 12.61, 13, 15.283, 16],
            whole: true,
          },
        },
      },
      {
        categorical: {
          job: {
            "admin.": 0.116432,
            "blue-collar": 0.071362,
            entrepreneur: 0.013146,
            housemaid: 0.023944,
            management: 0.25493,
            retired: 0.158216,
            "self-employed": 0.030516,
            services: 0.051174,
            student: 0.081221,
            technician: 0.147418,
            unemployed: 0.044601,
            unknown: 0.007042,
          },
          housing: { no: 0.801878, yes: 0.198122 },
        },
        numeric: {
          age: {
            points: [],
            quantiles: [18, 18, 19, 20, 22, 24, 26, 28, 30, 31, 33, 34, 36, 37, 40, 43, 46, 49, 53, 56, 60, 62, 67.1, 75, 78, 82, 86, 92, 93],
            whole: true,
          },
          campaign: {
            points: [{ value: 1, share: 0.550704 }, { value: 2, share: 0.258685 }, { value: 3, share: 0.114554 }],
            quantiles: [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 7, 8, 9, 11, 11, 11, 11],
            whole: true,
          },
        },
      },
    ],
  },
  contactHistory: {
    on: "pdays",
    neverValue: -1,
    features: ["previous", "poutcome"],
    never: [
      {
        categorical: { poutcome: { failure: 0, other: 0, success: 0, unknown: 1 } },
        numeric: { previous: { points: [{ value: 0, share: 1 }], quantiles: [], whole: true } },
      },
      {
        categorical: { poutcome: { failure: 0, other: 0, success: 0, unknown: 1 } },
        numeric: { previous: { points: [{ value: 0, share: 1 }], quantiles: [], whole: true } },
      },
    ],
    before: [
      {
        categorical: { poutcome: { failure: 0.674276, other: 0.241341, success: 0.083911, unknown: 0.000472 } },
        numeric: {
          previous: {
            points: [
              { value: 1, share: 0.344616 },
              { value: 2, share: 0.259761 },
              { value: 3, share: 0.133501 },
              { value: 4, share: 0.085485 },
              { value: 5, share: 0.053212 },
            ],
            quantiles: [6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 9, 10, 11, 11, 12, 14, 17, 22, 27, 35.34, 38.17, 99.608, 275],
            whole: true,
          },
        },
      },
      {
        categorical: { poutcome: { failure: 0.324409, other: 0.161155, success: 0.513386, unknown: 0.00105 } },
        numeric: {
          previous: {
            points: [
              { value: 1, share: 0.306037 },
              { value: 2, share: 0.23937 },
              { value: 3, share: 0.154331 },
              { value: 4, share: 0.089764 },
              { value: 5, share: 0.063517 },
            ],
            quantiles: [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 9, 9, 10, 10, 11, 13, 15.1, 21.025, 29.21, 45.125, 57.163, 58],
            whole: true,
          },
        },
      },
    ],
  },
};
