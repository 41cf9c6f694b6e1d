import { checkJsonObject } from './json-input';

/** A textarea for a JSON object payload that says what is wrong as you type. */
export function JsonEditor({ value, onChange, label = 'Payload (JSON)', rows = 6, testId }: { value: string; onChange: (v: string) => void; label?: string; rows?: number; testId?: string }) {
  const check = checkJsonObject(value);
  return (
    <label className="field">
      <span>{label}</span>
      <textarea
        className={`mono${check.ok ? '' : ' invalid'}`}
        rows={rows}
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={!check.ok}
        data-testid={testId}
      />
      <span className={check.ok ? 'ok-text' : 'error-text'} data-testid={testId ? `${testId}-check` : undefined}>
        {check.ok ? 'valid JSON object' : check.error}
      </span>
    </label>
  );
}
