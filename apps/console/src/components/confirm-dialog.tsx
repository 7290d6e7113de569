import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { newIdempotencyKey } from '../api/client';
import { messageOf } from './common';

/**
 * An action behind a confirmation: a button opens a modal dialog with the action's fields; confirming sends it
 * with one Idempotency-Key made when the dialog opened, so a double click or a retry after a timeout repeats
 * the same action instead of doing it twice. The server's error stays in the dialog, readable.
 */
export function ConfirmAction({
  label,
  title,
  confirmLabel,
  danger,
  disabled,
  children,
  onConfirm,
  onDone,
}: {
  label: string;
  title: string;
  confirmLabel: string;
  danger?: boolean;
  disabled?: boolean;
  children?: ReactNode;
  /** Reads the form's fields and sends the action; throws to show an error. */
  onConfirm: (form: FormData, idempotencyKey: string) => Promise<void>;
  onDone: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const open = () => {
    setKey(newIdempotencyKey());
    setError(undefined);
    dialog.current?.showModal();
  };
  const close = () => dialog.current?.close();
  useEffect(() => () => dialog.current?.close(), []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    try {
      await onConfirm(new FormData(event.currentTarget), key);
      close();
      onDone();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className={danger ? 'danger' : undefined} disabled={disabled} onClick={open}>
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={`${label}-title`.replace(/\s+/g, '-')}>
        <form onSubmit={(e) => void submit(e)}>
          <h2 id={`${label}-title`.replace(/\s+/g, '-')}>{title}</h2>
          {children}
          {error && (
            <p className="banner error" role="alert">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="button" onClick={close}>
              Back
            </button>
            <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy}>
              {busy ? 'Working…' : confirmLabel}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
