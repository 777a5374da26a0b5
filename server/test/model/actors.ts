/**
 * Runs one actor's program over HTTP. The actor remembers what a desk would: its lease token per copy, the last
 * draft version it saw, the annotations and score versions it knows. Its tabs share that memory, so two tabs of
 * one step send the same base version. Every request and its outcome go to the shared history.
 */
import type { Client } from '../helpers/harness.ts';
import type { Clock } from '../../src/ids.ts';
import type { Op, Step } from './program.ts';
import type { OpKind, Rec } from './history.ts';

const LEASED = new Set<Op['kind']>(['heartbeat', 'draft', 'annotate', 'edit', 'delete', 'score', 'submit']);

interface Memory {
  token?: string;
  /** the copy's status when last seen: a desk does not offer to open a copy it shows as graded */
  status?: string;
  submittedByMe?: boolean;
  draftVersion: number;
  annotations: Map<string, number>;
  scores: Map<string, number>;
}

export class Actor {
  private readonly memory: Memory[];
  private seq = 0;

  constructor(
    private readonly client: Client,
    private readonly copies: string[],
    private readonly questions: { id: string; maxPoints: number }[],
    private readonly clock: Clock,
    private readonly history: Rec[],
    private readonly tick: () => void,
  ) {
    this.memory = copies.map(() => ({ draftVersion: 0, annotations: new Map(), scores: new Map() }));
  }

  get id() {
    return this.client.user.id;
  }

  async run(program: Step[]) {
    for (const step of program) await Promise.all(step.map((op) => this.exec(op)));
  }

  /**
   * With `focus`: a copy this actor submitted (unlock, finalize) or saw GRADED (reopen), else one it holds,
   * else one it saw READY.
   */
  private pick(op: { kind: Op['kind']; copy: number; focus: boolean }) {
    if (!op.focus || op.kind === 'view') return op.copy;
    const where = (f: (m: Memory) => boolean) => this.memory.flatMap((m, i) => (f(m) ? [i] : []));
    const mine =
      op.kind === 'unlock' || op.kind === 'finalize'
        ? where((m) => m.status === 'LOCKED' && !!m.submittedByMe)
        : op.kind === 'reopen' || op.kind === 'reopens'
          ? where((m) => m.status === 'GRADED')
          : [];
    if (mine.length) return mine[op.copy % mine.length]!;
    const held = where((m) => !!m.token);
    if (held.length) return held[op.copy % held.length]!;
    const open = where((m) => m.status === undefined || m.status === 'READY');
    return open.length ? open[op.copy % open.length]! : op.copy;
  }

  private races = 0;

  private async send(kind: OpKind, copy: number, method: string, url: string, sent: Partial<Rec>, body?: unknown, token?: string) {
    const s0 = this.clock.now().getTime();
    const res = await this.client.req(method, url, body, token !== undefined ? { 'x-lock-token': token } : {});
    const rec: Rec = { actor: this.id, kind, copyId: this.copies[copy]!, status: res.status, s0, s1: this.clock.now().getTime(), ...sent };
    if (res.status >= 400) {
      rec.code = res.body?.code ?? `HTTP_${res.status}`;
      if (res.body?.currentStatus) rec.currentStatus = this.memory[copy]!.status = res.body.currentStatus;
      if (res.body?.current !== undefined) rec.currentVersion = res.body.current?.version ?? null;
      if (res.body?.unscored) rec.unscored = res.body.unscored;
    }
    this.history.push(rec);
    return { rec, body: res.body };
  }

  private async exec(op: Op): Promise<void> {
    if (op.kind === 'tick') return this.tick();
    const c = this.pick(op);
    const m = this.memory[c]!;
    const copyId = this.copies[c]!;
    const token = m.token;
    const dropTokenOn = (code?: string) => {
      if (code === 'LOCK_REQUIRED' && m.token === token) m.token = undefined;
    };
    const knownAnnotation = (pick: number) => {
      const ids = [...m.annotations.keys()].sort();
      return ids.length ? ids[pick % ids.length]! : undefined;
    };

    // at the desk, a teacher opens a copy (takes its lease) before writing on it
    if (LEASED.has(op.kind) && !token && op.focus) op = { kind: 'lock', copy: op.copy, focus: true };
    // nothing it could open: look again at the copy instead of knocking at a closed door
    if (op.kind === 'lock' && op.focus && m.status !== undefined && m.status !== 'READY') return this.view(c);
    switch (op.kind) {
      case 'lock': {
        const { rec, body } = await this.send('lock', c, 'POST', `/api/v1/copies/${copyId}/lock`, {});
        if (rec.status === 200) {
          Object.assign(rec, { token: body.token, owner: body.owner?.id, expiresAt: body.expiresAt });
          m.token = body.token;
          m.status = 'READY';
        } else if (m.token === token) m.token = undefined;
        return;
      }
      case 'heartbeat': {
        const { rec, body } = await this.send('heartbeat', c, 'POST', `/api/v1/copies/${copyId}/lock/heartbeat`, { sentToken: token }, undefined, token ?? 'no-lease');
        if (rec.status === 200) rec.expiresAt = body.expiresAt;
        dropTokenOn(rec.code);
        return;
      }
      case 'release': {
        const { rec } = await this.send('release', c, 'DELETE', `/api/v1/copies/${copyId}/lock`, { sentToken: token }, undefined, token);
        if (rec.status === 204 && m.token === token) m.token = undefined;
        dropTokenOn(rec.code);
        return;
      }
      case 'draft': {
        const baseVersion = op.stale ? Math.max(0, m.draftVersion - 1) : m.draftVersion;
        const payload = { by: this.id, n: ++this.seq, strokes: [[this.seq % 7, 3]] };
        const { rec, body } = await this.send('draft', c, 'PUT', `/api/v1/copies/${copyId}/draft`, { sentToken: token, baseVersion, payload }, { payload, baseVersion, clientId: `tab-${this.seq}` }, token ?? 'no-lease');
        if (rec.status === 200) {
          rec.newVersion = body.version;
          m.draftVersion = Math.max(m.draftVersion, body.version);
        } else if (rec.code === 'DRAFT_CONFLICT') m.draftVersion = body.current.version;
        dropTokenOn(rec.code);
        return;
      }
      case 'annotate': {
        const content = `a${++this.seq}`;
        const body = {
          pagePosition: op.page,
          x: op.x,
          y: op.y,
          w: op.w,
          h: op.h,
          type: op.type,
          content,
          ...(op.type === 'FREEHAND' ? { points: [[op.x, op.y], [op.x + op.w, op.y + op.h]] } : {}),
          ...(op.type === 'SCORE' ? { scoreDelta: 50 } : {}),
        };
        const { rec, body: res } = await this.send('annotate', c, 'POST', `/api/v1/copies/${copyId}/annotations`, { sentToken: token, content }, body, token ?? 'no-lease');
        if (rec.status === 201) {
          Object.assign(rec, { annotationId: res.annotation.id, newVersion: res.annotation.version });
          m.annotations.set(res.annotation.id, res.annotation.version);
        }
        dropTokenOn(rec.code);
        return;
      }
      case 'edit':
      case 'delete': {
        const id = knownAnnotation(op.pick);
        if (!id) return this.view(c);
        const known = m.annotations.get(id)!;
        const version = op.stale && known > 1 ? known - 1 : known;
        const content = `e${++this.seq}`;
        const { rec, body } =
          op.kind === 'edit'
            ? await this.send('edit', c, 'PATCH', `/api/v1/annotations/${id}`, { sentToken: token, annotationId: id, version, content }, { version, content, x: op.x }, token ?? 'no-lease')
            : await this.send('delete', c, 'DELETE', `/api/v1/annotations/${id}?version=${version}`, { sentToken: token, annotationId: id, version }, undefined, token ?? 'no-lease');
        if (rec.status === 200) {
          rec.newVersion = body.annotation.version;
          m.annotations.set(id, Math.max(m.annotations.get(id) ?? 0, body.annotation.version));
        } else if (rec.status === 204 || rec.status === 404) m.annotations.delete(id);
        else if (rec.code === 'VERSION_CONFLICT') m.annotations.set(id, body.current.version);
        dropTokenOn(rec.code);
        return;
      }
      case 'score': {
        const q = this.questions[op.question]!;
        const points = op.over ? q.maxPoints + 1 + op.fraction : Math.round((q.maxPoints * op.fraction) / 100);
        const known = m.scores.get(q.id);
        const version = known === undefined ? undefined : op.stale && known > 1 ? known - 1 : known;
        const { rec, body } = await this.send(
          'score',
          c,
          'PUT',
          `/api/v1/copies/${copyId}/scores/${q.id}`,
          { sentToken: token, questionId: q.id, points, version },
          { points, ...(version !== undefined ? { version } : {}) },
          token ?? 'no-lease',
        );
        if (rec.status === 200) {
          rec.newVersion = body.score.version;
          m.scores.set(q.id, Math.max(m.scores.get(q.id) ?? 0, body.score.version));
        } else if (rec.code === 'VERSION_CONFLICT' && body.current) m.scores.set(q.id, body.current.version);
        dropTokenOn(rec.code);
        return;
      }
      case 'submit': {
        const body = op.allowUnscored ? { allowUnscored: true } : undefined;
        const sent = { sentToken: token, allowUnscored: op.allowUnscored };
        const { rec } = await this.send('submit', c, 'POST', `/api/v1/copies/${copyId}/submit`, sent, body, token ?? 'no-lease');
        if (rec.status === 200) Object.assign(m, { status: 'LOCKED', submittedByMe: true });
        if (rec.status === 200 && m.token === token) m.token = undefined;
        dropTokenOn(rec.code);
        return;
      }
      case 'unlock': {
        const { rec } = await this.send('unlock', c, 'POST', `/api/v1/copies/${copyId}/unlock`, {});
        if (rec.status === 200) Object.assign(m, { status: 'READY', submittedByMe: false });
        return;
      }
      case 'finalize': {
        const sent = { sentToken: token, allowUnscored: op.allowUnscored };
        const { rec, body } = await this.send('finalize', c, 'POST', `/api/v1/copies/${copyId}/finalize`, sent, op.allowUnscored ? { allowUnscored: true } : undefined, token);
        if (rec.status === 202) rec.jobId = body.jobId;
        if (rec.status < 300) Object.assign(m, { status: body.status, submittedByMe: false });
        if (rec.status === 202 && m.token === token) m.token = undefined;
        return;
      }
      case 'reopen': {
        const { rec } = await this.send('reopen', c, 'POST', `/api/v1/copies/${copyId}/reopen`, {});
        if (rec.status === 200) m.status = 'READY';
        return;
      }
      case 'reopens': {
        const race = ++this.races;
        const answers = await Promise.all(
          Array.from({ length: op.tabs }, () => this.send('reopen', c, 'POST', `/api/v1/copies/${copyId}/reopen`, { race })),
        );
        if (answers.some((a) => a.rec.status === 200)) m.status = 'READY';
        return;
      }
      case 'view':
        return this.view(c);
    }
  }

  /** Reads the copy as the desk does on opening it: the annotations and score versions become known. */
  private async view(c: number) {
    const m = this.memory[c]!;
    const { rec, body } = await this.send('view', c, 'GET', `/api/v1/copies/${this.copies[c]}`, {});
    if (rec.status !== 200) return;
    m.status = body.status;
    if (body.status !== 'LOCKED') m.submittedByMe = false;
    m.annotations = new Map(body.annotations.map((a: { id: string; version: number }) => [a.id, a.version]));
    for (const s of body.scores as { questionId: string; version: number }[]) m.scores.set(s.questionId, s.version);
  }
}
