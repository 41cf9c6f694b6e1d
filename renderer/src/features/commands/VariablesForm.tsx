import type { ButtonHTMLAttributes, ReactNode } from 'react';

/**
 * The values a template's {{variables}} take before it is sent: one field each, the problem a value
 * makes (the JSON it breaks) in place, Cancel and Send. The composer's and the saved commands' both.
 */
export function VariablesForm(props: {
  title: ReactNode;
  className: string;
  testId?: string;
  values: Record<string, string>;
  onChange: (values: Record<string, string>) => void;
  error: string | null;
  errorTestId: string;
  onSubmit: () => void;
  onCancel: () => void;
  submitLabel: string;
  submit: ButtonHTMLAttributes<HTMLButtonElement>;
}) {
  const { values } = props;
  return (
    <form
      className={props.className}
      data-testid={props.testId}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <b>{props.title}</b>
      {Object.keys(values).map((v, i) => (
        <label key={v} className="field">
          <span>{v}</span>
          <input autoFocus={i === 0} aria-label={`Variable ${v}`} value={values[v]} onChange={(e) => props.onChange({ ...values, [v]: e.target.value })} />
        </label>
      ))}
      {props.error && (
        <p className="error-text" data-testid={props.errorTestId}>
          {props.error}
        </p>
      )}
      <div className="row-actions">
        <button type="button" className="btn" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn primary" {...props.submit}>
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}
