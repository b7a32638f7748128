import {
  type FocusEvent,
  type KeyboardEvent,
  type RefObject,
  useLayoutEffect,
  useRef,
} from 'react';

/**
 * Roving tabindex over the buttons a container holds (`selector`, relative to it): one Tab stop
 * for the whole group, the arrow keys (and Home / End) move between its buttons, and the last
 * one used keeps the stop. The tabindex attributes are set here, after every render, so the
 * markup does not change with the focus.
 */
export function useRovingFocus(container: RefObject<HTMLElement | null>, selector: string) {
  const active = useRef(0);
  const items = () => [...(container.current?.querySelectorAll<HTMLElement>(selector) ?? [])];
  const mark = (list: HTMLElement[]) => {
    const current = Math.min(active.current, list.length - 1);
    list.forEach((el, i) => {
      el.tabIndex = i === current ? 0 : -1;
    });
  };
  useLayoutEffect(() => mark(items()));
  const onKeyDown = (event: KeyboardEvent) => {
    const list = items();
    const i = list.indexOf(event.target as HTMLElement);
    if (i < 0) return; // inside a panel the group opened: its own keys
    const last = list.length - 1;
    const next =
      event.key === 'ArrowRight' || event.key === 'ArrowDown'
        ? i === last
          ? 0
          : i + 1
        : event.key === 'ArrowLeft' || event.key === 'ArrowUp'
          ? i === 0
            ? last
            : i - 1
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : -1;
    if (next < 0) return;
    event.preventDefault();
    active.current = next;
    mark(list);
    list[next]?.focus();
  };
  const onFocus = (event: FocusEvent) => {
    const list = items();
    const i = list.indexOf(event.target as HTMLElement);
    if (i < 0 || i === active.current) return;
    active.current = i;
    mark(list);
  };
  return { onKeyDown, onFocus };
}
