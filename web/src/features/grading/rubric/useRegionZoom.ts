/** Question mode opens the copy on the question's region: its page, zoomed to its width, scrolled to it. */
import { useCallback, useEffect } from 'react';
import type { QuestionRegion } from './rubric-types';
import { regionView } from './useQuestionMode';

interface View {
  setPageIdx(i: number): void;
  setZoom(z: number | null): void;
  scrollRef: { current: HTMLDivElement | null };
}

export function useRegionZoom(view: View, pages: { position: number; widthPx: number; heightPx: number }[], region: QuestionRegion | null, active: boolean) {
  const zoomTo = useCallback(() => {
    if (!region) return;
    const idx = pages.findIndex((p) => p.position === region.pagePosition);
    if (idx < 0) return;
    view.setPageIdx(idx);
    const el = view.scrollRef.current;
    const v = regionView(region, pages[idx]!, el?.clientWidth ?? 1000);
    view.setZoom(v.zoom);
    // after the page has its new size
    requestAnimationFrame(() => requestAnimationFrame(() => view.scrollRef.current?.scrollTo({ left: v.left, top: v.top })));
  }, [region, pages, view]);
  const key = region ? `${region.pagePosition}:${region.x}:${region.y}:${region.w}` : '';
  useEffect(() => {
    if (active) zoomTo();
    // once per copy and region
  }, [active, key]);
  return zoomTo;
}
