import type { AnyOperation } from "../operation.js";
import { createVolume } from "./create-volume.js";
import { inspectVolume } from "./inspect-volume.js";
import { listVolumes } from "./list-volumes.js";
import { pruneVolumes } from "./prune-volumes.js";
import { removeVolume } from "./remove-volume.js";

/** The volumes operations, in the order the API document lists them. */
export const VOLUMES: AnyOperation[] = [listVolumes, inspectVolume, createVolume, removeVolume, pruneVolumes];
