-- Rollups become one packed row per (resolution, node, bucket). They are derived data: the old
-- per-series rows are dropped, and every raw row still stored (the last hour by default) is
-- marked unrolled so the rollup job rebuilds its 10 s and 1 min buckets. Older rollups are lost.
DROP TABLE "TrafficRollup";

-- CreateTable
CREATE TABLE "RollupBucket" (
    "resolution" INTEGER NOT NULL,
    "node" TEXT NOT NULL,
    "t" INTEGER NOT NULL,
    "series" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "RollupBucket_pkey" PRIMARY KEY ("resolution","node","t")
);

-- CreateIndex
CREATE INDEX "RollupBucket_resolution_t_idx" ON "RollupBucket"("resolution", "t");

UPDATE "RawSnapshot" SET "rolled10" = false, "rolled60" = false;
