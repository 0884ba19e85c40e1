// The Joule protocol plus a mock payment token, for local networks only (the in-process Hardhat
// network or `npx hardhat node`): MockERC20 lets anyone mint, so it must never reach a live network.
//
//   npm run deploy:local                        # in-process network, state discarded afterwards
//   npm run deploy:local -- --network localhost # against `npx hardhat node --hostname 127.0.0.1`
//
// Against a node, the deployment journal goes to ignition/deployments/chain-31337 (git-ignored); after
// restarting the node, add `--reset` so Ignition does not trust the addresses of the previous chain.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import JouleModule from "./Joule.ts";

export default buildModule("LocalJoule", (m) => {
  const joule = m.useModule(JouleModule);

  const usd = m.contract("MockERC20", [
    m.getParameter("usdName", "Mock USD"),
    m.getParameter("usdSymbol", "mUSD"),
    m.getParameter("usdDecimals", 6),
  ]);
  m.call(joule.market, "setAllowedToken", [usd, true]);

  return { ...joule, usd };
});
