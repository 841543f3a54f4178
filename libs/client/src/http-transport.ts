import { DbForgeError } from './dbforge-error';

export interface DbForgeClientOptions {
  /** The gateway, e.g. `http://localhost:8000`. */
  baseUrl: string;
  /** The admin key or a database key, sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

/** A request body with its Content-Type. */
interface Payload {
  body: string | Uint8Array;
  contentType: string;
}

/**
 * The client's HTTP: the key and the Accept / Content-Type headers on the way out, and on the way
 * back a JSON value, a byte stream or the DbForgeError of the answer (the network failing included).
 */
export class HttpTransport {
  private readonly baseUrl: string;
  private readonly fetcher: typeof fetch;

  // The options stay referenced: the key is read on every request.
  constructor(private readonly options: DbForgeClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetcher = options.fetch ?? fetch;
  }

  /** A JSON exchange: the answer's body. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.send<T>(method, path, body)).body;
  }

  /** A JSON exchange: the answer's status and body; an `accepted` status is no failure. */
  async send<T>(method: string, path: string, body?: unknown, accepted?: number[]): Promise<{ status: number; body: T }> {
    const response = await this.request(method, path, 'application/json', body === undefined ? undefined : this.jsonBody(body));
    if (response.ok || accepted?.includes(response.status)) return { status: response.status, body: (await this.json(response)) as T };
    throw await this.failure(response);
  }

  /** POSTs a raw upload (not JSON); the answer is read as `send` reads it. */
  async upload<T>(path: string, content: Uint8Array | string, contentType: string): Promise<{ status: number; body: T }> {
    const response = await this.request('POST', path, 'application/json', { body: content, contentType });
    if (response.ok) return { status: response.status, body: (await this.json(response)) as T };
    throw await this.failure(response);
  }

  /** A GET whose success body is a file: its stream; a failure still throws the DbForgeError of its JSON body. */
  async download(path: string): Promise<ReadableStream<Uint8Array>> {
    const response = await this.request('GET', path, '*/*');
    if (response.ok && response.body) return response.body;
    throw await this.failure(response);
  }

  /** POSTs JSON and returns the answer's body as it streams in (`accept` picks the format); errors before the body throw. */
  async stream(path: string, accept: string, body: unknown): Promise<ReadableStream<Uint8Array>> {
    const response = await this.request('POST', path, accept, this.jsonBody(body));
    if (!response.ok) throw await this.failure(response);
    if (!response.body) throw new DbForgeError(response.status, 'UNEXPECTED_RESPONSE', 'The stream had no body.');
    return response.body;
  }

  /** One HTTP exchange with the key and `Accept` set; only the network failing throws here. */
  private async request(method: string, path: string, accept: string, payload?: Payload): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    if (payload) headers['Content-Type'] = payload.contentType;
    if (this.options.apiKey) headers.Authorization = `Bearer ${this.options.apiKey}`;
    try {
      return await this.fetcher(this.baseUrl + path, { method, headers, body: payload?.body });
    } catch (error) {
      // fetch() says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, ...) is its cause.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
      throw new DbForgeError(0, 'NETWORK_ERROR', `Cannot reach ${this.baseUrl} (${reason})`);
    }
  }

  private jsonBody(body: unknown): Payload {
    return { body: JSON.stringify(body), contentType: 'application/json' };
  }

  private async json(response: Response): Promise<unknown> {
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      throw new DbForgeError(response.status, 'UNEXPECTED_RESPONSE', `Not JSON (HTTP ${response.status}): ${text.slice(0, 200)}`);
    }
  }

  private async failure(response: Response): Promise<DbForgeError> {
    return DbForgeError.fromBody(response.status, await this.json(response));
  }
}
