import type { AnyOperation } from "../operation.js";
import { connectNetwork } from "./connect-network.js";
import { createNetwork } from "./create-network.js";
import { disconnectNetwork } from "./disconnect-network.js";
import { inspectNetwork } from "./inspect-network.js";
import { listNetworks } from "./list-networks.js";
import { removeNetwork } from "./remove-network.js";

/** The networks operations, in the order the API document lists them. */
export const NETWORKS: AnyOperation[] = [
  listNetworks,
  inspectNetwork,
  createNetwork,
  removeNetwork,
  connectNetwork,
  disconnectNetwork,
];
