import { useState } from 'react';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      className="btn"
      onClick={() => {
        if (!navigator.clipboard) return setDone('failed');
        navigator.clipboard.writeText(text).then(
          () => setDone('copied'),
          () => setDone('failed'),
        );
      }}
    >
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Copy blocked: select and copy' : label}
    </button>
  );
}
