import { AuthScreen } from './auth/AuthScreen.tsx';
import { ChatApp } from './chat/ChatApp.tsx';
import { ChatProvider } from './state/chat-context.tsx';
import { useSession } from './state/parley-context.tsx';

export function App() {
  const session = useSession();
  if (!session) return <AuthScreen />;
  // A new store for each user: nothing of one account carries over to the next.
  return (
    <ChatProvider key={session.user.id}>
      <ChatApp />
    </ChatProvider>
  );
}
