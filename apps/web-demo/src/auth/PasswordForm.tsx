import { useParley } from '@parley/react';
import { type FormEvent, useState } from 'react';
import { FormError } from '../ui/FormError.tsx';
import { useAction } from '../ui/use-action.ts';

/** Email and password: signs in, or creates the account (`mode: 'register'`). */
export function PasswordForm({ mode }: { mode: 'login' | 'register' }) {
  const parley = useParley();
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { run, busy, error } = useAction(() =>
    mode === 'register'
      ? parley.auth.register({ email, password, displayName })
      : parley.auth.login({ email, password }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run();
  };
  return (
    <form className="stack" onSubmit={submit}>
      {mode === 'register' && (
        <label className="field">
          Your name
          <input
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
            required
            maxLength={64}
            autoComplete="name"
          />
        </label>
      )}
      <label className="field">
        Email
        <input
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
          autoComplete="email"
        />
      </label>
      <label className="field">
        Password
        <input
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          minLength={mode === 'register' ? 8 : 1}
          autoComplete={mode === 'register' ? 'new-password' : 'current-password'}
        />
      </label>
      <FormError message={error} />
      <button type="submit" className="primary" disabled={busy}>
        {mode === 'register' ? 'Create account' : 'Sign in'}
      </button>
    </form>
  );
}
