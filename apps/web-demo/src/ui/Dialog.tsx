import { type ReactNode, useEffect, useId, useRef } from 'react';
import { claimWanted, firstField, focusWanted } from './focus.ts';

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
}

/**
 * A modal on the native <dialog>: focus moves to its first field (not the close button) and is
 * kept inside, Escape closes, and focus returns to whatever opened it, unless the dialog's
 * action sent it somewhere else (opening a chat focuses its composer).
 */
export function Dialog({ title, onClose, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    dialog?.showModal();
    const first = body.current && firstField(body.current);
    first?.focus();
    return () => {
      dialog?.close();
      if (focusWanted()) claimWanted();
      else opener?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <header className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
          ✕
        </button>
      </header>
      <div className="dialog-body" ref={body}>
        {children}
      </div>
    </dialog>
  );
}
