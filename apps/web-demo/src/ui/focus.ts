// Where focus goes next when the element that should take it is not on screen yet: opening a
// chat from the "New chat" dialog closes the dialog first, and the chat's composer mounts a
// moment later. The dialog does not give focus back to its opener while such a wish is pending.

let wanted: string | null = null;

/** Asks for the element with this id to take the focus as soon as it can. */
export function focusNext(id: string): void {
  wanted = id;
  claimFocus(id);
}

/** Whether a focus wish is pending (a closing dialog then leaves the focus alone). */
export function focusWanted(): boolean {
  return wanted !== null;
}

/** Gives the focus to the element asked for, if it is on screen now. */
export function claimWanted(): void {
  if (wanted) claimFocus(wanted);
}

/** Called by an element when it mounts: takes the focus if it was asked for. */
export function claimFocus(id: string): void {
  if (wanted !== id) return;
  const el = document.getElementById(id);
  if (!el) return;
  el.focus();
  if (document.activeElement === el) wanted = null;
}

/** The first field of a container (text inputs, selects, text areas), else its first control. */
export function firstField(container: HTMLElement): HTMLElement | null {
  return (
    container.querySelector<HTMLElement>(
      'input:not([type=hidden]):not([type=file]):not([type=checkbox]):not([type=radio]):not(:disabled), select:not(:disabled), textarea:not(:disabled)',
    ) ??
    container.querySelector<HTMLElement>(
      'button:not(:disabled), [href], input:not(:disabled), [tabindex]:not([tabindex="-1"])',
    )
  );
}
