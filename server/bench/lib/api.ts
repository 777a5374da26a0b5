import http from 'node:http';

/** A minimal HTTP client for setting up and checking bench runs (not for load: that is autocannon's job). */
export class Api {
  constructor(
    readonly base: string,
    readonly cookie: string,
  ) {}

  static async login(base: string, email: string, password: string): Promise<Api> {
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    return new Api(base, cookie);
  }

  async req<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
    if (body instanceof Uint8Array) return this.send(method, path, body, headers);
    const payload: BodyInit | undefined = body === undefined ? undefined : JSON.stringify(body);
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        cookie: this.cookie,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: payload,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body: parsed as T };
  }

  /**
   * Sends a file's bytes as they are, the way a browser streams a File. Not through fetch: undici first copies a
   * byte body whole (60 MB take it over 100 ms here), which is the load generator's cost, not the server's.
   */
  private send<T>(method: string, path: string, bytes: Uint8Array, headers: Record<string, string>): Promise<{ status: number; body: T }> {
    const url = new URL(path, this.base);
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method,
          headers: { cookie: this.cookie, 'content-type': 'application/pdf', 'content-length': String(bytes.byteLength), ...headers },
          agent: false,
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {}
            resolve({ status: res.statusCode ?? 0, body: parsed as T });
          });
        },
      );
      req.on('error', reject);
      req.end(bytes);
    });
  }
}
