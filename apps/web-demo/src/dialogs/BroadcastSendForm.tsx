import { useParley } from '@parley/react';
import type { Broadcast } from '@parley/sdk';
import { type FormEvent, useId, useState } from 'react';
import { FormError } from '../ui/FormError.tsx';
import { useAction } from '../ui/use-action.ts';

/** One message to every recipient of a list (each in their direct chat with me). */
export function BroadcastSendForm({ list }: { list: Broadcast }) {
  const parley = useParley();
  const id = useId();
  const [text, setText] = useState('');
  const [result, setResult] = useState('');
  const send = useAction(async () => {
    const sent = await parley.broadcasts.send({
      broadcastId: list.id,
      clientMessageId: crypto.randomUUID(),
      text,
    });
    setText('');
    setResult(`Sent to ${sent.recipients.length} people.`);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send.run();
  };
  return (
    <form className="composer-row" onSubmit={submit}>
      <label className="sr-only" htmlFor={id}>
        Message to {list.name}
      </label>
      <input
        id={id}
        value={text}
        placeholder={`Message to everyone on ${list.name}`}
        onChange={(e) => setText(e.target.value)}
        required
      />
      <button type="submit" className="primary" disabled={send.busy}>
        Send to list
      </button>
      <div className="full-width">
        <FormError message={send.error} />
      </div>
      <p role="status" className="muted small full-width">
        {result}
      </p>
    </form>
  );
}
