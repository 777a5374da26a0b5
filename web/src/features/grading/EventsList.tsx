/** The copy's history (grading events), loaded when opened. */
import { useState } from 'react';
import { api } from '../../api/client';
import { isKey, type Key, useI18n } from '../../i18n';
import { dateTime } from '../../lib/time';
import { ErrorBox } from '../common/ui';

export function EventsList({ copyId }: { copyId: string }) {
  const { t, lang } = useI18n();
  const [events, setEvents] = useState<Awaited<ReturnType<typeof api.events>> | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <details
      onToggle={(e) => {
        if ((e.target as HTMLDetailsElement).open) api.events(copyId).then(setEvents, setError);
      }}
    >
      <summary>{t('events')}</summary>
      <ErrorBox error={error} />
      <ul className="events">
        {events?.map((ev) => (
          <li key={ev.id}>
            {dateTime(ev.createdAt, lang)} · {isKey(`ev_${ev.action}`) ? t(`ev_${ev.action}` as Key) : ev.action}
            {ev.actor ? ` · ${ev.actor.displayName}` : ''}
          </li>
        ))}
      </ul>
    </details>
  );
}
