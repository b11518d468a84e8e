import { listAudit } from "./audit/list-audit.js";
import { CONTAINERS } from "./containers/index.js";
import { FLEET } from "./fleet/index.js";
import { getHealth } from "./health/get-health.js";
import { getReadiness } from "./health/get-readiness.js";
import { createHost } from "./hosts/create-host.js";
import { deleteHost } from "./hosts/delete-host.js";
import { getHost } from "./hosts/get-host.js";
import { getHostInfo } from "./hosts/get-host-info.js";
import { listHosts } from "./hosts/list-hosts.js";
import { updateHost } from "./hosts/update-host.js";
import { IMAGES } from "./images/index.js";
import { NETWORKS } from "./networks/index.js";
import type { AnyOperation } from "./operation.js";
import { REGISTRIES } from "./registries/index.js";
import { RUNS } from "./runs/index.js";
import { SERVICES } from "./services/index.js";
import { createToken } from "./tokens/create-token.js";
import { getJwks } from "./tokens/get-jwks.js";
import { listTokens } from "./tokens/list-tokens.js";
import { revokeToken } from "./tokens/revoke-token.js";
import { VOLUMES } from "./volumes/index.js";

/**
 * Every operation defined in the core, grouped as the API document lists them (each group's own file keeps
 * its order). Channels serve what is here; an operation not yet moved out of src/routes is served by its
 * route file until it is.
 */
export const CATALOG = {
  health: [getHealth, getReadiness, getJwks],
  hosts: [createHost, listHosts, getHost, updateHost, deleteHost, getHostInfo],
  runs: RUNS,
  containers: CONTAINERS,
  images: IMAGES,
  volumes: VOLUMES,
  networks: NETWORKS,
  registries: REGISTRIES,
  services: SERVICES,
  tokens: [createToken, listTokens, revokeToken],
  audit: [listAudit],
  fleet: FLEET,
} satisfies Record<string, AnyOperation[]>;

export const OPERATIONS: AnyOperation[] = Object.values(CATALOG).flat();
