/** The rubric's dialogs at the desk: a conflict on a question's items, the edit (with its preview) of an item. */
import type { ScaleRow } from '../scores';
import { ItemEditDialog } from './ItemEditDialog';
import { RubricConflictDialog } from './RubricConflictDialog';
import type { useDeskRubric } from './useDeskRubric';

export function DeskRubricDialogs({ r, leaves }: { r: ReturnType<typeof useDeskRubric>; leaves: ScaleRow[] }) {
  const c = r.rubric.conflicts[0];
  if (c) return <RubricConflictDialog c={c} items={r.rubric.items} questionLabel={leaves.find((l) => l.id === c.qid)?.label ?? ''} />;
  if (r.editing) return <ItemEditDialog item={r.editing} onClose={() => r.setEditing(null)} onSaved={r.onItemSaved} />;
  return null;
}
