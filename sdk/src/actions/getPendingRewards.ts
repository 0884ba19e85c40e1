import type { Address } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { jobMarketAbi, rewardEmitterAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { getLogsInRange } from "../utils/logs.ts";
import { read } from "../utils/tx.ts";
import { toAddress, toSmallUint } from "../utils/validate.ts";

export type GetPendingRewardsParameters = {
  /** Default: the wallet's account. */
  provider?: Address | undefined;
  /** Epochs to check; default every epoch in which the provider's work was settled (from `MilestoneSettled` logs). */
  epochs?: readonly number[] | undefined;
};

export type GetPendingRewardsReturnType = {
  provider: Address;
  currentEpoch: number;
  /** Sum of `epochs[].reward`: what `claimRewards` would mint now. */
  total: bigint;
  /** Ended, unclaimed epochs with a reward. */
  epochs: { epoch: number; units: bigint; reward: bigint }[];
  /** Units recorded in the running epoch (claimable once it ends). */
  unitsThisEpoch: bigint;
};

/**
 * JOULE rewards a provider can claim now, epoch by epoch.
 *
 * @example
 * const { total, epochs } = await getPendingRewards(joule, { provider });
 * if (total > 0n) await claimRewards(joule, { epochs: epochs.map((e) => e.epoch) });
 */
export async function getPendingRewards(
  joule: JouleClient,
  parameters: GetPendingRewardsParameters = {},
): Promise<GetPendingRewardsReturnType> {
  const provider = toAddress("provider", parameters.provider ?? joule.wallet?.account.address);
  const emitter = joule.deployment.addresses.rewardEmitter;
  const currentEpoch = await read(() =>
    readContract(joule.client, { address: emitter, abi: rewardEmitterAbi, functionName: "currentEpoch" }),
  );
  let epochs: number[];
  if (parameters.epochs) {
    epochs = parameters.epochs.map((e, i) => toSmallUint(`epochs[${i}]`, e, { max: 2 ** 32 - 1 }));
  } else {
    const logs = await getLogsInRange(joule, (fromBlock, toBlock) =>
      getContractEvents(joule.client, {
        address: joule.deployment.addresses.jobMarket,
        abi: jobMarketAbi,
        eventName: "MilestoneSettled",
        args: { provider },
        fromBlock,
        toBlock,
        strict: true,
      }),
    );
    epochs = logs.map((l) => l.args.rewardEpoch);
  }
  const unique = [...new Set(epochs)].sort((a, b) => a - b);
  const rows = await Promise.all(
    unique.map(async (epoch) => {
      const [reward, units] = await read(() =>
        Promise.all([
          readContract(joule.client, {
            address: emitter,
            abi: rewardEmitterAbi,
            functionName: "pendingReward",
            args: [provider, epoch],
          }),
          readContract(joule.client, {
            address: emitter,
            abi: rewardEmitterAbi,
            functionName: "providerUnits",
            args: [provider, epoch],
          }),
        ]),
      );
      return { epoch, units, reward };
    }),
  );
  const thisEpoch = rows.find((r) => r.epoch === currentEpoch);
  const pending = rows.filter((r) => r.reward > 0n);
  return {
    provider,
    currentEpoch,
    total: pending.reduce((s, r) => s + r.reward, 0n),
    epochs: pending,
    unitsThisEpoch: thisEpoch?.units ?? 0n,
  };
}
