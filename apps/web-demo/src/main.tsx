import { ParleyProvider } from '@parley/react';
import { createParleyClient } from '@parley/sdk';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './styles.css';

// sessionStorage: each tab keeps its own session, so two windows can be two people.
const parley = createParleyClient({ url: window.location.origin, storage: window.sessionStorage });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ParleyProvider client={parley} storeOptions={{ pageSize: 30 }}>
      <App />
    </ParleyProvider>
  </StrictMode>,
);
