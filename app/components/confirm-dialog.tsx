'use client';
/** A modal confirmation for a destructive action, stating its effect and its time limit. */
import { useEffect, useRef } from 'react';

export interface ConfirmRequest {
  readonly title: string;
  readonly body: string;
  /** "reverts by itself after 60 s", "until Restart" */
  readonly limit: string;
  readonly confirmLabel: string;
  readonly run: () => Promise<void>;
}

export function ConfirmDialog({
  request,
  onClose,
}: {
  request: ConfirmRequest;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} className="confirm" aria-labelledby="confirm-title" onCancel={onClose}>
      <h3 id="confirm-title">{request.title}</h3>
      <p>{request.body}</p>
      <p>
        <strong>Time limit:</strong> <span data-testid="confirm-limit">{request.limit}</span>
      </p>
      <div className="toolbar">
        <button
          type="button"
          className="danger"
          onClick={() => {
            onClose();
            void request.run();
          }}
        >
          {request.confirmLabel}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
