-- AlterTable
ALTER TABLE "checkpoints" ADD COLUMN     "headUpdatedAt" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "jobs_updatedBlock_idx" ON "jobs"("updatedBlock");

-- CreateIndex
CREATE INDEX "payouts_account_blockNumber_idx" ON "payouts"("account", "blockNumber");

-- CreateIndex
CREATE INDEX "settlements_provider_blockNumber_idx" ON "settlements"("provider", "blockNumber");
