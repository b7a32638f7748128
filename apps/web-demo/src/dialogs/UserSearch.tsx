import type { User } from '@parley/sdk';
import { useEffect, useId, useState } from 'react';
import { useChatStore } from '../state/chat-context.tsx';
import { Avatar } from '../ui/Avatar.tsx';

interface UserSearchProps {
  label?: string;
  /** Not offered (yourself always, plus e.g. current members). */
  exclude?: string[];
  onPick: (user: User) => void;
  actionLabel?: string;
}

/** Finds people by name (word prefix) or exact email address as you type. */
export function UserSearch({
  label = 'Search people',
  exclude = [],
  onPick,
  actionLabel,
}: UserSearchProps) {
  const store = useChatStore();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<User[]>([]);
  const id = useId();
  useEffect(() => {
    const query = q.trim();
    if (!query) {
      setResults([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      store.parley.users.search({ q: query }).then(
        (page) => live && setResults(page.items),
        () => undefined,
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q, store]);
  const shown = results.filter((u) => u.id !== store.me && !exclude.includes(u.id));
  return (
    <div className="user-search">
      <label className="field" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        type="text"
        value={q}
        placeholder="Name or email"
        onChange={(e) => setQ(e.target.value)}
        autoComplete="off"
      />
      <ul className="user-results" aria-label="People found">
        {shown.map((user) => (
          <li key={user.id}>
            <button
              type="button"
              className="user-result"
              aria-label={actionLabel ? `${actionLabel} ${user.displayName}` : user.displayName}
              onClick={() => {
                setQ('');
                onPick(user);
              }}
            >
              <Avatar name={user.displayName} fileId={user.avatarFileId} />
              <span>{user.displayName}</span>
            </button>
          </li>
        ))}
        {q.trim() && shown.length === 0 && <li className="muted small">Nobody found yet.</li>}
      </ul>
    </div>
  );
}
