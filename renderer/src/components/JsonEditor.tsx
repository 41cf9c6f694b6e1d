import { checkJsonObject, type JsonCheck } from './json-input';

/**
 * A textarea for a JSON object payload that says what is wrong as you type. A caller that reads the
 * text otherwise (a command template with {{variables}}) passes its own `check`, and `okNote` to say
 * so in neutral text in place of "valid JSON object".
 */
export function JsonEditor({ value, onChange, label = 'Payload (JSON)', rows = 6, testId, check: given, okNote }: { value: string; onChange: (v: string) => void; label?: string; rows?: number; testId?: string; check?: JsonCheck; okNote?: string }) {
  const check = given ?? checkJsonObject(value);
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
      <span className={!check.ok ? 'error-text' : okNote ? 'muted' : 'ok-text'} data-testid={testId ? `${testId}-check` : undefined}>
        {!check.ok ? check.error : (okNote ?? 'valid JSON object')}
      </span>
    </label>
  );
}
