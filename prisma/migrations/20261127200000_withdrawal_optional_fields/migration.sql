-- AlterTable
ALTER TABLE "withdrawals" ALTER COLUMN "to" DROP NOT NULL,
ALTER COLUMN "remaining" DROP NOT NULL;
