import type { Hex } from "viem";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { InvalidInputError } from "../errors/errors.ts";
import type { Bid, JobParams } from "../types.ts";
import { type JobAssignedInfo, jobAssignedOf } from "../utils/events.ts";
import { resolveJobParams } from "../utils/params.ts";
import { chainTime, sendContractTx, type WriteResult } from "../utils/tx.ts";
import { iso, toAddress, toHexBytes, toUint } from "../utils/validate.ts";

export type AcceptBidParameters = {
  /** The signed bid (from `signBid`). */
  bid: Bid;
  signature: Hex;
  /** The job's params; fetched from its `JobCreated` log when omitted. */
  params?: JobParams | undefined;
};

export type AcceptBidReturnType = WriteResult & { assigned: JobAssignedInfo };

/**
 * Accepts a provider's signed bid (tenant only) and assigns the job at its price.
 *
 * @example
 * const { bid, signature } = JSON.parse(received); // from the provider's signBid
 * const { assigned } = await acceptBid(joule, { bid: parseSignedBid(bid), signature });
 */
export async function acceptBid(joule: JouleClient, parameters: AcceptBidParameters): Promise<AcceptBidReturnType> {
  const b = parameters.bid;
  if (!b || typeof b !== "object") throw new InvalidInputError("bid", "missing");
  const bid: Bid = {
    jobId: toUint("bid.jobId", b.jobId),
    provider: toAddress("bid.provider", b.provider),
    pricePerUnit: toUint("bid.pricePerUnit", b.pricePerUnit),
    expiry: Number(toUint("bid.expiry", b.expiry, { max: (1n << 40n) - 1n })),
    nonce: toUint("bid.nonce", b.nonce, { min: 0n }),
  };
  const signature = toHexBytes("signature", parameters.signature);
  const params = await resolveJobParams(joule, bid.jobId, parameters.params);
  if (bid.pricePerUnit > params.request.maxPricePerUnit) {
    throw new InvalidInputError(
      "bid.pricePerUnit",
      `${bid.pricePerUnit} is above job ${bid.jobId}'s maximum of ${params.request.maxPricePerUnit}`,
    );
  }
  const now = await chainTime(joule);
  if (bid.expiry <= now)
    throw new InvalidInputError("bid.expiry", `the bid expired at ${iso(bid.expiry)} (chain time ${iso(now)})`);
  const result = await sendContractTx(joule, "acceptBid", {
    address: joule.deployment.addresses.jobMarket,
    abi: jobMarketAbi,
    functionName: "acceptBid",
    args: [params, bid, signature],
  });
  return { ...result, assigned: jobAssignedOf(result.receipt.logs, joule.deployment.addresses.jobMarket)! };
}
