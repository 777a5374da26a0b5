/**
 * The scan review's operations as plain records: how each is sent (with the copies' current versions) and what
 * undoes it. Undo is a new operation against the server's current state, so it is version-checked like any other.
 */
import type { PageRepairResponse, ReviewCopy, UploadReview } from '@korrigo/contracts';
import { api } from '../../api/client';

export type ReviewOp =
  | { kind: 'rotate'; copyId: string; position: number; by: 90 | 180 | 270 }
  | { kind: 'move'; copyId: string; position: number; toCopyId: string; toPosition: number }
  | { kind: 'split'; copyId: string; atPosition: number }
  | { kind: 'remove'; copyId: string; position: number }
  | { kind: 'restore'; uploadId: string; sourcePage: number; toCopyId: string; toPosition: number }
  | { kind: 'staple'; examId: string; copyIds: [string, string] };

const versionOf = (review: UploadReview, copyId: string) => {
  const c = review.copies.find((x) => x.id === copyId);
  if (!c) throw new Error(`copy ${copyId} is not in this review`);
  return c.rowVersion;
};

/** Sends the operation; resolves with the operation that undoes it (null when there is none). */
export async function perform(op: ReviewOp, review: UploadReview, examId: string): Promise<ReviewOp | null> {
  switch (op.kind) {
    case 'rotate': {
      await api.rotatePage(op.copyId, op.position, versionOf(review, op.copyId), op.by);
      return { ...op, by: (360 - op.by) as 90 | 180 | 270 };
    }
    case 'move': {
      const page = pageAt(review, op.copyId, op.position);
      const same = op.toCopyId === op.copyId;
      const res = await api.movePage(op.copyId, op.position, {
        version: versionOf(review, op.copyId),
        ...(same ? {} : { toCopyId: op.toCopyId, toVersion: versionOf(review, op.toCopyId) }),
        toPosition: op.toPosition,
      });
      const landed = positionIn(res, op.toCopyId, page.id);
      return { kind: 'move', copyId: op.toCopyId, position: landed, toCopyId: op.copyId, toPosition: op.position };
    }
    case 'split': {
      const res = await api.splitCopy(op.copyId, versionOf(review, op.copyId), op.atPosition);
      const made = res.copies.find((c) => c.id !== op.copyId)!;
      return { kind: 'staple', examId, copyIds: [op.copyId, made.id] };
    }
    case 'remove': {
      const page = pageAt(review, op.copyId, op.position);
      await api.removePage(op.copyId, op.position, versionOf(review, op.copyId));
      return { kind: 'restore', uploadId: page.uploadId!, sourcePage: page.sourcePage, toCopyId: op.copyId, toPosition: op.position };
    }
    case 'restore': {
      const res = await api.restorePage(op.uploadId, op.sourcePage, { toCopyId: op.toCopyId, toVersion: versionOf(review, op.toCopyId), toPosition: op.toPosition });
      const page = res.copies[0]!.pages.find((p) => p.uploadId === op.uploadId && p.sourcePage === op.sourcePage)!;
      return { kind: 'remove', copyId: op.toCopyId, position: page.position! };
    }
    case 'staple':
      await api.merge(op.examId, op.copyIds);
      return null;
  }
}

function pageAt(review: UploadReview, copyId: string, position: number) {
  const page = review.copies.find((c) => c.id === copyId)?.pages[position];
  if (!page) throw new Error(`no page ${position} in copy ${copyId}`);
  return page;
}

function positionIn(res: PageRepairResponse, copyId: string, pageId: string): number {
  const copy: ReviewCopy | undefined = res.copies.find((c) => c.id === copyId);
  return copy?.pages.find((p) => p.id === pageId)?.position ?? 0;
}
