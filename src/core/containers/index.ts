import type { AnyOperation } from "../operation.js";
import { CONTAINER_ACTIONS } from "./container-actions.js";
import { getContainerLogs } from "./container-logs.js";
import { getContainerStats } from "./container-stats.js";
import { createContainer } from "./create-container.js";
import { execContainer } from "./exec-container.js";
import { inspectContainer } from "./inspect-container.js";
import { listContainers } from "./list-containers.js";
import { removeContainer } from "./remove-container.js";
import { renameContainer } from "./rename-container.js";
import { listContainerProcesses } from "./top-container.js";
import { waitContainer } from "./wait-container.js";

/** The containers operations, in the order the API document lists them. */
export const CONTAINERS: AnyOperation[] = [
  listContainers,
  inspectContainer,
  createContainer,
  ...CONTAINER_ACTIONS,
  removeContainer,
  renameContainer,
  listContainerProcesses,
  waitContainer,
  execContainer,
  getContainerLogs,
  getContainerStats,
];
