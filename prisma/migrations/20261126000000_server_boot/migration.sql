-- CreateTable
CREATE TABLE "ServerBoot" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "startedAt" DATETIME NOT NULL,
    "stoppedAt" DATETIME,
    "version" TEXT NOT NULL
);
