import type { AnyOperation } from "../operation.js";
import { listFleetContainers } from "./list-fleet-containers.js";
import { listFleetImages } from "./list-fleet-images.js";
import { streamEvents } from "./stream-events.js";

/** The fleet operations, in the order the API document lists them. */
export const FLEET: AnyOperation[] = [listFleetContainers, listFleetImages, streamEvents];
