/**
 * The modelwatch image built from the repository's Dockerfile, as every deployment target runs it.
 * Compose and Kubernetes must agree on its name, on where its model registry lives and on the user
 * it runs as; test/stack-kubernetes.test.ts checks these against the Dockerfile itself.
 */

/** Facts about the image that its deployments depend on. */
export const MODELWATCH_IMAGE = {
  /**
   * The tag Compose builds. A cluster pulls the same name, so the operator pushes (or `kind load`s)
   * the image under it or overrides it, e.g. with `kubectl set image`.
   */
  name: 'modelwatch:local',
  /** The Dockerfile's MODEL_DIR, a mount point owned by the image's user. */
  modelDir: '/var/lib/modelwatch/models',
  /**
   * uid (and gid) of the official Node image's `node` user, which the Dockerfile switches to.
   * Kubernetes needs the number: `runAsNonRoot` cannot verify a user given by name.
   */
  uid: 1000,
} as const;
