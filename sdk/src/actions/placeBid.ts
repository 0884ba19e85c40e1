import type { Address } from "viem";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { InvalidInputError } from "../errors/errors.ts";
import type { JobParams } from "../types.ts";
import { eventsOf } from "../utils/events.ts";
import { resolveJobParams } from "../utils/params.ts";
import { sendContractTx, type WriteResult } from "../utils/tx.ts";
import { type IntegerInput, toUint } from "../utils/validate.ts";

export type PlaceBidParameters = {
  jobId: IntegerInput;
  /** Price per unit, in the job's payment token base units; ≤ the job's maxPricePerUnit and below the best bid. */
  pricePerUnit: IntegerInput;
  /** The job's params; fetched from its `JobCreated` log when omitted. */
  params?: JobParams | undefined;
};

export type PlaceBidReturnType = WriteResult & {
  /** Provider whose bid this one displaced (its collateral was released), if any. */
  replaced: Address | undefined;
};

/**
 * Places an on-chain bid (reverse auction: it must be strictly lower than the best). The provider's
 * collateral is locked at once and released if someone outbids it.
 *
 * @example
 * await placeBid(joule, { jobId: 12n, pricePerUnit: 800n });
 */
export async function placeBid(joule: JouleClient, parameters: PlaceBidParameters): Promise<PlaceBidReturnType> {
  const jobId = toUint("jobId", parameters.jobId);
  const params = await resolveJobParams(joule, jobId, parameters.params);
  const max = params.request.maxPricePerUnit;
  const pricePerUnit = toUint("pricePerUnit", parameters.pricePerUnit);
  if (pricePerUnit > max)
    throw new InvalidInputError("pricePerUnit", `${pricePerUnit} is above job ${jobId}'s maximum of ${max}`);
  const market = joule.deployment.addresses.jobMarket;
  const result = await sendContractTx(joule, "placeBid", {
    address: market,
    abi: jobMarketAbi,
    functionName: "placeBid",
    args: [jobId, params, pricePerUnit],
  });
  const replaced = eventsOf(result.receipt.logs, jobMarketAbi, market, "BidPlaced")[0]?.args.replaced;
  return { ...result, replaced: replaced && /^0x0{40}$/i.test(replaced) ? undefined : replaced };
}
