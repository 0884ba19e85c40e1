import type { Address, Hex } from "viem";
import { signTypedData } from "viem/actions";
import { type JouleClient, progress, requireWallet } from "../client.ts";
import { toJouleError } from "../errors/decode.ts";
import { InvalidInputError } from "../errors/errors.ts";
import type { Bid, JobParams, SignedBid } from "../types.ts";
import { resolveJobParams } from "../utils/params.ts";
import { chainTime } from "../utils/tx.ts";
import { bidTypes, marketDomain } from "../utils/typedData.ts";
import { type IntegerInput, toFutureTimestamp, toUint } from "../utils/validate.ts";

export type SignBidParameters = {
  jobId: IntegerInput;
  /** Offered price per unit (≤ the job's maxPricePerUnit). */
  pricePerUnit: IntegerInput;
  /** Unix time after which the offer cannot be accepted. */
  expiry: number | bigint;
  /** Any unused nonce (a bitmap: nonces need not be sequential). Default: random 64 bits. */
  nonce?: IntegerInput | undefined;
  /** Job params, to check the price against the job's maximum; fetched when omitted. Pass `false` to skip. */
  params?: JobParams | false | undefined;
  /** Signing provider; default the wallet's account. A smart-wallet provider (ERC-1271) signs with its owner key. */
  provider?: Address | undefined;
};

export type SignBidReturnType = SignedBid;

/**
 * Signs an off-chain bid (EIP-712 `Bid` under the market's domain). Send the result to the tenant, who
 * accepts it with `acceptBid`.
 *
 * @example
 * const signed = await signBid(joule, { jobId: 12n, pricePerUnit: 750n, expiry: now + 600 });
 * await fetch(tenantUrl, { method: "POST", body: toJson(signed) });
 */
export async function signBid(joule: JouleClient, parameters: SignBidParameters): Promise<SignBidReturnType> {
  const wallet = requireWallet(joule);
  const jobId = toUint("jobId", parameters.jobId);
  const pricePerUnit = toUint("pricePerUnit", parameters.pricePerUnit);
  const now = await chainTime(joule);
  const expiry = toFutureTimestamp("expiry", parameters.expiry, now);
  const nonce =
    parameters.nonce === undefined
      ? crypto.getRandomValues(new BigUint64Array(1))[0]!
      : toUint("nonce", parameters.nonce, { min: 0n, max: (1n << 256n) - 1n });
  if (parameters.params !== false) {
    const params = await resolveJobParams(joule, jobId, parameters.params);
    if (pricePerUnit > params.request.maxPricePerUnit) {
      throw new InvalidInputError(
        "pricePerUnit",
        `${pricePerUnit} is above job ${jobId}'s maximum of ${params.request.maxPricePerUnit}`,
      );
    }
  }
  const bid: Bid = { jobId, provider: parameters.provider ?? wallet.account.address, pricePerUnit, expiry, nonce };
  progress(joule, { action: "signBid", stage: "sign", message: `signBid: signing bid on job ${jobId}` });
  let signature: Hex;
  try {
    signature = await signTypedData(wallet, {
      account: wallet.account,
      domain: marketDomain(joule.deployment),
      types: bidTypes,
      primaryType: "Bid",
      message: bid,
    });
  } catch (err) {
    throw toJouleError(err);
  }
  return { bid, signature };
}
