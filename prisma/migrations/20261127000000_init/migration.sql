-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('OPEN', 'ASSIGNED', 'COMPLETED', 'CANCELLED', 'EXPIRED', 'FAILED');

-- CreateEnum
CREATE TYPE "CloseReason" AS ENUM ('COMPLETED', 'CANCELLED_BY_TENANT', 'NO_BIDS', 'PROOF_REJECTED', 'DELIVERY_MISSED', 'VERIFICATION_TIMEOUT');

-- CreateEnum
CREATE TYPE "MilestoneStatus" AS ENUM ('PENDING', 'ACCEPTED', 'REJECTED', 'TIMED_OUT');

-- CreateEnum
CREATE TYPE "BidKind" AS ENUM ('ONCHAIN', 'SIGNED');

-- CreateEnum
CREATE TYPE "PayoutKind" AS ENUM ('PROVIDER_PAYMENT', 'PROTOCOL_FEE', 'REFUND', 'SLASH_COMPENSATION', 'SLASH_TREASURY');

-- CreateEnum
CREATE TYPE "RefundReason" AS ENUM ('ASSIGNMENT_EXCESS', 'COMPLETED_UNUSED', 'CANCELLED_BY_TENANT', 'NO_BIDS', 'PROOF_REJECTED', 'DELIVERY_MISSED', 'VERIFICATION_TIMEOUT');

-- CreateEnum
CREATE TYPE "SlashReason" AS ENUM ('PROOF_REJECTED', 'DELIVERY_MISSED');

-- CreateEnum
CREATE TYPE "StakeChangeKind" AS ENUM ('STAKED', 'UNBOND_REQUESTED', 'UNBONDED', 'COLLATERAL_LOCKED', 'COLLATERAL_RELEASED', 'SLASHED');

-- CreateTable
CREATE TABLE "blocks" (
    "chainId" INTEGER NOT NULL,
    "number" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "parentHash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "blocks_pkey" PRIMARY KEY ("chainId","number")
);

-- CreateTable
CREATE TABLE "raw_events" (
    "chainId" INTEGER NOT NULL,
    "txHash" TEXT NOT NULL,
    "logIndex" BIGINT NOT NULL,
    "blockNumber" BIGINT NOT NULL,
    "blockHash" TEXT NOT NULL,
    "txIndex" BIGINT,
    "address" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "args" JSONB NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "raw_events_pkey" PRIMARY KEY ("chainId","txHash","logIndex")
);

-- CreateTable
CREATE TABLE "checkpoints" (
    "chainId" INTEGER NOT NULL,
    "blockNumber" BIGINT NOT NULL,
    "blockHash" TEXT NOT NULL,
    "blockTimestamp" TIMESTAMPTZ(3),
    "safeBlockNumber" BIGINT,
    "headBlockNumber" BIGINT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "checkpoints_pkey" PRIMARY KEY ("chainId")
);

-- CreateTable
CREATE TABLE "undo_log" (
    "id" BIGSERIAL NOT NULL,
    "chainId" INTEGER NOT NULL,
    "batchFrom" BIGINT NOT NULL,
    "batchTo" BIGINT NOT NULL,
    "tableName" TEXT NOT NULL,
    "pk" JSONB NOT NULL,
    "before" JSONB,

    CONSTRAINT "undo_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "protocol" (
    "id" INTEGER NOT NULL,
    "marketAddress" TEXT,
    "registryAddress" TEXT,
    "emitterAddress" TEXT,
    "jouleTokenAddress" TEXT,
    "treasury" TEXT,
    "protocolFeeBps" INTEGER,
    "verificationWindow" BIGINT,
    "slashPayerShareBps" INTEGER,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "unbondingDelay" BIGINT,
    "rewardGenesis" BIGINT,
    "epochLength" BIGINT,
    "initialEmission" DECIMAL(78,0),
    "halvingInterval" BIGINT,
    "jobCount" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "updatedBlock" BIGINT,

    CONSTRAINT "protocol_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "parameter_changes" (
    "id" TEXT NOT NULL,
    "contract" TEXT NOT NULL,
    "parameter" TEXT NOT NULL,
    "subject" TEXT,
    "oldValue" TEXT,
    "newValue" TEXT NOT NULL,
    "blockNumber" BIGINT NOT NULL,
    "logIndex" BIGINT NOT NULL,
    "txHash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "parameter_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tokens" (
    "address" TEXT NOT NULL,
    "allowed" BOOLEAN,
    "allowedAt" TIMESTAMPTZ(3),
    "jobsCreated" INTEGER NOT NULL DEFAULT 0,
    "funded" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "paid" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "fees" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "refunded" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "withdrawn" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "updatedBlock" BIGINT NOT NULL,

    CONSTRAINT "tokens_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "verifier_sets" (
    "address" TEXT NOT NULL,
    "members" TEXT[],
    "threshold" DECIMAL(78,0),
    "configuredAt" TIMESTAMPTZ(3),
    "configuredBlock" BIGINT,
    "allowed" BOOLEAN NOT NULL DEFAULT false,
    "allowedAt" TIMESTAMPTZ(3),
    "updatedBlock" BIGINT NOT NULL,

    CONSTRAINT "verifier_sets_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" DECIMAL(78,0) NOT NULL,
    "tenant" TEXT NOT NULL,
    "payer" TEXT NOT NULL,
    "feeBps" INTEGER NOT NULL,
    "verificationWindow" BIGINT NOT NULL,
    "token" TEXT NOT NULL,
    "verifier" TEXT NOT NULL,
    "specHash" TEXT NOT NULL,
    "maxUnits" DECIMAL(78,0) NOT NULL,
    "maxPricePerUnit" DECIMAL(78,0) NOT NULL,
    "collateral" DECIMAL(78,0) NOT NULL,
    "biddingEnd" BIGINT NOT NULL,
    "deliveryWindow" BIGINT NOT NULL,
    "milestones" INTEGER NOT NULL,
    "minGpuClass" INTEGER NOT NULL,
    "minGpuCount" INTEGER NOT NULL,
    "minVramGb" BIGINT NOT NULL,
    "maxCarbonIntensity" BIGINT NOT NULL,
    "funded" DECIMAL(78,0) NOT NULL,
    "status" "JobStatus" NOT NULL,
    "closeReason" "CloseReason",
    "bestBidProvider" TEXT,
    "bestBidPrice" DECIMAL(78,0),
    "bidCount" INTEGER NOT NULL DEFAULT 0,
    "provider" TEXT,
    "pricePerUnit" DECIMAL(78,0),
    "signedBid" BOOLEAN,
    "escrow" DECIMAL(78,0) NOT NULL,
    "paid" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "fees" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "refunded" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "milestonesSettled" INTEGER NOT NULL DEFAULT 0,
    "units" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "energyWh" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "co2eMg" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "pendingMilestone" INTEGER,
    "deliveryDeadline" BIGINT,
    "verifyDeadline" BIGINT,
    "collateralReleased" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "slashed" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "compensation" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "createdBlock" BIGINT NOT NULL,
    "createdTx" TEXT NOT NULL,
    "assignedAt" TIMESTAMPTZ(3),
    "assignedBlock" BIGINT,
    "closedAt" TIMESTAMPTZ(3),
    "closedBlock" BIGINT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedBlock" BIGINT NOT NULL,

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bids" (
    "id" TEXT NOT NULL,
    "jobId" DECIMAL(78,0) NOT NULL,
    "provider" TEXT NOT NULL,
    "pricePerUnit" DECIMAL(78,0) NOT NULL,
    "kind" "BidKind" NOT NULL,
    "replaced" TEXT,
    "blockNumber" BIGINT NOT NULL,
    "logIndex" BIGINT NOT NULL,
    "txHash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "bids_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "milestones" (
    "jobId" DECIMAL(78,0) NOT NULL,
    "index" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "status" "MilestoneStatus" NOT NULL,
    "resultRoot" TEXT NOT NULL,
    "units" DECIMAL(78,0) NOT NULL,
    "energyWh" DECIMAL(78,0) NOT NULL,
    "carbonIntensity" BIGINT,
    "co2eMg" DECIMAL(78,0),
    "verifyDeadline" BIGINT NOT NULL,
    "submittedAt" TIMESTAMPTZ(3) NOT NULL,
    "submittedBlock" BIGINT NOT NULL,
    "submittedTx" TEXT NOT NULL,
    "payment" DECIMAL(78,0),
    "fee" DECIMAL(78,0),
    "escrowRemaining" DECIMAL(78,0),
    "rewardEpoch" BIGINT,
    "deliveryDeadline" BIGINT,
    "settledAt" TIMESTAMPTZ(3),
    "settledBlock" BIGINT,
    "settledTx" TEXT,

    CONSTRAINT "milestones_pkey" PRIMARY KEY ("jobId","index")
);

-- CreateTable
CREATE TABLE "settlements" (
    "id" TEXT NOT NULL,
    "jobId" DECIMAL(78,0) NOT NULL,
    "milestone" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "accepted" BOOLEAN NOT NULL,
    "resultRoot" TEXT NOT NULL,
    "units" DECIMAL(78,0) NOT NULL,
    "energyWh" DECIMAL(78,0) NOT NULL,
    "payment" DECIMAL(78,0),
    "fee" DECIMAL(78,0),
    "rewardEpoch" BIGINT,
    "blockNumber" BIGINT NOT NULL,
    "logIndex" BIGINT NOT NULL,
    "txHash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "settlements_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payouts" (
    "id" TEXT NOT NULL,
    "kind" "PayoutKind" NOT NULL,
    "account" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "jobId" DECIMAL(78,0),
    "milestone" INTEGER,
    "blockNumber" BIGINT NOT NULL,
    "logIndex" BIGINT NOT NULL,
    "txHash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payouts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refunds" (
    "id" TEXT NOT NULL,
    "jobId" DECIMAL(78,0) NOT NULL,
    "payer" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "reason" "RefundReason" NOT NULL,
    "blockNumber" BIGINT NOT NULL,
    "logIndex" BIGINT NOT NULL,
    "txHash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "balances" (
    "account" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "credited" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "withdrawn" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "balance" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "updatedBlock" BIGINT NOT NULL,

    CONSTRAINT "balances_pkey" PRIMARY KEY ("account","token")
);

-- CreateTable
CREATE TABLE "withdrawals" (
    "id" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "remaining" DECIMAL(78,0) NOT NULL,
    "blockNumber" BIGINT NOT NULL,
    "logIndex" BIGINT NOT NULL,
    "txHash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "withdrawals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "providers" (
    "address" TEXT NOT NULL,
    "registered" BOOLEAN NOT NULL DEFAULT false,
    "gpuClass" INTEGER NOT NULL DEFAULT 0,
    "gpuCount" INTEGER NOT NULL DEFAULT 0,
    "vramGb" BIGINT NOT NULL DEFAULT 0,
    "carbonIntensity" BIGINT NOT NULL DEFAULT 0,
    "region" TEXT NOT NULL DEFAULT '0x0000000000000000000000000000000000000000000000000000000000000000',
    "regionText" TEXT,
    "metadataURI" TEXT NOT NULL DEFAULT '',
    "registeredAt" TIMESTAMPTZ(3),
    "registeredBlock" BIGINT,
    "profileUpdatedAt" TIMESTAMPTZ(3),
    "stake" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "locked" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "unbonding" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "unlockAt" BIGINT,
    "totalStaked" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "totalUnbonded" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "slashedTotal" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "slashCount" INTEGER NOT NULL DEFAULT 0,
    "bidsPlaced" INTEGER NOT NULL DEFAULT 0,
    "jobsAssigned" INTEGER NOT NULL DEFAULT 0,
    "jobsCompleted" INTEGER NOT NULL DEFAULT 0,
    "jobsFailed" INTEGER NOT NULL DEFAULT 0,
    "jobsTimedOut" INTEGER NOT NULL DEFAULT 0,
    "milestonesSettled" INTEGER NOT NULL DEFAULT 0,
    "milestonesRejected" INTEGER NOT NULL DEFAULT 0,
    "units" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "energyWh" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "co2eMg" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "rewardsClaimed" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedBlock" BIGINT NOT NULL,

    CONSTRAINT "providers_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "provider_earnings" (
    "provider" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "earned" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "fees" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "payments" INTEGER NOT NULL DEFAULT 0,
    "updatedBlock" BIGINT NOT NULL,

    CONSTRAINT "provider_earnings_pkey" PRIMARY KEY ("provider","token")
);

-- CreateTable
CREATE TABLE "stake_changes" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "kind" "StakeChangeKind" NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "jobId" DECIMAL(78,0),
    "counterparty" TEXT,
    "stakeAfter" DECIMAL(78,0),
    "lockedAfter" DECIMAL(78,0),
    "unbondingAfter" DECIMAL(78,0),
    "unlockAt" BIGINT,
    "blockNumber" BIGINT NOT NULL,
    "logIndex" BIGINT NOT NULL,
    "txHash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "stake_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "slashes" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "jobId" DECIMAL(78,0) NOT NULL,
    "reason" "SlashReason" NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "stakeAfter" DECIMAL(78,0) NOT NULL,
    "lockedAfter" DECIMAL(78,0) NOT NULL,
    "payer" TEXT,
    "compensation" DECIMAL(78,0),
    "treasuryShare" DECIMAL(78,0),
    "blockNumber" BIGINT NOT NULL,
    "logIndex" BIGINT NOT NULL,
    "txHash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slashes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reward_epochs" (
    "epoch" BIGINT NOT NULL,
    "units" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "emission" DECIMAL(78,0),
    "minted" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "providers" INTEGER NOT NULL DEFAULT 0,
    "claims" INTEGER NOT NULL DEFAULT 0,
    "startsAt" TIMESTAMPTZ(3),
    "endsAt" TIMESTAMPTZ(3),
    "updatedBlock" BIGINT NOT NULL,

    CONSTRAINT "reward_epochs_pkey" PRIMARY KEY ("epoch")
);

-- CreateTable
CREATE TABLE "provider_epochs" (
    "provider" TEXT NOT NULL,
    "epoch" BIGINT NOT NULL,
    "units" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "claimed" BOOLEAN NOT NULL DEFAULT false,
    "reward" DECIMAL(78,0),
    "claimedTo" TEXT,
    "claimedAt" TIMESTAMPTZ(3),
    "updatedBlock" BIGINT NOT NULL,

    CONSTRAINT "provider_epochs_pkey" PRIMARY KEY ("provider","epoch")
);

-- CreateTable
CREATE TABLE "reward_claims" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "epoch" BIGINT NOT NULL,
    "to" TEXT NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "blockNumber" BIGINT NOT NULL,
    "logIndex" BIGINT NOT NULL,
    "txHash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reward_claims_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "daily_stats" (
    "day" DATE NOT NULL,
    "jobsCreated" INTEGER NOT NULL DEFAULT 0,
    "jobsAssigned" INTEGER NOT NULL DEFAULT 0,
    "jobsCompleted" INTEGER NOT NULL DEFAULT 0,
    "jobsFailed" INTEGER NOT NULL DEFAULT 0,
    "jobsCancelled" INTEGER NOT NULL DEFAULT 0,
    "jobsExpired" INTEGER NOT NULL DEFAULT 0,
    "bidsPlaced" INTEGER NOT NULL DEFAULT 0,
    "proofsSubmitted" INTEGER NOT NULL DEFAULT 0,
    "milestonesAccepted" INTEGER NOT NULL DEFAULT 0,
    "milestonesRejected" INTEGER NOT NULL DEFAULT 0,
    "providersRegistered" INTEGER NOT NULL DEFAULT 0,
    "units" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "energyWh" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "co2eMg" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "rewardsMinted" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "slashed" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "updatedBlock" BIGINT NOT NULL,

    CONSTRAINT "daily_stats_pkey" PRIMARY KEY ("day")
);

-- CreateTable
CREATE TABLE "daily_token_stats" (
    "day" DATE NOT NULL,
    "token" TEXT NOT NULL,
    "funded" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "paid" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "fees" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "refunded" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "withdrawn" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "updatedBlock" BIGINT NOT NULL,

    CONSTRAINT "daily_token_stats_pkey" PRIMARY KEY ("day","token")
);

-- CreateIndex
CREATE INDEX "raw_events_chainId_blockNumber_logIndex_idx" ON "raw_events"("chainId", "blockNumber", "logIndex");

-- CreateIndex
CREATE INDEX "raw_events_name_idx" ON "raw_events"("name");

-- CreateIndex
CREATE INDEX "undo_log_chainId_batchTo_idx" ON "undo_log"("chainId", "batchTo");

-- CreateIndex
CREATE INDEX "parameter_changes_parameter_idx" ON "parameter_changes"("parameter");

-- CreateIndex
CREATE INDEX "parameter_changes_blockNumber_logIndex_idx" ON "parameter_changes"("blockNumber", "logIndex");

-- CreateIndex
CREATE INDEX "jobs_status_idx" ON "jobs"("status");

-- CreateIndex
CREATE INDEX "jobs_tenant_idx" ON "jobs"("tenant");

-- CreateIndex
CREATE INDEX "jobs_payer_idx" ON "jobs"("payer");

-- CreateIndex
CREATE INDEX "jobs_provider_idx" ON "jobs"("provider");

-- CreateIndex
CREATE INDEX "jobs_token_idx" ON "jobs"("token");

-- CreateIndex
CREATE INDEX "jobs_createdBlock_idx" ON "jobs"("createdBlock");

-- CreateIndex
CREATE INDEX "bids_jobId_idx" ON "bids"("jobId");

-- CreateIndex
CREATE INDEX "bids_provider_idx" ON "bids"("provider");

-- CreateIndex
CREATE INDEX "bids_blockNumber_logIndex_idx" ON "bids"("blockNumber", "logIndex");

-- CreateIndex
CREATE INDEX "milestones_provider_idx" ON "milestones"("provider");

-- CreateIndex
CREATE INDEX "milestones_status_idx" ON "milestones"("status");

-- CreateIndex
CREATE INDEX "settlements_jobId_idx" ON "settlements"("jobId");

-- CreateIndex
CREATE INDEX "settlements_provider_idx" ON "settlements"("provider");

-- CreateIndex
CREATE INDEX "settlements_blockNumber_logIndex_idx" ON "settlements"("blockNumber", "logIndex");

-- CreateIndex
CREATE INDEX "payouts_account_idx" ON "payouts"("account");

-- CreateIndex
CREATE INDEX "payouts_jobId_idx" ON "payouts"("jobId");

-- CreateIndex
CREATE INDEX "payouts_kind_idx" ON "payouts"("kind");

-- CreateIndex
CREATE INDEX "payouts_blockNumber_logIndex_idx" ON "payouts"("blockNumber", "logIndex");

-- CreateIndex
CREATE INDEX "refunds_jobId_idx" ON "refunds"("jobId");

-- CreateIndex
CREATE INDEX "refunds_payer_idx" ON "refunds"("payer");

-- CreateIndex
CREATE INDEX "refunds_blockNumber_logIndex_idx" ON "refunds"("blockNumber", "logIndex");

-- CreateIndex
CREATE INDEX "balances_token_idx" ON "balances"("token");

-- CreateIndex
CREATE INDEX "withdrawals_account_idx" ON "withdrawals"("account");

-- CreateIndex
CREATE INDEX "withdrawals_blockNumber_logIndex_idx" ON "withdrawals"("blockNumber", "logIndex");

-- CreateIndex
CREATE INDEX "providers_registered_idx" ON "providers"("registered");

-- CreateIndex
CREATE INDEX "stake_changes_provider_idx" ON "stake_changes"("provider");

-- CreateIndex
CREATE INDEX "stake_changes_jobId_idx" ON "stake_changes"("jobId");

-- CreateIndex
CREATE INDEX "stake_changes_blockNumber_logIndex_idx" ON "stake_changes"("blockNumber", "logIndex");

-- CreateIndex
CREATE INDEX "slashes_provider_idx" ON "slashes"("provider");

-- CreateIndex
CREATE INDEX "slashes_jobId_idx" ON "slashes"("jobId");

-- CreateIndex
CREATE INDEX "slashes_blockNumber_logIndex_idx" ON "slashes"("blockNumber", "logIndex");

-- CreateIndex
CREATE INDEX "provider_epochs_epoch_idx" ON "provider_epochs"("epoch");

-- CreateIndex
CREATE INDEX "reward_claims_provider_idx" ON "reward_claims"("provider");

-- CreateIndex
CREATE INDEX "reward_claims_epoch_idx" ON "reward_claims"("epoch");

-- CreateIndex
CREATE INDEX "reward_claims_blockNumber_logIndex_idx" ON "reward_claims"("blockNumber", "logIndex");

-- CreateIndex
CREATE INDEX "daily_token_stats_token_idx" ON "daily_token_stats"("token");
