import type { DockerCreateBody } from "./container-calls.js";
import { checkCreatedContainer } from "./create-policy.js";
import type { DockerHost } from "./docker-host.js";

/** What a caller does around the steps of `createChecked`; each hook runs at one point of the create. */
export type CreateSteps<T> = {
  /** Start the container once its volumes passed the policy. */
  start: boolean;
  /** The container exists: its id is known, and nothing that could discard it has happened yet. */
  created?(id: string): void;
  /** Its volumes passed; it is about to be started (only with `start`). A failure here discards it too. */
  beforeStart?(id: string): Promise<void>;
  /** The last step, after the start (or the check, without one); what it answers, the create answers. */
  ready(id: string): Promise<T>;
};

/**
 * Creates a container from a body the create policy made, checks the volumes and network it ended up with
 * against the same policy (a named volume can turn out to be a host bind, a network id the host's network,
 * seen only once the container exists), starts it if asked, and removes it again when any step after the
 * create fails: a container that was refused, could not start (a port taken) or be recorded is not left
 * behind for a retry to make a second time.
 * Nothing here takes the caller's signal: a create the daemon finishes after an abort would leave a
 * container nobody knows of.
 */
export async function createChecked<T>(
  host: DockerHost,
  body: DockerCreateBody,
  name: string | undefined,
  policy: Record<string, unknown>,
  steps: CreateSteps<T>,
): Promise<T> {
  const { id } = await host.createContainer(body, name);
  steps.created?.(id);
  try {
    await checkCreatedContainer(host, id, policy);
    if (steps.start) {
      await steps.beforeStart?.(id);
      await host.startContainer(id);
    }
    return await steps.ready(id);
  } catch (error) {
    await host.discardContainer(id);
    throw error;
  }
}
