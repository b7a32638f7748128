import { type KeyboardEvent, useState } from 'react';
import { OtpForm } from './OtpForm.tsx';
import { PasswordForm } from './PasswordForm.tsx';

const TABS = [
  { id: 'login', label: 'Sign in' },
  { id: 'register', label: 'Create account' },
  { id: 'otp', label: 'Email code' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** Sign in or sign up: password, new account, or a one-time code by email. */
export function AuthScreen() {
  const [tab, setTab] = useState<Tab>('login');
  const onKeyDown = (event: KeyboardEvent) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const index = (TABS.findIndex((t) => t.id === tab) + step + TABS.length) % TABS.length;
    setTab(TABS[index]!.id);
    document.getElementById(`tab-${TABS[index]!.id}`)?.focus();
  };
  return (
    <main className="auth">
      <div className="auth-card">
        <h1 className="brand">Parley</h1>
        <p className="muted">Real-time chat, end to end on the Parley SDK.</p>
        <div role="tablist" aria-label="How to sign in" className="tabs" onKeyDown={onKeyDown}>
          {TABS.map((t) => (
            <button
              key={t.id}
              id={`tab-${t.id}`}
              type="button"
              role="tab"
              aria-selected={tab === t.id}
              aria-controls="auth-panel"
              tabIndex={tab === t.id ? 0 : -1}
              onClick={() => setTab(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
        <section id="auth-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
          {tab === 'otp' ? <OtpForm /> : <PasswordForm key={tab} mode={tab} />}
        </section>
      </div>
    </main>
  );
}
