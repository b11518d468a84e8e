import type { AnyOperation } from "../operation.js";
import { createService } from "./create-service.js";
import { inspectService } from "./inspect-service.js";
import { inspectNode, listNodes } from "./list-nodes.js";
import { listServiceTasks } from "./list-service-tasks.js";
import { listServices } from "./list-services.js";
import { removeService } from "./remove-service.js";
import { rollbackService } from "./rollback-service.js";
import { scaleService } from "./scale-service.js";
import { getServiceLogs } from "./service-logs.js";
import { updateService } from "./update-service.js";

/** The Swarm operations (services, their tasks and logs, nodes), in the order the API document lists them. */
export const SERVICES: AnyOperation[] = [
  listServices,
  inspectService,
  createService,
  updateService,
  scaleService,
  rollbackService,
  removeService,
  listServiceTasks,
  getServiceLogs,
  listNodes,
  inspectNode,
];
