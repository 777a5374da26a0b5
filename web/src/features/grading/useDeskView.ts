/** Which page is shown and at what zoom (null: fit the width). */
import type { CopyDetail } from '@korrigo/contracts';

type Page = CopyDetail['pages'][number];
import { useCallback, useRef, useState } from 'react';
import { api } from '../../api/client';

export function useDeskView(pages: Page[]) {
  const [pageIdx, setPageIdx] = useState(0);
  const [zoom, setZoom] = useState<number | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const page = pages[Math.min(pageIdx, pages.length - 1)];
  const zoomRef = useRef(zoom);
  zoomRef.current = zoom;
  const widthRef = useRef(1000);
  widthRef.current = page?.widthPx || 1000;

  const zoomBy = useCallback((f: number) => {
    const current = zoomRef.current ?? (scrollRef.current ? (scrollRef.current.clientWidth - 32) / widthRef.current : 1);
    setZoom(Math.min(4, Math.max(0.2, current * f)));
  }, []);
  const pageBy = useCallback((delta: number) => setPageIdx((i) => Math.min(pages.length - 1, Math.max(0, i + delta))), [pages.length]);
  const imageUrl = (copyId: string, pg: { position: number; imageUrl: string }) =>
    pg.imageUrl && pg.imageUrl.startsWith('/') ? pg.imageUrl : api.pageImageUrl(copyId, pg.position);

  return { page, pageIdx, setPageIdx, pageBy, zoom, setZoom, zoomBy, scrollRef, imageUrl };
}
