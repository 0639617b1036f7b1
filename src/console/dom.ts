/** A few DOM helpers: the page is plain TypeScript and DOM, without a framework. */

type Child = Node | string | null | undefined | false;

/**
 * Creates an element with attributes and children (strings become text, so nothing is parsed as HTML).
 *
 * @example h('li', { class: 'alert', 'data-alert': 'X' }, 'text')
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Readonly<Record<string, string>> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

/** The element with `id`; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

/** A number with `digits` decimals, or an em dash when there is none. */
export const fixed = (value: number | null | undefined, digits: number): string => (value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits));

/** Clock time of an ISO string or Unix ms, and how long ago, e.g. "10:32:05 (3 min ago)". */
export function since(time: string | number, now = Date.now()): string {
  const ms = typeof time === 'number' ? time : Date.parse(time);
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  const ago = seconds < 90 ? `${seconds} s ago` : seconds < 5400 ? `${Math.round(seconds / 60)} min ago` : `${(seconds / 3600).toFixed(1)} h ago`;
  return `${new Date(ms).toLocaleTimeString([], { hour12: false })} (${ago})`;
}
