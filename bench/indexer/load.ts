// GraphQL under concurrent load: autocannon (in this process) against the API (its own child process), with the
// weighted query mix of queries.ts. An answer counts as an error when its status is not 2xx, when its body carries
// GraphQL `errors` or no `data`, or when the connection fails or times out. Latencies are taken per response
// (autocannon's own percentiles stop at p97.5 without p95), overall and per kind of query.
import autocannon from "autocannon";
import { seededRandom } from "../../scripts/start/market.ts";
import { checkAnswer, pickQuery, QUERIES, type QueryKind, type Sample } from "./queries.ts";
import { graphql } from "./services.ts";
import { summarize } from "./stats.ts";

export type LoadFigure = {
  connections: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  graphqlErrors: number;
  connectionErrors: number;
  timeouts: number;
  /** The same run as autocannon reports it (its p97.5 in place of p95). */
  autocannon: { requestsPerSecondAverage: number; latencyP50Ms: number; latencyP97_5Ms: number; latencyP99Ms: number };
};

export type KindFigure = {
  kind: QueryKind;
  weight: number;
  share: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: number;
};

/** Runs each query once and checks its answer; throws on the first wrong one. */
export async function verifyQueries(url: string, sample: Sample): Promise<void> {
  const r = seededRandom(7);
  for (const q of QUERIES) {
    const variables = q.kind === "job" ? { id: sample.lifecycleJobIds[0]!.toString() } : q.variables(sample, r);
    const { status, body } = await graphql(url, q.text, variables as Record<string, unknown>);
    const problem =
      status !== 200 || body.errors?.length
        ? `HTTP ${status}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`
        : checkAnswer(q.kind, body.data, sample);
    if (problem) throw new Error(`GraphQL check of ${q.kind} failed: ${problem}`);
  }
}

export async function runLoad(
  url: string,
  sample: Sample,
  options: { connections: number; seconds: number; only?: QueryKind; seed?: number },
): Promise<{ figure: LoadFigure; byKind: KindFigure[] }> {
  const r = seededRandom(options.seed ?? 1);
  const latencies: number[] = [];
  const perKind = new Map<QueryKind, { latencies: number[]; errors: number }>();
  let graphqlErrors = 0;
  // Set by onResponse, read by the 'response' event autocannon emits right after it for the same response.
  let last: { kind: QueryKind; failed: boolean } | undefined;

  let finish!: (result: autocannon.Result) => void;
  let fail!: (error: unknown) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const instance = autocannon(
    {
      url,
      method: "POST",
      connections: options.connections,
      duration: options.seconds,
      headers: { "content-type": "application/json" },
      requests: [
        {
          setupRequest: (request, context) => {
            const q = pickQuery(r, options.only);
            (context as { kind?: QueryKind }).kind = q.kind;
            return { ...request, body: JSON.stringify({ query: q.text, variables: q.variables(sample, r) }) };
          },
          onResponse: (status, body, context) => {
            let failed = status < 200 || status >= 300;
            if (!failed) {
              try {
                const answer = JSON.parse(body) as { data?: unknown; errors?: unknown[] };
                if (answer.errors?.length || !answer.data) {
                  failed = true;
                  graphqlErrors++;
                }
              } catch {
                failed = true;
                graphqlErrors++;
              }
            }
            last = { kind: (context as { kind: QueryKind }).kind, failed };
          },
        },
      ],
    },
    (error, result) => (error ? fail(error) : finish(result)),
  );
  instance.on("response", (_client, _status, _bytes, responseTime) => {
    latencies.push(responseTime);
    if (!last) return;
    const k = perKind.get(last.kind) ?? { latencies: [], errors: 0 };
    k.latencies.push(responseTime);
    if (last.failed) k.errors++;
    perKind.set(last.kind, k);
    last = undefined;
  });
  const result = await done;
  const s = summarize(latencies);
  const connectionErrors = result.errors - result.timeouts;
  const figure: LoadFigure = {
    requestsPerSecond: Math.round(latencies.length / result.duration),
    p50Ms: s.p50,
    p95Ms: s.p95,
    p99Ms: s.p99,
    errors: result.non2xx + graphqlErrors + result.errors,
    connections: options.connections,
    seconds: result.duration,
    requests: latencies.length,
    maxMs: s.max,
    non2xx: result.non2xx,
    graphqlErrors,
    connectionErrors,
    timeouts: result.timeouts,
    autocannon: {
      requestsPerSecondAverage: result.requests.average,
      latencyP50Ms: result.latency.p50,
      latencyP97_5Ms: result.latency.p97_5,
      latencyP99Ms: result.latency.p99,
    },
  };
  const total = latencies.length || 1;
  const byKind = QUERIES.filter((q) => perKind.has(q.kind)).map((q) => {
    const k = perKind.get(q.kind)!;
    const ks = summarize(k.latencies);
    return {
      kind: q.kind,
      weight: q.weight,
      share: Number((k.latencies.length / total).toFixed(3)),
      p50Ms: ks.p50,
      p95Ms: ks.p95,
      p99Ms: ks.p99,
      errors: k.errors,
    };
  });
  return { figure, byKind };
}
