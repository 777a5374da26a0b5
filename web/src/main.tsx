import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { I18nProvider } from './i18n';
import { prefetchDeskOfLocation } from './features/grading/deskData';
import './styles.css';

// a desk opened directly (a link, a reload) starts loading its copy now, alongside the session check
prefetchDeskOfLocation();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>,
);
