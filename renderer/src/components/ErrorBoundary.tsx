import { Component, type ReactNode } from 'react';

/** Keeps one broken view from blanking the whole panel; says what failed and offers a retry. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null; key: string }> {
  override state = { error: null as Error | null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: { resetKey: string }, state: { key: string }) {
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="empty" role="alert" data-testid="view-error">
        <h2>This view hit an error</h2>
        <p className="error-text mono">{this.state.error.message}</p>
        <p className="muted">The rest of the panel keeps working. Try again, or switch views.</p>
        <button type="button" className="btn" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
