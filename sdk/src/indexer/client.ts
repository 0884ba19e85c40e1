import { IndexerError } from "../errors/errors.ts";

/**
 * A GraphQL document string that carries its result and variables types, so `query` infers them:
 * `const Jobs = typedQuery<{ jobs: Connection<Job> }, { first: number }>("query ($first: Int) { ... }")`.
 */
export type TypedQuery<TResult, TVariables extends Record<string, unknown> = Record<string, unknown>> = string & {
  readonly __result?: TResult;
  readonly __variables?: TVariables;
};

export function typedQuery<TResult, TVariables extends Record<string, unknown> = Record<string, unknown>>(
  document: string,
): TypedQuery<TResult, TVariables> {
  return document as TypedQuery<TResult, TVariables>;
}

/** Relay-style page info of the API's connections. */
export type PageInfo = { hasNextPage: boolean; endCursor: string | null };

/** `jobs(where, orderBy, first, after) { totalCount pageInfo { hasNextPage endCursor } nodes { ... } }` */
export type Connection<TNode> = { totalCount?: number; pageInfo: PageInfo; nodes: TNode[] };

export type GraphQLErrorShape = {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
};

export type IndexerClientOptions = {
  /** Extra headers (auth) on every request. */
  headers?: Record<string, string> | undefined;
  /** Per-request timeout in ms. Default 30 s. */
  timeoutMs?: number | undefined;
  /** A `fetch` implementation; default the global one. */
  fetch?: typeof fetch | undefined;
};

export type PaginateOptions = {
  /** Page size sent as `first`. Default 100. */
  pageSize?: number | undefined;
  /** Stop after this many nodes. */
  limit?: number | undefined;
  /** Where the connection sits in the result: a field name (`"jobs"`) or a path (`["provider", "jobs"]`). */
  connection: string | readonly string[];
};

export type SubscribeHandlers<T> = {
  onNext: (data: T) => void;
  onError?: ((error: IndexerError) => void) | undefined;
  onComplete?: (() => void) | undefined;
};

export type Subscription = {
  /** Closes the stream. */
  close: () => void;
  /** Resolves when the stream ends (closed, completed or failed). */
  done: Promise<void>;
};

export type IndexerClient = {
  readonly url: string;
  /** Runs one query; throws `IndexerError` on HTTP or GraphQL errors. */
  query: <TResult, TVariables extends Record<string, unknown> = Record<string, unknown>>(
    document: TypedQuery<TResult, TVariables> | string,
    variables?: TVariables,
  ) => Promise<TResult>;
  /**
   * Iterates every node of a connection, page by page (`first`/`after`). The document must declare
   * `$first: Int` and `$after: String` and select `pageInfo { hasNextPage endCursor } nodes { ... }`.
   */
  paginate: <TNode>(
    document: string,
    variables: Record<string, unknown> | undefined,
    options: PaginateOptions,
  ) => AsyncGenerator<TNode, void, undefined>;
  /** Collects `paginate` into an array. */
  all: <TNode>(
    document: string,
    variables: Record<string, unknown> | undefined,
    options: PaginateOptions,
  ) => Promise<TNode[]>;
  /** Live updates over Server-Sent Events (GraphQL over SSE, as served by graphql-yoga). */
  subscribe: <T>(
    document: string,
    variables: Record<string, unknown> | undefined,
    handlers: SubscribeHandlers<T>,
  ) => Subscription;
};

/**
 * A small typed client for the indexer's GraphQL API: queries, cursor pagination and SSE subscriptions.
 *
 * @example
 * const indexer = createIndexerClient("http://localhost:4000/graphql");
 * for await (const job of indexer.paginate<{ id: string; status: string }>(
 *   `query ($first: Int, $after: String) {
 *      jobs(where: { status: Open }, orderBy: { createdAt: desc }, first: $first, after: $after) {
 *        totalCount pageInfo { hasNextPage endCursor } nodes { id status }
 *      }
 *    }`,
 *   {},
 *   { connection: "jobs", pageSize: 50 },
 * )) console.log(job.id, job.status);
 */
export function createIndexerClient(url: string, options: IndexerClientOptions = {}): IndexerClient {
  try {
    new URL(url);
  } catch {
    throw new IndexerError(`Invalid indexer URL: ${url}`);
  }
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;

  const query = async <TResult>(document: string, variables?: Record<string, unknown>): Promise<TResult> => {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json, application/json",
          ...options.headers,
        },
        body: JSON.stringify({ query: document, variables: variables ?? {} }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new IndexerError(`Indexer unreachable at ${url}`, { cause: err, retryable: true });
    }
    let body: { data?: TResult | null; errors?: GraphQLErrorShape[] } | undefined;
    const text = await response.text();
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (body?.errors?.length) {
      throw new IndexerError(`GraphQL error: ${body.errors.map((e) => e.message).join("; ")}`, {
        status: response.status,
        graphqlErrors: body.errors,
        retryable: response.status >= 500,
      });
    }
    if (!response.ok || !body || body.data === undefined || body.data === null) {
      throw new IndexerError(`Indexer answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`, {
        status: response.status,
        retryable: response.status >= 500 || response.status === 429,
      });
    }
    return body.data;
  };

  async function* paginate<TNode>(
    document: string,
    variables: Record<string, unknown> | undefined,
    opts: PaginateOptions,
  ): AsyncGenerator<TNode, void, undefined> {
    const path = typeof opts.connection === "string" ? [opts.connection] : opts.connection;
    const pageSize = opts.pageSize ?? 100;
    let after: string | null = null;
    let count = 0;
    for (;;) {
      const data: unknown = await query(document, { ...variables, first: pageSize, after });
      let conn: unknown = data;
      for (const key of path) conn = (conn as Record<string, unknown> | null)?.[key];
      const c = conn as Connection<TNode> | undefined;
      if (!c || !Array.isArray(c.nodes) || !c.pageInfo) {
        throw new IndexerError(`The result has no connection at ${path.join(".")} (select pageInfo and nodes)`);
      }
      for (const node of c.nodes) {
        yield node;
        if (opts.limit !== undefined && ++count >= opts.limit) return;
      }
      if (!c.pageInfo.hasNextPage || !c.pageInfo.endCursor || c.nodes.length === 0) return;
      after = c.pageInfo.endCursor;
    }
  }

  const all = async <TNode>(
    document: string,
    variables: Record<string, unknown> | undefined,
    opts: PaginateOptions,
  ) => {
    const out: TNode[] = [];
    for await (const node of paginate<TNode>(document, variables, opts)) out.push(node);
    return out;
  };

  const subscribe = <T>(
    document: string,
    variables: Record<string, unknown> | undefined,
    handlers: SubscribeHandlers<T>,
  ): Subscription => {
    const controller = new AbortController();
    const fail = (error: IndexerError) => {
      if (!controller.signal.aborted) handlers.onError?.(error);
    };
    const done = (async () => {
      let response: Response;
      try {
        response = await doFetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "text/event-stream", ...options.headers },
          body: JSON.stringify({ query: document, variables: variables ?? {} }),
          signal: controller.signal,
        });
      } catch (err) {
        return fail(new IndexerError(`Indexer unreachable at ${url}`, { cause: err, retryable: true }));
      }
      if (!response.ok || !response.body) {
        return fail(new IndexerError(`Subscription refused: HTTP ${response.status}`, { status: response.status }));
      }
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
          let sep: number;
          while ((sep = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, sep);
            buffer = buffer.slice(sep + 2);
            const { event, data } = parseFrame(frame);
            if (event === "complete") {
              controller.abort();
              handlers.onComplete?.();
              return;
            }
            if (data === undefined) continue; // comment / keep-alive
            let payload: { data?: T; errors?: GraphQLErrorShape[] };
            try {
              payload = JSON.parse(data);
            } catch {
              fail(new IndexerError(`Malformed subscription event: ${data.slice(0, 200)}`));
              continue;
            }
            if (payload.errors?.length) {
              fail(
                new IndexerError(`GraphQL error: ${payload.errors.map((e) => e.message).join("; ")}`, {
                  graphqlErrors: payload.errors,
                }),
              );
            } else if (payload.data !== undefined) {
              handlers.onNext(payload.data);
            }
          }
        }
        if (!controller.signal.aborted) handlers.onComplete?.();
      } catch (err) {
        if (!controller.signal.aborted)
          fail(new IndexerError("Subscription stream broke", { cause: err, retryable: true }));
      }
    })();
    return { close: () => controller.abort(), done };
  };

  return { url, query: query as IndexerClient["query"], paginate, all, subscribe };
}

function parseFrame(frame: string): { event: string; data: string | undefined } {
  let event = "message";
  const data: string[] = [];
  for (const line of frame.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return { event, data: data.length ? data.join("\n") : undefined };
}
