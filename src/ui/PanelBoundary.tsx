import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** The panel's name, as the message says it: "the charts". */
  name: string;
  children: ReactNode;
}

/**
 * One panel's render error stays in that panel: the rest of the studio, and the run training in the
 * worker, go on. Without it React unmounts the whole page, and a run looks lost when it is not.
 */
export class PanelBoundary extends Component<Props, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`The studio could not draw ${this.props.name}:`, error, info.componentStack);
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="panel" role="alert" data-testid="panel-error">
        <p className="error">
          The studio could not draw {this.props.name}: {error.message}. Training and your runs are not affected.
        </p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Draw it again
        </button>
      </section>
    );
  }
}
