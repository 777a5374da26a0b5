/**
 * The desk's data, fast (issue 15): one request (`GET /copies/:id/desk`) for the copy, its exam and its sibling
 * copies; started at start-up alongside `/auth/me` when the app opens on a desk; and the next copy's bundle and
 * first page image fetched ahead while the teacher grades, so that stepping on shows the page at once.
 */
import type { DeskBundle } from '@korrigo/contracts';
import { request } from '../../api/client';

/** A bundle fetched ahead is used only this soon: after that the copy may have changed (a lease, a score). */
const FRESH_MS = 10_000;
const ahead = new Map<string, { at: number; bundle: Promise<DeskBundle> }>();

const fetchDesk = (copyId: string) => request<DeskBundle>('GET', `/copies/${encodeURIComponent(copyId)}/desk`);

/** The page image into the browser's cache (and decoded), so the desk's <img> paints without a wait. */
export function warmImage(src: string | undefined) {
  if (!src || typeof Image === 'undefined') return;
  const img = new Image();
  img.decoding = 'async';
  img.src = src;
}

/** Starts loading a copy's desk ahead of showing it: its bundle, then its first page image. */
export function prefetchDesk(copyId: string) {
  const known = ahead.get(copyId);
  if (known && Date.now() - known.at < FRESH_MS) return;
  const bundle = fetchDesk(copyId);
  const entry = { at: Date.now(), bundle };
  ahead.set(copyId, entry);
  bundle.then(
    (b) => warmImage(b.copy.pages[0]?.imageUrl),
    () => ahead.get(copyId) === entry && ahead.delete(copyId),
  );
}

/** The desk's bundle: the one fetched ahead if it is fresh, else a new request. */
export function loadDesk(copyId: string): Promise<DeskBundle> {
  const known = ahead.get(copyId);
  ahead.delete(copyId);
  return known && Date.now() - known.at < FRESH_MS ? known.bundle : fetchDesk(copyId);
}

declare global {
  interface Window {
    /** the request public/desk-early.js sent from index.html, before this code was even loaded */
    __korrigoDesk?: { copyId: string; at: number; response: Promise<Response> };
  }
}

/**
 * At start-up on `/copies/:id/grade`: the desk's request left with index.html (public/desk-early.js), or leaves
 * now, alongside `/auth/me` rather than after it. A refused early answer is asked again through the API client,
 * which reports it as every request does (a 401 sends the app to the login page).
 */
export function prefetchDeskOfLocation(path = typeof location === 'undefined' ? '' : location.pathname) {
  const m = /^\/copies\/([^/]+)\/grade\/?$/.exec(path);
  if (!m) return;
  const copyId = decodeURIComponent(m[1]!);
  const early = typeof window === 'undefined' ? undefined : window.__korrigoDesk;
  if (early && early.copyId === copyId) {
    window.__korrigoDesk = undefined;
    const bundle = early.response.then((r) => (r.ok ? (r.json() as Promise<DeskBundle>) : fetchDesk(copyId)), () => fetchDesk(copyId));
    ahead.set(copyId, { at: early.at, bundle });
    bundle.catch(() => ahead.delete(copyId));
    return;
  }
  prefetchDesk(copyId);
}
