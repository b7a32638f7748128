import type { ParleyClient, Session } from '@parley/sdk';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';

const ParleyContext = createContext<ParleyClient | null>(null);

export function ParleyProvider({
  client,
  children,
}: {
  client: ParleyClient;
  children: ReactNode;
}) {
  return <ParleyContext.Provider value={client}>{children}</ParleyContext.Provider>;
}

/** The one SDK client of the app. */
export function useParley(): ParleyClient {
  const client = useContext(ParleyContext);
  if (!client) throw new Error('useParley outside ParleyProvider');
  return client;
}

/** The signed-in user's session, following sign-in, profile updates and sign-out. */
export function useSession(): Session | null {
  const parley = useParley();
  const [session, setSession] = useState(parley.session);
  useEffect(() => {
    setSession(parley.session);
    return parley.on('session', (event) => setSession(event.session));
  }, [parley]);
  return session;
}
