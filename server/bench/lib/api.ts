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
    const raw = body instanceof Uint8Array;
    // a file is sent from its bytes as they are (a Blob would first copy them, which is the client's cost, not the server's)
    const payload: BodyInit | undefined = body === undefined ? undefined : raw ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body);
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        cookie: this.cookie,
        ...(body === undefined ? {} : { 'content-type': raw ? 'application/pdf' : 'application/json' }),
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
}
