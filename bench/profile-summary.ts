/**
 * Where a modelwatch child spent its CPU: `node dist/bench/profile-summary.js <file.cpuprofile> [top]`
 * (profiles come from `npm run bench -- --profile`). Prints self time by module (a package, a
 * project file, Node internals) and the top functions by self and by inclusive time, as shares of
 * the busy (non-idle) time, which is what competes with answering requests.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * A frame's module: `fastify`, `src/server/plugins/predict.js`, `node:internal/...`, or `(native)`.
 *
 * @example moduleOf('file:///work/main/node_modules/pino/lib/tools.js') // 'pino'
 */
export function moduleOf(url: string): string {
  if (url === '') return '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const project = /\/dist\/(.+)$/.exec(url);
  if (project) return project[1];
  return url.startsWith('node:') ? url.replace(/^node:internal\/([^/]+).*/, 'node:$1') : url;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${moduleOf(url)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

function top(map: Map<string, number>, total: number, n: number): string[] {
  return [...map.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, n)
    .map(([name, us]) => `${((us / total) * 100).toFixed(1).padStart(6)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
}

/**
 * Summarises one profile as text.
 *
 * @example process.stdout.write(summariseProfile(JSON.parse(readFileSync(file, 'utf8')), 25));
 */
export function summariseProfile(profile: CpuProfile, n = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const modules = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)') {
      idle += us;
      return;
    }
    busy += us;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + us);
    const mod = fn === '(garbage collector)' ? '(garbage collector)' : moduleOf(node.callFrame.url);
    modules.set(mod, (modules.get(mod) ?? 0) + us);
    // Each frame once per sample, so recursion does not count twice.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (!frame) break;
      const key = frameName(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  });
  return [
    `busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s; shares are of busy time`,
    '',
    'self time by module:',
    ...top(modules, busy, n),
    '',
    'self time by function:',
    ...top(self, busy, n),
    '',
    'inclusive time by function:',
    ...top(inclusive, busy, n),
    '',
  ].join('\n');
}

const [file, count] = process.argv.slice(2);
if (file) process.stdout.write(summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, count ? Number(count) : 25));
else process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]\n');
