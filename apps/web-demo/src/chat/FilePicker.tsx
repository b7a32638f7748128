import { useUpload } from '@parley/react';
import type { FileInfo } from '@parley/sdk';
import { useEffect, useState } from 'react';
import { errorText } from '../ui/errors.ts';
import { RemovableChip } from '../ui/RemovableChip.tsx';

interface FilePickerProps {
  files: FileInfo[];
  onFiles: (files: FileInfo[]) => void;
  onError: (message: string) => void;
  /** Whether uploads are under way (the message must wait for their ids). */
  onBusy: (busy: boolean) => void;
}

/**
 * Uploads chosen files right away, one after the other, showing the progress; the message then
 * carries their ids. Large files go up resumably: picked again after a reload, they go on from
 * where they were.
 */
export function FilePicker({ files, onFiles, onError, onBusy }: FilePickerProps) {
  const { upload, progress } = useUpload();
  const [uploading, setUploading] = useState(0);
  const [current, setCurrent] = useState('');
  useEffect(() => onBusy(uploading > 0), [uploading, onBusy]);
  const pick = async (list: FileList | null) => {
    const chosen = [...(list ?? [])];
    setUploading((n) => n + chosen.length);
    const uploaded: FileInfo[] = [];
    for (const file of chosen) {
      try {
        setCurrent(file.name);
        uploaded.push(await upload(file));
      } catch (error) {
        onError(`${file.name}: ${errorText(error)}`);
      } finally {
        setUploading((n) => n - 1);
      }
    }
    onFiles([...files, ...uploaded]);
  };
  return (
    <div className="file-picker">
      <label className="icon-button attach" title="Attach files">
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
          <path
            d="M16.5 6.5 8.6 14.4a2 2 0 0 0 2.8 2.8l7.9-7.9a4 4 0 0 0-5.6-5.6l-8 8a6 6 0 0 0 8.5 8.5l6.4-6.4"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.8"
            strokeLinecap="round"
          />
        </svg>
        <span className="sr-only">Attach files</span>
        <input
          type="file"
          multiple
          className="sr-only"
          onChange={(e) => {
            void pick(e.target.files);
            e.target.value = '';
          }}
        />
      </label>
      {(files.length > 0 || uploading > 0) && (
        <ul className="chips" aria-label="Attached files">
          {files.map((f) => (
            <RemovableChip
              key={f.id}
              label={f.name}
              onRemove={() => onFiles(files.filter((x) => x.id !== f.id))}
            />
          ))}
          {uploading > 0 && (
            <li className="chip muted">
              Uploading {current}
              {progress?.total ? `: ${Math.floor((progress.loaded / progress.total) * 100)}%` : '…'}
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
