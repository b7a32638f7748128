/** A chosen item (a person, an attached file) with a button that removes it. */
export function RemovableChip({ label, onRemove }: { label: string; onRemove: () => void }) {
  return (
    <li className="chip">
      {label}
      <button
        type="button"
        className="icon-button"
        aria-label={`Remove ${label}`}
        onClick={onRemove}
      >
        ✕
      </button>
    </li>
  );
}
