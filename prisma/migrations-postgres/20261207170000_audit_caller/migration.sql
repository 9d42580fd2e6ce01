-- AlterTable
ALTER TABLE "ControlAudit" ADD COLUMN     "phase" TEXT NOT NULL DEFAULT 'result',
ADD COLUMN     "requestId" TEXT,
ADD COLUMN     "actor" TEXT,
ADD COLUMN     "remoteAddress" TEXT,
ADD COLUMN     "userAgent" TEXT;

-- CreateIndex
CREATE INDEX "ControlAudit_requestId_idx" ON "ControlAudit"("requestId");
