import { useState } from 'react';

const MAX_CHILDREN = 200;

function Leaf({ value }: { value: unknown }) {
  const cls = value === null ? 'null' : typeof value;
  return <span className={`json-${cls}`}>{JSON.stringify(value)}</span>;
}

/** A collapsible JSON tree; nodes deeper than `openDepth` start collapsed; long lists show the first 200. */
export function JsonTree({ value, name, depth = 0, openDepth = 4 }: { value: unknown; name?: string; depth?: number; openDepth?: number }) {
  const [open, setOpen] = useState(depth < openDepth);
  const label = name !== undefined ? <span className="json-key">{name}: </span> : null;
  if (value === null || typeof value !== 'object') {
    return (
      <div className="json-node" style={{ paddingLeft: depth ? 14 : 0 }}>
        {label}
        <Leaf value={value} />
      </div>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  const [openB, closeB] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return (
    <div className="json-node" style={{ paddingLeft: depth ? 14 : 0 }}>
      <button type="button" className="json-toggle" aria-expanded={open} aria-label={name ?? 'payload'} onClick={() => setOpen(!open)} data-testid="json-toggle">
        {open ? '▾' : '▸'}
      </button>
      {label}
      {openB}
      {!open && <span className="muted"> {entries.length} {Array.isArray(value) ? 'items' : 'keys'} {closeB}</span>}
      {open && (
        <>
          {entries.slice(0, MAX_CHILDREN).map(([k, v]) => (
            <JsonTree key={k} name={k} value={v} depth={depth + 1} openDepth={openDepth} />
          ))}
          {entries.length > MAX_CHILDREN && <div className="muted">… {entries.length - MAX_CHILDREN} more not drawn</div>}
          <div>{closeB}</div>
        </>
      )}
    </div>
  );
}
