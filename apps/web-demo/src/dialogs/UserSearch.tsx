import { useParley } from '@parley/react';
import type { User } from '@parley/sdk';
import { useEffect, useId, useState } from 'react';
import { useMe } from '../state/ui-context.tsx';
import { Avatar } from '../ui/Avatar.tsx';

interface UserSearchProps {
  label?: string;
  /** Not offered (yourself always, plus e.g. current members). */
  exclude?: string[];
  onPick: (user: User) => void;
  /** What picking does ("Start chat", "Add"): shown after the name, and last in its label. */
  actionLabel?: string;
}

/** Finds people by name (word prefix) or exact email address as you type. */
export function UserSearch({
  label = 'Search people',
  exclude = [],
  onPick,
  actionLabel,
}: UserSearchProps) {
  const parley = useParley();
  const me = useMe();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<User[]>([]);
  /** The query the results answer: until it matches what is typed, the search is running. */
  const [answered, setAnswered] = useState('');
  const id = useId();
  useEffect(() => {
    const query = q.trim();
    if (!query) {
      setResults([]);
      setAnswered('');
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      parley.users.search({ q: query }).then(
        (page) => {
          if (!live) return;
          setResults(page.items);
          setAnswered(query);
        },
        () => live && setAnswered(query),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q, parley]);
  const shown = results.filter((u) => u.id !== me && !exclude.includes(u.id));
  const searching = q.trim() !== '' && answered !== q.trim();
  // People with the same name are told apart by their "about" line, else their id's end.
  const named = (user: User) => shown.filter((u) => u.displayName === user.displayName).length;
  const detail = (user: User) =>
    named(user) > 1 ? user.about.slice(0, 40) || `#${user.id.slice(-4)}` : null;
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
        {shown.map((user) => {
          const extra = detail(user);
          return (
            <li key={user.id}>
              <button
                type="button"
                className="user-result"
                onClick={() => {
                  setQ('');
                  onPick(user);
                }}
              >
                {/* Named by its text, as shown: the name (and what tells it apart), then the
                    action ("Ben Carter Start chat"), so speech input finds it by the name. */}
                <Avatar name={user.displayName} fileId={user.avatarFileId} />
                <span>{user.displayName}</span>
                {extra && <span className="muted small"> {extra}</span>}
                {actionLabel && <span className="result-action"> {actionLabel}</span>}
              </button>
            </li>
          );
        })}
        {searching && shown.length === 0 && <li className="muted small">Searching…</li>}
        {!searching && q.trim() && shown.length === 0 && (
          <li className="muted small">Nobody found yet.</li>
        )}
      </ul>
    </div>
  );
}
