-- CreateTable
CREATE TABLE "ServerBoot" (
    "id" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "stoppedAt" TIMESTAMP(3),
    "version" TEXT NOT NULL,

    CONSTRAINT "ServerBoot_pkey" PRIMARY KEY ("id")
);
