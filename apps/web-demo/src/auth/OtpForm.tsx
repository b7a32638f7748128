import { useParley } from '@parley/react';
import { type FormEvent, useState } from 'react';
import { FormError } from '../ui/FormError.tsx';
import { useAction } from '../ui/use-action.ts';

/** Sign in (or up) with a 6-digit code sent by email: first the address, then the code. */
export function OtpForm() {
  const parley = useParley();
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [sent, setSent] = useState(false);
  const request = useAction(async () => {
    await parley.auth.requestOtp({ email });
    setSent(true);
  });
  const verify = useAction(() =>
    parley.auth.verifyOtp({ email, code, ...(displayName ? { displayName } : {}) }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void (sent ? verify.run() : request.run());
  };
  return (
    <form className="stack" onSubmit={submit}>
      <label className="field">
        Email
        <input
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          readOnly={sent}
          required
          autoComplete="email"
        />
      </label>
      {sent && (
        <>
          <p className="muted" role="status">
            We sent a code to {email}. In development it is also at{' '}
            <a href="/dev/outbox">/dev/outbox</a>.
          </p>
          <label className="field">
            6-digit code
            <input
              value={code}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="\d{6}"
              required
              // biome-ignore lint/a11y/noAutofocus: the code field is the next step once the mail is sent
              autoFocus
            />
          </label>
          <label className="field">
            Your name <span className="muted">(new accounts only, optional)</span>
            <input
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              maxLength={64}
              autoComplete="name"
            />
          </label>
        </>
      )}
      <FormError message={sent ? verify.error : request.error} />
      <button type="submit" className="primary" disabled={request.busy || verify.busy}>
        {sent ? 'Sign in with code' : 'Email me a code'}
      </button>
      {sent && (
        <button type="button" className="link" onClick={() => setSent(false)}>
          Use another address
        </button>
      )}
    </form>
  );
}
