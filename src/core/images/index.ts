import type { AnyOperation } from "../operation.js";
import { buildImage } from "./build-image.js";
import { getImageHistory } from "./get-image-history.js";
import { inspectImage } from "./inspect-image.js";
import { listImages } from "./list-images.js";
import { pruneImages } from "./prune-images.js";
import { pullImage } from "./pull-image.js";
import { pushImage } from "./push-image.js";
import { removeImage } from "./remove-image.js";
import { tagImage } from "./tag-image.js";

/** The images operations, in the order the API document lists them. */
export const IMAGES: AnyOperation[] = [
  tagImage,
  pruneImages,
  listImages,
  inspectImage,
  getImageHistory,
  removeImage,
  pullImage,
  pushImage,
  buildImage,
];
