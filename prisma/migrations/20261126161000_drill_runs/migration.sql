-- CreateTable
CREATE TABLE "DrillRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "options" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "endedAt" DATETIME,
    "verdict" TEXT,
    "progress" TEXT,
    "lastProgress" TEXT,
    "report" TEXT,
    "error" TEXT
);

-- CreateIndex
CREATE INDEX "DrillRun_startedAt_idx" ON "DrillRun"("startedAt");

-- CreateIndex
CREATE INDEX "DrillRun_state_idx" ON "DrillRun"("state");
