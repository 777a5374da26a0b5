/** Stable error codes of the API (API.md) → messages people can act on, in French and English. */
import type { ErrorCode } from '@korrigo/contracts';
import { type Key, type Lang, translate } from '../i18n/translate';
import { hhmm } from '../lib/time';

export type { Lang } from '../i18n/translate';

/**
 * What an ApiError's `code` can be: a code of the API (`ErrorCode` of the contracts), or one the client makes up when
 * there is no problem body to read: NETWORK (no answer), NOT_IMPLEMENTED (501), HTTP_<status> (any other bare 4xx).
 */
export type ApiErrorCode = ErrorCode | 'NETWORK' | 'NOT_IMPLEMENTED' | `HTTP_${number}`;

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    /** the problem's stable `code`; NETWORK when the request never got an answer */
    public readonly code: ApiErrorCode,
    public readonly detail: string,
    /** the problem's other fields (currentStatus, owner, expiresAt, current…) */
    public readonly extra: Record<string, unknown> = {},
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ApiError';
  }
  get isNetwork() {
    return this.status === 0;
  }
  /** the route does not exist (yet) on this server */
  get isMissingRoute() {
    return this.status === 501 || (this.status === 404 && this.extra.routeMissing === true);
  }
}

/** Every code of the API has its message (a code added to ErrorCode without one does not compile), and so do the variants below. */
const MESSAGES: Record<ErrorCode | 'NETWORK' | 'NOT_IMPLEMENTED' | 'INVALID_STATE_OTHER' | 'LOCKED_BY_OWNER', Record<Lang, string>> = {
  VALIDATION_FAILED: { en: 'Some fields are not valid.', fr: 'Certains champs ne sont pas valides.' },
  UNAUTHENTICATED: { en: 'Wrong email or password, or your session has ended.', fr: 'E-mail ou mot de passe incorrect, ou session expirée.' },
  FORBIDDEN: { en: 'You are not allowed to do this.', fr: "Vous n'avez pas le droit de faire cela." },
  NOT_FOUND: { en: 'Not found.', fr: 'Introuvable.' },
  INVALID_STATE: { en: 'Not possible while the copy is “{status}”.', fr: 'Impossible tant que la copie est « {status} ».' },
  INVALID_STATE_OTHER: { en: 'Not possible in the current state.', fr: "Impossible dans l'état actuel." },
  LOCKED_BY_OTHER: { en: 'Someone else is grading this copy.', fr: "Quelqu'un d'autre corrige cette copie." },
  LOCKED_BY_OWNER: {
    en: '{owner} is grading this copy right now (until {until}). Wait for them to leave it, or try again later.',
    fr: '{owner} corrige cette copie en ce moment (jusqu’à {until}). Attendez qu’il ou elle la quitte, ou réessayez plus tard.',
  },
  LOCK_REQUIRED: { en: 'Your edit lease on this copy has expired. Reopen the copy.', fr: 'Votre verrou sur cette copie a expiré. Rouvrez la copie.' },
  VERSION_CONFLICT: { en: 'This was changed elsewhere in the meantime.', fr: 'Ceci a été modifié ailleurs entre-temps.' },
  DRAFT_CONFLICT: { en: 'A newer draft was saved elsewhere.', fr: 'Un brouillon plus récent a été enregistré ailleurs.' },
  EXAM_HAS_COPIES: { en: 'This exam has copies and cannot be deleted. Archive it instead.', fr: "Cet examen a des copies et ne peut pas être supprimé. Archivez-le." },
  GRADING_STARTED: {
    en: 'Grading has started on this exam: anonymity can no longer be changed.',
    fr: 'La correction de cet examen a commencé : l’anonymat ne peut plus être modifié.',
  },
  STUDENT_ALREADY_HAS_COPY: { en: 'This student already has a copy of this exam.', fr: 'Cet élève a déjà une copie pour cet examen.' },
  INVALID_PDF: { en: 'This file is not a usable PDF.', fr: "Ce fichier n'est pas un PDF exploitable." },
  PAYLOAD_TOO_LARGE: { en: 'The file is too large.', fr: 'Le fichier est trop volumineux.' },
  INCOMPLETE_SCORES: {
    en: 'Some questions have no score yet. Score them, or confirm that they stay not scored.',
    fr: "Certaines questions n'ont pas encore de note. Notez-les, ou confirmez qu'elles restent non notées.",
  },
  RATE_LIMITED: { en: 'Too many attempts. Wait a moment and try again.', fr: 'Trop de tentatives. Patientez puis réessayez.' },
  PASSWORD_CHANGE_REQUIRED: { en: 'You must change your password first.', fr: "Vous devez d'abord changer votre mot de passe." },
  CONFLICT: { en: 'This conflicts with existing data.', fr: 'Conflit avec des données existantes.' },
  REGRADE_DEADLINE_PASSED: { en: 'Regrade requests for this exam are closed.', fr: 'Les demandes de révision pour cet examen sont closes.' },
  UNSUPPORTED_MEDIA_TYPE: { en: 'This kind of file cannot be sent here.', fr: 'Ce type de fichier ne peut pas être envoyé ici.' },
  RUBRIC_GROUP_CONFLICT: { en: 'Only one item of this group can be applied.', fr: 'Un seul élément de ce groupe peut être appliqué.' },
  RUBRIC_ITEM_IN_USE: { en: 'This item is used by copies: retire it instead of deleting it.', fr: 'Cet élément est utilisé par des copies : retirez-le au lieu de le supprimer.' },
  RUBRIC_ITEM_RETIRED: { en: 'This item was retired and can no longer be applied.', fr: 'Cet élément a été retiré et ne peut plus être appliqué.' },
  RUBRIC_APPLIED: { en: 'This score comes from rubric items: change the items or the adjustment.', fr: 'Cette note vient des éléments de barème : modifiez les éléments ou l’ajustement.' },
  INTERNAL: { en: 'Server error. Try again later.', fr: 'Erreur du serveur. Réessayez plus tard.' },
  NETWORK: { en: 'The server cannot be reached. Check your connection.', fr: 'Le serveur est injoignable. Vérifiez votre connexion.' },
  NOT_IMPLEMENTED: { en: 'Not available on this server yet.', fr: 'Pas encore disponible sur ce serveur.' },
};

const fill = (s: string, extra: Record<string, unknown>) =>
  s.replace(/\{(\w+)\}/g, (_, k: string) => (extra[k] === undefined ? '' : String(extra[k])));

/** Codes whose message alone cannot say what is wrong: the server's own sentence (English) is added. */
const WITH_DETAIL = new Set<string>(['VALIDATION_FAILED', 'INVALID_STATE_OTHER', 'CONFLICT', 'INCOMPLETE_SCORES', 'UNSUPPORTED_MEDIA_TYPE']);

/** One sentence for the user in their language, with who/what/until when the problem says so. */
export function errorMessage(err: unknown, lang: Lang): string {
  if (err instanceof ApiError) {
    if (err.status === 501) return MESSAGES.NOT_IMPLEMENTED![lang];
    let code: keyof typeof MESSAGES | ApiErrorCode = err.code;
    const vars: Record<string, unknown> = { ...err.extra };
    if (code === 'INVALID_STATE') {
      const st = err.extra.currentStatus;
      if (typeof st === 'string' && st) vars.status = translate(lang, `status_${st}` as Key);
      else code = 'INVALID_STATE_OTHER';
    }
    if (code === 'LOCKED_BY_OTHER') {
      const owner = err.extra.owner as { displayName?: string } | null | undefined;
      if (owner?.displayName) {
        code = 'LOCKED_BY_OWNER';
        vars.owner = owner.displayName;
        vars.until = hhmm(err.extra.expiresAt as string | undefined) || '?';
      }
    }
    const m = code in MESSAGES ? MESSAGES[code as keyof typeof MESSAGES] : undefined;
    if (!m) return err.detail || `HTTP ${err.status}`;
    const base = fill(m[lang], vars);
    return WITH_DETAIL.has(code) && err.detail ? `${base} (${err.detail})` : base;
  }
  return err instanceof Error ? err.message : String(err);
}
