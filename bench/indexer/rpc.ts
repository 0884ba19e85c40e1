// A minimal JSON-RPC client for driving the local node fast: single calls and batches (one HTTP request carrying
// hundreds of calls), with errors that say which call failed and why.
import { request } from "node:http";

export type RpcCall = { method: string; params: unknown[] };

export class RpcCallError extends Error {
  override name = "RpcCallError";
}

type Answer = { id: number; result?: unknown; error?: { code: number; message: string; data?: unknown } };

export class JsonRpc {
  readonly url: string;
  private nextId = 1;

  constructor(url: string) {
    this.url = url;
  }

  /**
   * One HTTP request on a fresh connection: reusing an idle keep-alive socket races the server closing it (seen
   * here after a few seconds of signing), and a POST that may or may not have been sent cannot be retried blindly.
   */
  private post(body: unknown): Promise<unknown> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: "POST",
          agent: false,
          headers: { "content-type": "application/json", "content-length": payload.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200) {
              reject(new RpcCallError(`HTTP ${res.statusCode} from ${this.url}: ${text.slice(0, 300)}`));
              return;
            }
            try {
              resolve(JSON.parse(text));
            } catch (error) {
              reject(new RpcCallError(`unparsable answer from ${this.url}: ${(error as Error).message}`));
            }
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    const answer = (await this.post({ jsonrpc: "2.0", id: this.nextId++, method, params })) as Answer;
    if (answer.error) throw new RpcCallError(`${method} failed: ${answer.error.message}`);
    return answer.result as T;
  }

  /** Sends the calls as one batch; results in call order. Throws on the first call that failed. */
  async batch<T>(calls: readonly RpcCall[]): Promise<T[]> {
    if (calls.length === 0) return [];
    const first = this.nextId;
    this.nextId += calls.length;
    const answers = (await this.post(
      calls.map((c, i) => ({ jsonrpc: "2.0", id: first + i, method: c.method, params: c.params })),
    )) as Answer[];
    if (!Array.isArray(answers)) throw new RpcCallError(`batch of ${calls.length} got a non-array answer`);
    const byId = new Map(answers.map((a) => [a.id, a]));
    return calls.map((c, i) => {
      const a = byId.get(first + i);
      if (!a) throw new RpcCallError(`batch answer lacks call ${i} (${c.method})`);
      if (a.error) {
        const data = a.error.data === undefined ? "" : ` ${JSON.stringify(a.error.data).slice(0, 200)}`;
        throw new RpcCallError(`${c.method} (call ${i} of ${calls.length}) failed: ${a.error.message}${data}`);
      }
      return a.result as T;
    });
  }
}
