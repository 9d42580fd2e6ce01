-- AlterTable
ALTER TABLE "ControlAudit" ADD COLUMN "phase" TEXT NOT NULL DEFAULT 'result';
ALTER TABLE "ControlAudit" ADD COLUMN "requestId" TEXT;
ALTER TABLE "ControlAudit" ADD COLUMN "actor" TEXT;
ALTER TABLE "ControlAudit" ADD COLUMN "remoteAddress" TEXT;
ALTER TABLE "ControlAudit" ADD COLUMN "userAgent" TEXT;

-- CreateIndex
CREATE INDEX "ControlAudit_requestId_idx" ON "ControlAudit"("requestId");
