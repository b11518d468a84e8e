import { z } from "@hono/zod-openapi";

/** What a prune removed, and the space it gave back. */
export const PruneResultSchema = z.object({
  removed: z.array(z.string()),
  reclaimedBytes: z.number().int(),
});

// One shape under the component name each prune has always had in the API document, so clients keep theirs.
export const VolumePruneResultSchema = PruneResultSchema.openapi("VolumePruneResult");
export const ImagePruneResultSchema = PruneResultSchema.openapi("ImagePruneResult");

export type PruneResult = z.infer<typeof PruneResultSchema>;
