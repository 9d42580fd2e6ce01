-- CreateTable
CREATE TABLE "DrillRun" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "options" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "verdict" TEXT,
    "progress" TEXT,
    "lastProgress" TEXT,
    "report" TEXT,
    "error" TEXT,

    CONSTRAINT "DrillRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DrillRun_startedAt_idx" ON "DrillRun"("startedAt");

-- CreateIndex
CREATE INDEX "DrillRun_state_idx" ON "DrillRun"("state");
