import { useParley } from '@parley/react';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';

const EMPTY = new Set<string>();
const BlocksContext = createContext<Set<string>>(EMPTY);

/**
 * The ids of the users I blocked: loaded once, then kept current by `block` events (a block
 * made on another of my devices shows here too). Group messages from them are collapsed.
 */
export function BlocksProvider({ children }: { children: ReactNode }) {
  const parley = useParley();
  const [blocked, setBlocked] = useState<Set<string>>(EMPTY);
  useEffect(() => {
    let live = true;
    const off = parley.on('block', (event) => {
      setBlocked((current) => {
        const next = new Set(current);
        if (event.blocked) next.add(event.userId);
        else next.delete(event.userId);
        return next;
      });
    });
    parley.users
      .blocks()
      .then((list) => {
        if (live) setBlocked(new Set(list.map((b) => b.user.id)));
      })
      .catch(() => undefined);
    return () => {
      live = false;
      off();
    };
  }, [parley]);
  return <BlocksContext.Provider value={blocked}>{children}</BlocksContext.Provider>;
}

export function useBlocked(): Set<string> {
  return useContext(BlocksContext);
}
