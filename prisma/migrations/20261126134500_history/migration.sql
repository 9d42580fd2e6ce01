-- CreateTable
CREATE TABLE "AgentCursor" (
    "node" TEXT NOT NULL,
    "bootId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("node", "bootId")
);

-- CreateTable
CREATE TABLE "RawSnapshot" (
    "node" TEXT NOT NULL,
    "bootId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "t" INTEGER NOT NULL,
    "intervalMs" INTEGER NOT NULL,
    "data" BLOB NOT NULL,
    "receivedAt" DATETIME NOT NULL,
    "rolled10" BOOLEAN NOT NULL DEFAULT false,
    "rolled60" BOOLEAN NOT NULL DEFAULT false,

    PRIMARY KEY ("node", "bootId", "seq")
);

-- CreateTable
CREATE TABLE "TrafficRollup" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "resolution" INTEGER NOT NULL,
    "t" INTEGER NOT NULL,
    "node" TEXT NOT NULL,
    "peer" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "count" REAL NOT NULL,
    "bytes" REAL NOT NULL,
    "sketch" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "Event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "node" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "data" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "ControlAudit" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL,
    "action" TEXT NOT NULL,
    "request" TEXT NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "result" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "AgentCursor_updatedAt_idx" ON "AgentCursor"("updatedAt");

-- CreateIndex
CREATE INDEX "RawSnapshot_t_idx" ON "RawSnapshot"("t");

-- CreateIndex
CREATE INDEX "RawSnapshot_node_t_idx" ON "RawSnapshot"("node", "t");

-- CreateIndex
CREATE INDEX "RawSnapshot_rolled10_t_idx" ON "RawSnapshot"("rolled10", "t");

-- CreateIndex
CREATE INDEX "RawSnapshot_rolled60_t_idx" ON "RawSnapshot"("rolled60", "t");

-- CreateIndex
CREATE INDEX "TrafficRollup_resolution_t_idx" ON "TrafficRollup"("resolution", "t");

-- CreateIndex
CREATE UNIQUE INDEX "TrafficRollup_resolution_node_t_peer_channel_direction_key" ON "TrafficRollup"("resolution", "node", "t", "peer", "channel", "direction");

-- CreateIndex
CREATE INDEX "Event_at_idx" ON "Event"("at");

-- CreateIndex
CREATE INDEX "Event_node_at_idx" ON "Event"("node", "at");

-- CreateIndex
CREATE INDEX "Event_type_at_idx" ON "Event"("type", "at");

-- CreateIndex
CREATE INDEX "ControlAudit_at_idx" ON "ControlAudit"("at");
