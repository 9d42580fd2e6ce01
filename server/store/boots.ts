import type { Db } from './client.ts';

/** What is recorded about one server process. */
export interface BootRecord {
  readonly id: string;
  readonly startedAt: Date;
  readonly version: string;
}

/** Records a server start (once per process). */
export async function recordBoot(db: Db, boot: BootRecord): Promise<void> {
  await db.serverBoot.create({ data: { ...boot } });
}

/** Marks a boot as cleanly stopped; a boot left without it ended in a crash. */
export async function recordShutdown(db: Db, id: string, stoppedAt: Date): Promise<void> {
  await db.serverBoot.update({ where: { id }, data: { stoppedAt } });
}
