-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "slashPayerShareBps" INTEGER;
