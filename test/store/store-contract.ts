import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/ports/store.js";
import { auditContract } from "./contract/audit.js";
import { hostsContract, metaContract } from "./contract/hosts-meta.js";
import { idempotencyContract, registriesContract } from "./contract/keys-registries.js";
import { runsContract } from "./contract/runs.js";
import { type StoreHarness, tokensContract } from "./contract/tokens.js";

export type { StoreHarness };

/**
 * What the services rely on from each port, for any implementation: each one's test file calls this with a
 * harness that opens a new, empty store of its kind.
 */
export function describeStoreContract<S extends Store>(name: string, harness: StoreHarness<S>): void {
  describe(`the ${name} store's ports`, () => {
    let store: S;
    beforeEach(async () => {
      store = await harness.open();
    });
    afterEach(() => store.close());
    const current = () => store;

    it("answers its health check", async () => {
      await expect(store.check()).resolves.toBeUndefined();
    });

    hostsContract(current);
    metaContract(current);
    tokensContract(current, harness);
    auditContract(current);
    runsContract(current);
    idempotencyContract(current);
    registriesContract(current);
  });
}
