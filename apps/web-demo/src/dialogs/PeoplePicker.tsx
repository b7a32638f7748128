import type { User } from '@parley/sdk';
import { RemovableChip } from '../ui/RemovableChip.tsx';
import { UserSearch } from './UserSearch.tsx';

interface PeoplePickerProps {
  label: string;
  picked: User[];
  onChange: (users: User[]) => void;
}

/** Several people chosen through search, shown as removable chips. */
export function PeoplePicker({ label, picked, onChange }: PeoplePickerProps) {
  return (
    <div className="stack">
      <UserSearch
        label={label}
        actionLabel="Add"
        exclude={picked.map((u) => u.id)}
        onPick={(user) => onChange([...picked, user])}
      />
      <ul className="chips" aria-label="Chosen people">
        {picked.map((user) => (
          <RemovableChip
            key={user.id}
            label={user.displayName}
            onRemove={() => onChange(picked.filter((u) => u.id !== user.id))}
          />
        ))}
      </ul>
    </div>
  );
}
