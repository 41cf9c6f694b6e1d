import { CopyButton } from '../../components/CopyButton';
import { useApp } from '../../store/context';
import { arduinoSnippet } from './snippet';

/** A freshly created or rotated token: shown this once, with the sketch lines to paste. */
export function TokenReveal({ id, token, onDone }: { id: string; token: string; onDone: () => void }) {
  const tcpPort = useApp((s) => s.hello?.tcpPort ?? 8080);
  const host = typeof location !== 'undefined' ? location.hostname : '';
  const snippet = arduinoSnippet({ id, token, host, port: tcpPort });
  return (
    <div className="token-reveal" data-testid="token-reveal">
      <p>
        Token for <b>{id}</b>. It is shown <b>only now</b>; the host keeps just a hash. Copy it into your sketch:
      </p>
      <div className="token-line">
        <code data-testid="token-value">{token}</code>
        <CopyButton text={token} label="Copy token" />
      </div>
      <pre className="mono snippet" data-testid="token-snippet">
        {snippet}
      </pre>
      <div className="row-actions">
        <CopyButton text={snippet} label="Copy Arduino snippet" />
        <button type="button" className="btn primary" onClick={onDone}>
          I saved it
        </button>
      </div>
    </div>
  );
}
