import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../errors/errors.ts";
import { parseAddress, parseAmount, parseBytes32, parseDuration, parseInteger, parseList, parseTime } from "./parse.ts";

const invalid = (flag: string) => (err: unknown) => err instanceof InvalidInputError && err.field === flag;

describe("CLI value parsing", () => {
  it("durations: plain seconds and unit combinations", () => {
    assert.equal(parseDuration("--x", "90"), 90);
    assert.equal(parseDuration("--x", "10m"), 600);
    assert.equal(parseDuration("--x", "1h30m"), 5_400);
    assert.equal(parseDuration("--x", "2d"), 172_800);
    assert.equal(parseDuration("--x", "1w"), 604_800);
    assert.throws(() => parseDuration("--x", "10 minutes"), invalid("--x"));
    assert.throws(() => parseDuration("--x", ""), invalid("--x"));
    assert.throws(() => parseDuration("--x", "-5m"), invalid("--x"));
  });

  it("times: relative to chain time, unix seconds or ISO dates", () => {
    const now = 1_800_000_000;
    assert.equal(parseTime("--t", "1h", now), now + 3_600);
    assert.equal(parseTime("--t", "+15m", now), now + 900);
    assert.equal(parseTime("--t", "1900000000", now), 1_900_000_000);
    assert.equal(parseTime("--t", "2030-01-01T00:00:00Z", now), 1_893_456_000);
    assert.throws(() => parseTime("--t", "2030-13-45", now), invalid("--t"));
  });

  it("amounts: decimals of the token, no more", () => {
    assert.equal(parseAmount("--a", "0.001", 6), 1_000n);
    assert.equal(parseAmount("--a", "1_000", 18), 1_000n * 10n ** 18n);
    assert.equal(parseAmount("--a", "12.5", 18), 125n * 10n ** 17n);
    assert.throws(() => parseAmount("--a", "0.0000001", 6), invalid("--a"));
    assert.throws(() => parseAmount("--a", "-1", 6), invalid("--a"));
    assert.throws(() => parseAmount("--a", "1e6", 6), invalid("--a"));
  });

  it("integers, addresses, hashes and lists", () => {
    assert.equal(parseInteger("--n", "3_600"), 3_600n);
    assert.throws(() => parseInteger("--n", "0", { min: 1n }), invalid("--n"));
    assert.throws(() => parseInteger("--n", "1.5"), invalid("--n"));
    assert.equal(
      parseAddress("--to", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"),
      "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    );
    assert.throws(() => parseAddress("--to", "0x123"), invalid("--to"));
    assert.equal(parseBytes32("--r", `0x${"AB".repeat(32)}`), `0x${"ab".repeat(32)}`);
    assert.throws(() => parseBytes32("--r", "0xab"), invalid("--r"));
    assert.deepEqual(parseList(" a, b ,,c "), ["a", "b", "c"]);
  });
});
