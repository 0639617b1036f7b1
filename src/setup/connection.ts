/** What `modelwatch setup` needs to talk to Elasticsearch or Kibana, and what it reports back. */

/** Where and as whom to connect. */
export interface SetupConnection {
  /** Base URL, e.g. https://elasticsearch:9200 or https://kibana:5601 (a base path is kept). */
  readonly url: string;
  readonly username: string;
  /** Without a password no credentials are sent (a cluster with security off). */
  readonly password?: string;
  /** PEM certificate(s) of the CA that signed the server's certificate. */
  readonly ca?: string | Buffer;
  /** Per request. */
  readonly timeoutSeconds: number;
}

/** What applying one object did. */
export type Outcome = 'created' | 'updated' | 'unchanged';

/** One applied object. */
export interface Applied {
  /** ilm-policy, index-template, write-alias, index-pattern, lens, search, dashboard, rule. */
  readonly kind: string;
  readonly id: string;
  readonly title: string;
  readonly outcome: Outcome;
}

/** Called after each object is applied, for progress lines. */
export type OnApplied = (applied: Applied) => void;

/**
 * Reads an object as it is now and writes ours only when it is missing or differs, so a second run
 * changes nothing and says so.
 *
 * @example await ensure({ kind: 'rule', id, title, read, same, write })
 */
export async function ensure<T>(step: {
  kind: string;
  id: string;
  title: string;
  /** The current object, or undefined when there is none. */
  read: () => Promise<T | undefined>;
  same: (current: T) => boolean;
  write: (exists: boolean) => Promise<void>;
}): Promise<Applied> {
  const current = await step.read();
  const outcome: Outcome = current === undefined ? 'created' : step.same(current) ? 'unchanged' : 'updated';
  if (outcome !== 'unchanged') await step.write(current !== undefined);
  return { kind: step.kind, id: step.id, title: step.title, outcome };
}
