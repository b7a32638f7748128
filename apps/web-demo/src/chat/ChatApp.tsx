import { useState } from 'react';
import { BroadcastsDialog } from '../dialogs/BroadcastsDialog.tsx';
import { GroupInfoDialog } from '../dialogs/GroupInfoDialog.tsx';
import { NewChatDialog } from '../dialogs/NewChatDialog.tsx';
import { NewGroupDialog } from '../dialogs/NewGroupDialog.tsx';
import { PrivacyDialog } from '../dialogs/PrivacyDialog.tsx';
import { ProfileDialog } from '../dialogs/ProfileDialog.tsx';
import { BlocksProvider } from '../state/blocks.tsx';
import { useUi } from '../state/ui-context.tsx';
import { ChatView } from './ChatView.tsx';
import { ConnectionBanner } from './ConnectionBanner.tsx';
import type { DialogName } from './dialog-name.ts';
import { Sidebar } from './Sidebar.tsx';

/** The signed-in app: list and chat side by side (one at a time on narrow screens). */
export function ChatApp() {
  const activeId = useUi((s) => s.activeId);
  const [dialog, setDialog] = useState<DialogName | null>(null);
  const close = () => setDialog(null);
  return (
    <BlocksProvider>
      {/* The first stop of the Tab key: past the list and the messages, straight to writing. */}
      {activeId && (
        <button
          type="button"
          className="skip-link"
          onClick={() => document.getElementById('composer-input')?.focus()}
        >
          Skip to the message box
        </button>
      )}
      {/* One main landmark holding the whole app, so it exists on phones too, where the list and
          the chat take turns. */}
      <main className="app" data-view={activeId ? 'chat' : 'list'}>
        {/* The page's one h1, for screen-reader navigation on every screen size. */}
        <h1 className="sr-only">Parley</h1>
        <ConnectionBanner />
        <Sidebar onOpen={setDialog} />
        <div className="chat-pane">
          {activeId ? (
            <ChatView key={activeId} conversationId={activeId} onOpen={setDialog} />
          ) : (
            <div className="empty-state">
              <p>Pick a conversation, or start a new one.</p>
            </div>
          )}
        </div>
        {dialog === 'newChat' && <NewChatDialog onClose={close} />}
        {dialog === 'newGroup' && <NewGroupDialog onClose={close} />}
        {dialog === 'broadcasts' && <BroadcastsDialog onClose={close} />}
        {dialog === 'profile' && <ProfileDialog onClose={close} />}
        {dialog === 'privacy' && <PrivacyDialog onClose={close} />}
        {dialog === 'groupInfo' && activeId && (
          <GroupInfoDialog conversationId={activeId} onClose={close} />
        )}
      </main>
    </BlocksProvider>
  );
}
