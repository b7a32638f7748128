import { useSession } from '@parley/react';
import { AuthScreen } from './auth/AuthScreen.tsx';
import { ChatApp } from './chat/ChatApp.tsx';
import { UiProvider } from './state/ui-context.tsx';

export function App() {
  const session = useSession();
  if (!session) return <AuthScreen />;
  // The demo's own state anew for each user (the SDK's store clears itself on sign-out).
  return (
    <UiProvider key={session.user.id}>
      <ChatApp />
    </UiProvider>
  );
}
